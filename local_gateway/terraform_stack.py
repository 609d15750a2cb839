"""Serve a Terraform stack: its plan turned into the gateway's settings, routes and moto resources.

`python -m local_gateway --terraform DIR` plans DIR (`terraform_source`), reads the plan
(`plan_reader`), then:

- creates every DynamoDB table, SSM parameter, Secrets Manager secret, SQS queue and SNS
  topic of the plan in moto, with the plan's names (`LocalServices`);
- serves one WebSocket API of the plan: its stage, route selection expression,
  throttling and routes, each route running its own function's handler, code, layers,
  timeout, memory and environment; a `$connect` authorizer as the gateway's own;
- gives each value the plan leaves unknown its local counterpart (`LocalRef`): a
  table's or queue's ARN, a queue's URL, a secret's ARN as moto made it.

What cannot be served is reported by name before anything starts.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3

from local_gateway.authorizer import AuthorizerConfig
from local_gateway.contract import ENV_CONNECTIONS_TABLE, ENV_MANAGEMENT_API_ENDPOINT, HASH_KEY
from local_gateway.plan_reader import (
    LocalRef,
    LocalStack,
    LocalTemplate,
    StackApi,
    StackFunction,
    read_stack,
)
from local_gateway.routes import Route
from local_gateway.settings import GatewaySettings
from local_gateway.terraform_source import PlannedStack, PlanRequest, plan_stack

__all__ = ["LocalServices", "StackError", "TerraformRun", "load_terraform_stack"]

_ACCOUNT = "123456789012"  # moto's account, which its ARNs name
# Variables the gateway sets for every function itself, whatever the plan says.
_GATEWAY_VARIABLES = {ENV_MANAGEMENT_API_ENDPOINT}


class StackError(Exception):
    """The stack cannot be served; the message names each reason."""


@dataclass
class LocalServices:
    """moto on 127.0.0.1 with the plan's tables, parameters, secrets, queues and topics.

    Every service shares moto's in-process state, so the gateway's embedded DynamoDB
    (which also answers SSM and Secrets Manager) sees what is created here; SQS and SNS
    are served from this server's endpoint.

    Args:
        stack: What the plan holds.
        region: Where the resources are created (the handlers' region).
    """

    stack: LocalStack
    region: str
    api_id: str = "local"
    endpoint: str = ""
    queue_urls: dict[str, str] | None = None
    secret_arns: dict[str, str] | None = None
    _server: Any = None

    def _client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )

    def start(self) -> None:
        """Start moto's server on a free port and create every resource of the plan."""
        from moto.server import ThreadedMotoServer  # noqa: PLC0415 - Flask app, loaded on use

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # werkzeug, under moto's server, logs every request at INFO.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self._server.start()
        self.endpoint = f"http://127.0.0.1:{port}"
        self._create()

    def _create(self) -> None:
        self.delete()
        dynamodb = self._client("dynamodb")
        for table in self.stack.tables:
            dynamodb.create_table(**_create_table_request(table))
            if table.ttl_attribute:
                dynamodb.update_time_to_live(
                    TableName=table.name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
                )
        ssm = self._client("ssm")
        for name, parameter in self.stack.parameters.items():
            ssm.put_parameter(Name=name, Type=parameter["type"], Value=parameter["value"] or " ")
        secrets = self._client("secretsmanager")
        self.secret_arns = {}
        for name, value in self.stack.secrets.items():
            made = secrets.create_secret(Name=name, **({"SecretString": value} if value else {}))
            self.secret_arns[name] = made["ARN"]
        sqs = self._client("sqs")
        self.queue_urls = {
            name: sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            for name, attributes in self.stack.queues.items()
        }
        sns = self._client("sns")
        for name, attributes in self.stack.topics.items():
            sns.create_topic(Name=name, Attributes=attributes)

    def delete(self) -> None:
        """Remove what this stack creates: moto's state outlives a server in one process."""
        if not self.endpoint:
            return
        dynamodb = self._client("dynamodb")
        existing = set(dynamodb.list_tables()["TableNames"])
        for table in self.stack.tables:
            if table.name in existing:
                dynamodb.delete_table(TableName=table.name)
        ssm = self._client("ssm")
        for name in self.stack.parameters:
            with contextlib.suppress(ssm.exceptions.ParameterNotFound):
                ssm.delete_parameter(Name=name)
        secrets = self._client("secretsmanager")
        for name in self.stack.secrets:
            with contextlib.suppress(secrets.exceptions.ResourceNotFoundException):
                secrets.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
        sqs = self._client("sqs")
        for url in sqs.list_queues().get("QueueUrls", []):
            if url.rsplit("/", 1)[-1] in self.stack.queues:
                sqs.delete_queue(QueueUrl=url)
        sns = self._client("sns")
        for topic in sns.list_topics().get("Topics", []):
            if topic["TopicArn"].rsplit(":", 1)[-1] in self.stack.topics:
                sns.delete_topic(TopicArn=topic["TopicArn"])

    def stop(self) -> None:
        """Delete the resources and stop the server."""
        if self._server is not None:
            self.delete()
            self._server.stop()
            self._server = None
            self.endpoint = ""

    def environment(self) -> dict[str, str]:
        """Endpoints of the services this server answers for the functions' SDKs."""
        return {
            "AWS_ENDPOINT_URL_SQS": self.endpoint,
            "AWS_ENDPOINT_URL_SNS": self.endpoint,
        }

    def local(self, value: LocalRef | LocalTemplate) -> str | None:
        """The local value of a reference or a template of them; None if any part has none."""
        if isinstance(value, LocalRef):
            return self.value(value) if value.type else None
        parts = [p if isinstance(p, str) else self.local(p) for p in value.parts]
        return None if None in parts else "".join(str(p) for p in parts)

    def value(self, ref: LocalRef) -> str | None:
        """The local counterpart of an attribute the plan leaves unknown; None if it has none."""
        name, attribute, region = ref.name or "", ref.attribute, self.region
        local: dict[str, dict[str, str | None]] = {
            "aws_dynamodb_table": {
                "arn": f"arn:aws:dynamodb:{region}:{_ACCOUNT}:table/{name}",
                "id": name,
            },
            "aws_sqs_queue": {
                "url": (self.queue_urls or {}).get(name),
                "id": (self.queue_urls or {}).get(name),
                "arn": f"arn:aws:sqs:{region}:{_ACCOUNT}:{name}",
            },
            "aws_sns_topic": {
                "arn": f"arn:aws:sns:{region}:{_ACCOUNT}:{name}",
                "id": f"arn:aws:sns:{region}:{_ACCOUNT}:{name}",
            },
            "aws_ssm_parameter": {
                "arn": f"arn:aws:ssm:{region}:{_ACCOUNT}:parameter/{name.lstrip('/')}",
                "id": name,
            },
            "aws_apigatewayv2_api": {"id": self.api_id},
            "aws_secretsmanager_secret": {
                "arn": (self.secret_arns or {}).get(name),
                "id": (self.secret_arns or {}).get(name),
            },
        }
        return local.get(ref.type, {}).get(attribute)


def _describe(value: LocalRef | LocalTemplate) -> str:
    """How a value the gateway could not resolve is named in the error."""
    refs = (
        [value]
        if isinstance(value, LocalRef)
        else [p for p in value.parts if not isinstance(p, str)]
    )
    named = [f"{r.address}.{r.attribute}" for r in refs if r.type]
    return ", ".join(named) or "a value unknown at plan time"


def _create_table_request(table: Any) -> dict[str, Any]:
    """`CreateTable` arguments for one table of the plan (keys, indexes, on demand)."""

    def key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
        schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
        if range_key:
            schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
        return schema

    def projection(index: dict[str, Any]) -> dict[str, Any]:
        kind = index.get("projection_type") or "ALL"
        found: dict[str, Any] = {"ProjectionType": kind}
        if kind == "INCLUDE":
            found["NonKeyAttributes"] = sorted(index.get("non_key_attributes") or [])
        return found

    request: dict[str, Any] = {
        "TableName": table.name,
        "AttributeDefinitions": [
            {"AttributeName": n, "AttributeType": t} for n, t in sorted(table.attributes.items())
        ],
        "KeySchema": key_schema(table.hash_key, table.range_key),
        "BillingMode": "PAY_PER_REQUEST",
    }
    if table.global_indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index["name"],
                "KeySchema": key_schema(index["hash_key"], index.get("range_key")),
                "Projection": projection(index),
            }
            for index in table.global_indexes
        ]
    if table.local_indexes:
        request["LocalSecondaryIndexes"] = [
            {
                "IndexName": index["name"],
                "KeySchema": key_schema(table.hash_key, index["range_key"]),
                "Projection": projection(index),
            }
            for index in table.local_indexes
        ]
    return request


