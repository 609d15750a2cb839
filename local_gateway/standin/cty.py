"""cty values on the wire: Terraform's msgpack encoding, and JSON state.

Terraform sends and expects every value encoded with the cty msgpack rules of
the schema's implied type, so the codec here is type-directed: objects carry
all their attributes, unknown values are msgpack extension values, and a
DynamicPseudoType value travels with its own type as a two-element array.
Types are kept in cty's JSON form (`"string"`, `["list", "string"]`,
`["object", {...}]`), which is also how the schema files spell them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgpack

__all__ = [
    "UNKNOWN",
    "CtyType",
    "Dynamic",
    "decode",
    "encode",
    "from_json",
    "is_known",
]

CtyType = str | list[Any]

# cty writes a wholly unknown value as fixext1 of type 0 and a refined unknown
# (one that carries a prefix, a range or non-nullness) as extension type 12.
_UNKNOWN_EXT = 0
_REFINED_UNKNOWN_EXT = 12


class _Unknown:
    """The single value that stands for "known only after apply"."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Dynamic:
    """A value of an attribute typed `dynamic`: it has to carry its concrete type."""

    type: CtyType
    value: Any


def is_known(value: Any) -> bool:
    """Tell whether `value` is known (null counts as known)."""
    return value is not UNKNOWN


def _kind(ty: CtyType) -> str:
    return ty if isinstance(ty, str) else ty[0]


def _rebuild(value: Any, ty: CtyType, step: Callable[[Any, CtyType], Any]) -> Any:
    """Rebuild the containers of `value` (of type `ty`), passing each element through `step`.

    Every codec below is this walk with its own `step` for what differs: unknown
    and dynamic values, which sit at any depth.
    """
    kind = _kind(ty)
    if value is None or value is UNKNOWN or kind in ("string", "number", "bool"):
        return value
    if kind in ("list", "set"):
        return [step(item, ty[1]) for item in value]
    if kind == "map":
        return {key: step(item, ty[1]) for key, item in value.items()}
    if kind == "object":
        return {name: step(value.get(name), attr_ty) for name, attr_ty in ty[1].items()}
    return [step(item, item_ty) for item, item_ty in zip(value, ty[1], strict=True)]


def decode(data: bytes, ty: CtyType) -> Any:
    """Decode msgpack `data` holding a value of type `ty` into plain Python values."""
    return _from_wire(msgpack.unpackb(data, raw=False, strict_map_key=False), ty)


def _from_wire(raw: Any, ty: CtyType) -> Any:
    if isinstance(raw, msgpack.ExtType):
        if raw.code in (_UNKNOWN_EXT, _REFINED_UNKNOWN_EXT):
            return UNKNOWN
        raise ValueError(f"unexpected msgpack extension type {raw.code}")
    if raw is not None and _kind(ty) == "dynamic":
        type_json, value = raw
        actual = json.loads(type_json)
        return Dynamic(actual, _from_wire(value, actual))
    return _rebuild(raw, ty, _from_wire)


def encode(value: Any, ty: CtyType) -> bytes:
    """Encode a plain Python value of type `ty` the way cty's msgpack encoder does."""
    return msgpack.packb(_to_wire(value, ty), use_bin_type=True)


def _to_wire(value: Any, ty: CtyType) -> Any:
    if value is UNKNOWN:
        return msgpack.ExtType(_UNKNOWN_EXT, b"\x00")
    if value is not None and _kind(ty) == "dynamic":
        if not isinstance(value, Dynamic):
            raise TypeError(f"a dynamic value needs its type, got {value!r}")
        type_json = json.dumps(value.type, separators=(",", ":")).encode()
        return [type_json, _to_wire(value.value, value.type)]
    return _rebuild(value, ty, _to_wire)


def from_json(value: Any, ty: CtyType) -> Any:
    """Read a value of type `ty` from Terraform's JSON state form.

    Attributes missing from an object are null, as after a schema change that
    added them; a dynamic value is the `{"value": ..., "type": ...}` pair cty writes.
    """
    if value is not None and _kind(ty) == "dynamic":
        return Dynamic(value["type"], from_json(value["value"], value["type"]))
    return _rebuild(value, ty, from_json)
