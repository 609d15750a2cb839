"""Provider schemas: read `terraform providers schema -json` files, serve them as tfplugin6.

The JSON form and the protocol's `Schema` message say the same things (attribute
names, cty types, nesting, required/optional/computed/sensitive/write-only), so
the conversion is one walk. Descriptions are left out: Terraform does not use
them to check a configuration and they are most of the message's size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_gateway.paths import cache_root, default_schemas_dir
from local_gateway.standin.cty import CtyType
from local_gateway.standin.protocol import pb

__all__ = [
    "ProviderSchema",
    "answer_bytes",
    "block_type",
    "load_provider_schema",
    "schema_file_names",
    "schemas_dir",
    "to_proto",
]


# Where each provider's schema file lives, and the file holding its `provider`
# block when the main file lacks one (the AWS files are per-resource dumps).
_SCHEMA_FILES = {
    ("aws", "6.47.0"): ("aws-6.47.0.json", "aws-provider-config.json"),
    ("aws", "5.100.0"): ("aws-5.100.0.json", "aws-provider-config.json"),
    ("archive", "2.8.0"): ("archive-2.8.0.json", None),
}

_BLOCK_NESTING = {
    "single": pb.Schema.NestedBlock.SINGLE,
    "list": pb.Schema.NestedBlock.LIST,
    "set": pb.Schema.NestedBlock.SET,
    "map": pb.Schema.NestedBlock.MAP,
    "group": pb.Schema.NestedBlock.GROUP,
}
_OBJECT_NESTING = {
    "single": pb.Schema.Object.SINGLE,
    "list": pb.Schema.Object.LIST,
    "set": pb.Schema.Object.SET,
    "map": pb.Schema.Object.MAP,
}
_ATTRIBUTE_FLAGS = ("required", "optional", "computed", "sensitive", "deprecated", "write_only")


def schemas_dir() -> Path:
    """The folder of schema files: `$PROVIDER_SCHEMAS_DIR`, else `../shared/provider-schemas`
    beside a checkout (`local_gateway.paths.default_schemas_dir`).

    Raises:
        FileNotFoundError: an installed package was given no folder.
    """
    folder = default_schemas_dir()
    if folder is None:
        raise FileNotFoundError("no provider schema folder: set PROVIDER_SCHEMAS_DIR")
    return folder


def schema_file_names(type_name: str, version: str) -> tuple[str, str | None]:
    """The schema file of a provider version, and the file of its `provider` block.

    Known versions have the files in `_SCHEMA_FILES`; any other is looked for as
    `<type>-<version>.json` (a whole `terraform providers schema -json` output, or one
    provider's part of it), with `<type>-provider-config.json` for a missing
    `provider` block.
    """
    return _SCHEMA_FILES.get(
        (type_name, version), (f"{type_name}-{version}.json", f"{type_name}-provider-config.json")
    )


@dataclass(frozen=True)
class ProviderSchema:
    """One provider's schemas in their JSON form (each a `{"version", "block"}` dict).

    `digest` names the files they were read from (a SHA-256 of their bytes), so what is
    derived from them can be kept between starts (`answer_bytes`).
    """

    provider: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    data_sources: dict[str, dict[str, Any]]
    ephemeral_resources: dict[str, dict[str, Any]]
    digest: str = ""


def load_provider_schema(
    type_name: str, version: str, folder: Path | None = None
) -> ProviderSchema:
    """Load the schema of provider `type_name` at `version` from the schema folder.

    Raises:
        KeyError: no schema file is known for that provider version.
        FileNotFoundError: the schema folder lacks the file.
    """
    folder = folder or schemas_dir()
    main_file, provider_file = schema_file_names(type_name, version)
    text = (folder / main_file).read_bytes()
    digest = hashlib.sha256(text)
    schemas = json.loads(text)["provider_schemas"][f"registry.terraform.io/hashicorp/{type_name}"]
    if "provider" in schemas:
        provider = schemas["provider"]
    elif provider_file and (folder / provider_file).is_file():
        provider_text = (folder / provider_file).read_bytes()
        digest.update(provider_text)
        provider = json.loads(provider_text)
    else:
        provider = {"version": 0, "block": {}}
    return ProviderSchema(
        provider=provider,
        resources=schemas.get("resource_schemas", {}),
        data_sources=schemas.get("data_source_schemas", {}),
        ephemeral_resources=schemas.get("ephemeral_resource_schemas", {}),
        digest=digest.hexdigest(),
    )


def _wrap(nesting: str, element: CtyType) -> CtyType:
    if nesting in ("single", "group"):
        return element
    return [nesting, element]


def attribute_type(attribute: dict[str, Any]) -> CtyType:
    """The cty type of one attribute, whether typed directly or through `nested_type`."""
    if "type" in attribute:
        return attribute["type"]
    nested = attribute["nested_type"]
    element = ["object", {n: attribute_type(a) for n, a in nested["attributes"].items()}]
    return _wrap(nested["nesting_mode"], element)


def block_type(block: dict[str, Any]) -> CtyType:
    """The implied cty type of a block: the type Terraform encodes its values with."""
    members = {name: attribute_type(a) for name, a in block.get("attributes", {}).items()}
    for name, nested in block.get("block_types", {}).items():
        members[name] = _wrap(nested["nesting_mode"], block_type(nested["block"]))
    return ["object", members]


def _attribute_proto(name: str, attribute: dict[str, Any]) -> pb.Schema.Attribute:
    message = pb.Schema.Attribute(
        name=name, **{flag: True for flag in _ATTRIBUTE_FLAGS if attribute.get(flag)}
    )
    if "type" in attribute:
        message.type = json.dumps(attribute["type"], separators=(",", ":")).encode()
    else:
        nested = attribute["nested_type"]
        message.nested_type.CopyFrom(
            pb.Schema.Object(
                attributes=[_attribute_proto(n, a) for n, a in nested["attributes"].items()],
                nesting=_OBJECT_NESTING[nested["nesting_mode"]],
            )
        )
    return message


def _block_proto(block: dict[str, Any]) -> pb.Schema.Block:
    return pb.Schema.Block(
        attributes=[_attribute_proto(n, a) for n, a in block.get("attributes", {}).items()],
        block_types=[
            pb.Schema.NestedBlock(
                type_name=name,
                block=_block_proto(nested["block"]),
                nesting=_BLOCK_NESTING[nested["nesting_mode"]],
                min_items=nested.get("min_items", 0),
                max_items=nested.get("max_items", 0),
            )
            for name, nested in block.get("block_types", {}).items()
        ],
        deprecated=bool(block.get("deprecated")),
    )


def _schema_proto(schema: dict[str, Any]) -> pb.Schema:
    return pb.Schema(version=schema.get("version", 0), block=_block_proto(schema["block"]))


def answer_bytes(schema: ProviderSchema, cache_dir: Path | None = None) -> bytes:
    """`to_proto(schema)`, serialized, kept in `cache_dir` between the stand-in's starts.

    Building it takes about 0.2 s of CPU for the AWS provider, once per Terraform command
    (see `to_proto`). It depends only on the schema files and this module, so it is kept
    under a name made of both digests, written to a temporary file and renamed, as
    several stand-ins may start at once. A schema without a digest is not kept.
    """
    if not schema.digest:
        return to_proto(schema).SerializeToString()
    folder = cache_dir or cache_root() / "standin-schemas"
    code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    kept = folder / f"{schema.digest[:24]}-{code[:12]}.pb"
    with contextlib.suppress(FileNotFoundError):
        return kept.read_bytes()
    answer = to_proto(schema).SerializeToString()
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as partial:
        partial.write(answer)
    os.replace(partial.name, kept)
    return answer


def to_proto(schema: ProviderSchema) -> pb.GetProviderSchema.Response:
    """The whole GetProviderSchema answer for `schema`."""
    return pb.GetProviderSchema.Response(
        provider=_schema_proto(schema.provider),
        resource_schemas={n: _schema_proto(s) for n, s in schema.resources.items()},
        data_source_schemas={n: _schema_proto(s) for n, s in schema.data_sources.items()},
        ephemeral_resource_schemas={
            n: _schema_proto(s) for n, s in schema.ephemeral_resources.items()
        },
        # As the real providers declare (terraform-plugin-sdk 2.29, framework 1.4):
        # Terraform asks the first instance of a command for the schema, then caches it.
        server_capabilities=pb.ServerCapabilities(
            plan_destroy=True, get_provider_schema_optional=True
        ),
    )