@dataclass
class TerraformRun:
    """One served stack: the gateway's settings and routes, and the moto resources beside it."""

    planned: PlannedStack
    stack: LocalStack
    api: StackApi
    settings: GatewaySettings
    routes: dict[str, Route]
    services: LocalServices

    def close(self) -> None:
        """Stop the moto resources (after the gateway has stopped)."""
        self.services.stop()


def _choose_api(stack: LocalStack, wanted: str | None) -> StackApi:
    apis = list(stack.apis.values())
    if wanted is not None:
        chosen = [a for a in apis if wanted in (a.name, a.address)]
        if not chosen:
            names = ", ".join(a.name for a in apis) or "none"
            raise StackError(f"no WebSocket API named {wanted!r} in the plan (it has: {names})")
        return chosen[0]
    if len(apis) > 1:
        names = ", ".join(a.name for a in apis)
        raise StackError(f"the plan has several WebSocket APIs ({names}); pick one with --api")
    return apis[0]


def _search_path(function: StackFunction) -> tuple[Path, ...]:
    """Lambda's import order: the function's code, then its layers, the last merged first."""
    if function.code_dir is None:
        return ()
    return (function.code_dir, *reversed(function.layer_dirs))


def _environment(
    function: StackFunction, services: LocalServices, problems: list[str]
) -> dict[str, str]:
    environment: dict[str, str] = {}
    for name, value in function.environment.items():
        if name in _GATEWAY_VARIABLES:
            continue  # the gateway's own value (its @connections endpoint) applies
        if isinstance(value, str):
            environment[name] = value
            continue
        local = services.local(value)
        if local is None:
            what = _describe(value)
            problems.append(
                f"{function.address}: environment variable {name} ({what}) has no local counterpart"
            )
            continue
        environment[name] = local
    return environment


