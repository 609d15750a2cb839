"""The tfplugin6 `Provider` service of the stand-in.

Each RPC is a plain method taking the request message and returning the
response message; `rpc_handler` routes gRPC calls to them by name, so any RPC
without a method here answers "unimplemented", which Terraform accepts for the
optional ones (metadata, functions, identities, actions, state stores).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import grpc
from google.protobuf import message_factory

from local_gateway.standin import cty
from local_gateway.standin.account import open_account
from local_gateway.standin.archive import ArchiveError
from local_gateway.standin.data_sources import read_data_source
from local_gateway.standin.protocol import pb
from local_gateway.standin.resources import REGION, fill_computed, mark_computed_unknown
from local_gateway.standin.rules import (
    Change,
    Violation,
    after_apply_effects,
    apply_violations,
    plan_adjustments,
    plan_violations,
    replacing_attributes,
)
from local_gateway.standin.schema import ProviderSchema, answer_bytes, block_type

__all__ = ["StandinProvider", "rpc_handler"]


def _error(summary: str, detail: str = "") -> pb.Diagnostic:
    return pb.Diagnostic(severity=pb.Diagnostic.ERROR, summary=summary, detail=detail)


def _diagnostics(violations: list[Violation]) -> list[pb.Diagnostic]:
    return [_error(violation.summary, violation.message()) for violation in violations]


class StandinProvider:
    """Answers Terraform's provider RPCs from a schema, its rules and a make-believe account."""

    def __init__(self, *, schema: ProviderSchema, version: str = "") -> None:
        self._schema = schema
        # Built on the first GetProviderSchema: Terraform caches the schema and
        # skips that call on the other instances it starts (schema.answer_bytes).
        self._schema_response: pb.GetProviderSchema.Response | None = None
        self._version = version
        self._region = REGION

    def _change(self, request: Any, planned: Any) -> tuple[Change, cty.CtyType]:
        """The change a plan or apply request describes, with `planned` as its new state."""
        ty = block_type(self._schema.resources[request.type_name]["block"])
        change = Change(
            type_name=request.type_name,
            prior=self._decode(request.prior_state, ty),
            planned=planned,
            config=self._decode(request.config, ty),
            region=self._region,
            provider_version=self._version,
        )
        return change, ty

    def _decode(self, value: pb.DynamicValue, ty: cty.CtyType) -> Any:
        if value.msgpack:
            return cty.decode(value.msgpack, ty)
        if value.json:
            return cty.from_json(json.loads(value.json), ty)
        return None

    def GetProviderSchema(self, _request: pb.GetProviderSchema.Request) -> Any:  # noqa: N802
        """Serve the schema read from the provider's schema file."""
        if self._schema_response is None:
            self._schema_response = pb.GetProviderSchema.Response.FromString(
                answer_bytes(self._schema)
            )
        return self._schema_response

    def ConfigureProvider(self, request: Any) -> Any:  # noqa: N802
        """Take the region from the provider block (the AWS provider's `region`), if it has one."""
        ty = block_type(self._schema.provider["block"])
        config = self._decode(request.config, ty) or {}
        region = config.get("region")
        if isinstance(region, str) and region:
            self._region = region
        return pb.ConfigureProvider.Response()

    def UpgradeResourceState(self, request: Any) -> Any:  # noqa: N802
        """Re-encode the stored JSON state under the current schema (no migrations)."""
        ty = block_type(self._schema.resources[request.type_name]["block"])
        state = cty.from_json(json.loads(request.raw_state.json), ty)
        return pb.UpgradeResourceState.Response(
            upgraded_state=pb.DynamicValue(msgpack=cty.encode(state, ty))
        )

    def ReadResource(self, request: Any) -> Any:  # noqa: N802
        """Refresh: nothing changes outside Terraform, so the state read is the state held."""
        return pb.ReadResource.Response(new_state=request.current_state, private=request.private)

    def PlanResourceChange(self, request: Any) -> Any:  # noqa: N802
        """Plan the proposed state, with computed attributes unknown on create."""
        block = self._schema.resources[request.type_name]["block"]
        ty = block_type(block)
        proposed = self._decode(request.proposed_new_state, ty)
        prior = self._decode(request.prior_state, ty)
        if proposed is not None and prior is None:
            proposed = mark_computed_unknown(block, proposed)
        change, _ = self._change(request, proposed)
        planned = plan_adjustments(change)
        violations = plan_violations(replace(change, planned=planned))
        replacing = replacing_attributes(replace(change, planned=planned))
        return pb.PlanResourceChange.Response(
            planned_state=pb.DynamicValue(msgpack=cty.encode(planned, ty)),
            requires_replace=[
                pb.AttributePath(steps=[pb.AttributePath.Step(attribute_name=name)])
                for name in replacing
            ],
            planned_private=request.prior_private,
            diagnostics=_diagnostics(violations),
            # The AWS provider is built on the legacy SDK, whose plans may keep a
            # prior value the configuration left out; Terraform accepts that from it.
            legacy_type_system=planned != proposed,
        )

    def ApplyResourceChange(self, request: Any) -> Any:  # noqa: N802
        """Make the planned state real, with placeholders for what was unknown."""
        block = self._schema.resources[request.type_name]["block"]
        ty = block_type(block)
        planned = self._decode(request.planned_state, ty)
        if planned is not None:
            planned = fill_computed(request.type_name, block, planned, self._region)
        change, _ = self._change(request, planned)
        with open_account() as account:
            violations = apply_violations(change, account)
            if violations:
                # Nothing changed in AWS: the resource stays as it was.
                return pb.ApplyResourceChange.Response(
                    new_state=request.prior_state, diagnostics=_diagnostics(violations)
                )
            resource_id = str(change.after.get("id"))
            record = account.record(
                change.type_name, change.action, resource_id, self._region, planned
            )
            if record is not None:
                after_apply_effects(change, account, record)
        return pb.ApplyResourceChange.Response(
            new_state=pb.DynamicValue(msgpack=cty.encode(planned, ty)),
            private=request.planned_private,
        )

    def ReadDataSource(self, request: Any) -> Any:  # noqa: N802
        """Read a data source: real archives, fixed AWS identity, placeholders otherwise."""
        block = self._schema.data_sources[request.type_name]["block"]
        ty = block_type(block)
        config = self._decode(request.config, ty)
        try:
            state = read_data_source(request.type_name, block, config, self._region)
        except ArchiveError as error:
            diagnostic = _error("Archive creation error", str(error))
            return pb.ReadDataSource.Response(diagnostics=[diagnostic])
        return pb.ReadDataSource.Response(state=pb.DynamicValue(msgpack=cty.encode(state, ty)))


def _method_handler(method: Any, function: Callable[[Any], Any]) -> grpc.RpcMethodHandler:
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    return grpc.unary_unary_rpc_method_handler(
        lambda request, _context: function(request),
        request_deserializer=request_class.FromString,
        response_serializer=response_class.SerializeToString,
    )


# RPCs answered with an empty response: there are no provider-specific value
# checks to run, no credentials to configure, nothing running to stop, and the
# schema files hold no resource identities.
_EMPTY_ANSWERS = (
    "ValidateProviderConfig",
    "ValidateResourceConfig",
    "ValidateDataResourceConfig",
    "ValidateEphemeralResourceConfig",
    "StopProvider",
    "GetResourceIdentitySchemas",
)


def _implementation(provider: StandinProvider, method: Any) -> Callable[[Any], Any] | None:
    if method.name in _EMPTY_ANSWERS:
        response_class = message_factory.GetMessageClass(method.output_type)
        return lambda _request: response_class()
    return getattr(provider, method.name, None)


def rpc_handler(provider: StandinProvider) -> grpc.GenericRpcHandler:
    """Route the `tfplugin6.Provider` RPCs the stand-in answers to their implementations."""
    service = pb.DESCRIPTOR.services_by_name["Provider"]
    implementations = {method: _implementation(provider, method) for method in service.methods}
    return grpc.method_handlers_generic_handler(
        service.full_name,
        {
            method.name: _method_handler(method, function)
            for method, function in implementations.items()
            if function is not None
        },
    )