def _route(key: str, function: StackFunction, **extra: Any) -> Route:
    return Route(
        key=key,
        handler=function.handler,
        memory_size=function.memory_size,
        timeout=function.timeout,
        reserved_concurrency=function.reserved_concurrency,
        **extra,
    )


def build_gateway(
    planned: PlannedStack, base: GatewaySettings, *, api_name: str | None = None
) -> TerraformRun:
    """Turn a plan into settings and routes, and create its resources in moto.

    Raises:
        StackError: The plan has no WebSocket API to serve, or something the served API
            needs cannot run locally (each reason on a line of its own).
    """
    stack = read_stack(
        planned.plan,
        state=planned.state,
        directory=planned.directory,
        archives=planned.archives,
        work_root=planned.work_root,
    )
    if not stack.apis:
        raise StackError("\n".join(stack.problems))
    api = _choose_api(stack, api_name)
    problems = [*stack.problems, *api.problems]
    region = stack.region or base.region
    services = LocalServices(stack=stack, region=region, api_id=base.api_id)
    services.start()
    try:
        routes: dict[str, Route] = {}
        code_dirs: set[tuple[Path, ...]] = set()
        for key, served in api.routes.items():
            function = served.function
            if function.code_dir is None:
                continue
            code_dirs.add(_search_path(function))
            routes[key] = replace(
                _route(
                    key,
                    function,
                    environment={
                        **services.environment(),
                        **_environment(function, services, problems),
                    },
                ),
                two_way_response=served.two_way_response,
                throttling_burst_limit=served.throttling_burst_limit,
                throttling_rate_limit=served.throttling_rate_limit,
                search_path=_search_path(function),
            )
        authorizer = _authorizer(api, services, problems)
        if problems:
            raise StackError("\n".join(problems))
        table_name = _connections_table(stack, routes) or base.table_name
        first = next(iter(sorted(code_dirs)), ())
        settings = replace(
            base,
            stage=api.stage or base.stage,
            route_selection_expression=api.route_selection_expression,
            region=region,
            table_name=table_name,
            source_dir=first[0] if first else base.source_dir,
            layer_dirs=tuple(reversed(first[1:])) if first else base.layer_dirs,
            throttling_burst_limit=api.throttling_burst_limit
            if api.throttling_burst_limit is not None
            else base.throttling_burst_limit,
            throttling_rate_limit=api.throttling_rate_limit
            if api.throttling_rate_limit is not None
            else base.throttling_rate_limit,
            **({"authorizer": authorizer} if authorizer is not None else {}),
        )
    except BaseException:
        services.stop()
        raise
    return TerraformRun(
        planned=planned, stack=stack, api=api, settings=settings, routes=routes, services=services
    )


def _authorizer(
    api: StackApi, services: LocalServices, problems: list[str]
) -> AuthorizerConfig | None:
    connect = api.routes.get("$connect")
    if connect is None or connect.authorizer is None:
        return None
    function = connect.authorizer.function
    return AuthorizerConfig(
        authorization_type="CUSTOM",
        handler=function.handler,
        identity_sources=connect.authorizer.identity_sources,
        environment=_environment(function, services, problems),
        memory_size=function.memory_size,
        timeout=function.timeout,
    )


def _connections_table(stack: LocalStack, routes: dict[str, Route]) -> str | None:
    """The table the functions keep connections in, when it has the module's key."""
    names = {r.environment.get(ENV_CONNECTIONS_TABLE) for r in routes.values()} - {None}
    for table in stack.tables:
        if table.name in names and table.hash_key == HASH_KEY and not table.range_key:
            return table.name
    return None


def _say(line: str) -> None:
    print(line, flush=True)


def load_terraform_stack(
    request: PlanRequest,
    base: GatewaySettings,
    *,
    api_name: str | None = None,
    log: Callable[[str], None] = _say,
) -> TerraformRun:
    """Plan (or take from the cache) the stack, and build what the gateway serves from it."""
    planned = plan_stack(request, log=log)
    for line in planned.providers:
        log(f"provider {line}")
    if planned.from_cache:
        log("plan: from the cache (nothing changed since the last plan)")
    run = build_gateway(planned, base, api_name=api_name)
    log(
        f"serving {run.api.name} ({run.api.address}): stage {run.settings.stage}, "
        f"routes {', '.join(sorted(run.routes))}"
    )
    stack = run.stack
    for what, names in (
        ("tables", [t.name for t in stack.tables]),
        ("SSM parameters", list(stack.parameters)),
        ("secrets", list(stack.secrets)),
        ("SQS queues", list(stack.queues)),
        ("SNS topics", list(stack.topics)),
    ):
        if names:
            log(f"{what} (moto): {', '.join(names)}")
    return run
