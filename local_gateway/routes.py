"""Routes: which handler serves which route key, and how a message picks its route.

The defaults come from `default_routes.json`, the file the Terraform module reads too,
so the gateway and the module cannot disagree on them. A `--routes` file has the shape
of the module's `routes` variable and is merged over the defaults the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_gateway.contract import DEFAULT_MEMORY_SIZE, DEFAULT_TIMEOUT
from local_gateway.paths import REPO_ROOT

__all__ = [
    "DEFAULT_ROUTES_FILE",
    "Route",
    "RouteError",
    "RouteTable",
    "load_routes",
]

DEFAULT_ROUTES_FILE = REPO_ROOT / "default_routes.json"

# Attributes of the Terraform `routes` object type; IAM-only ones mean nothing locally.
_ROUTE_ATTRIBUTES = {
    "handler",
    "memory_size",
    "timeout",
    "environment",
    "two_way_response",
    "dynamodb_actions",
    "manage_connections",
    "throttling_burst_limit",
    "throttling_rate_limit",
}
_HANDLER = re.compile(r"^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$")
_BODY_REFERENCE = re.compile(r"\$\{request\.body\.([^}]+)\}|^\$request\.body\.(.+)$")


class RouteError(ValueError):
    """A routes file or a route selection expression the gateway cannot use."""


@dataclass(frozen=True, kw_only=True)
class Route:
    """One route key and the Lambda settings of the function behind it.

    A route that sets no memory size or timeout gets the module's defaults
    (`lambda_memory_size`, `lambda_timeout`), as its function would on AWS.
    """

    key: str
    handler: str
    memory_size: int = DEFAULT_MEMORY_SIZE
    timeout: int = DEFAULT_TIMEOUT
    environment: Mapping[str, str] = field(default_factory=dict)
    two_way_response: bool = False
    # The route's own throttling (its `route_settings` on the stage); None: the stage's.
    throttling_burst_limit: int | None = None
    throttling_rate_limit: float | None = None
    # The function's own import path (its code, then its layers' python/ folders, the
    # last merged first), when it differs from the gateway's; empty: the gateway's.
    search_path: tuple[Path, ...] = ()
    # The function's own `reserved_concurrent_executions`; None: the gateway's setting.
    reserved_concurrency: int | None = None

    @classmethod
    def from_spec(cls, key: str, spec: Mapping[str, Any]) -> Route:
        """Build a route from one entry of a `routes` map, rejecting what Terraform would.

        Raises:
            RouteError: The entry has no valid handler string or an unknown attribute.
        """
        unknown = set(spec) - _ROUTE_ATTRIBUTES
        if unknown:
            raise RouteError(f"route {key!r}: unknown attributes {sorted(unknown)}")
        handler = spec.get("handler")
        if not isinstance(handler, str) or not _HANDLER.match(handler):
            raise RouteError(f"route {key!r}: handler must look like `package.module.function`")
        return cls(
            key=key,
            handler=handler,
            memory_size=spec.get("memory_size") or DEFAULT_MEMORY_SIZE,
            timeout=spec.get("timeout") or DEFAULT_TIMEOUT,
            environment={str(k): str(v) for k, v in (spec.get("environment") or {}).items()},
            two_way_response=bool(spec.get("two_way_response", False)),
            throttling_burst_limit=_optional_number(key, spec, "throttling_burst_limit"),
            throttling_rate_limit=_optional_number(key, spec, "throttling_rate_limit"),
        )


def _optional_number(key: str, spec: Mapping[str, Any], name: str) -> Any:
    """A route's optional throttling number, held to the module's validation of it.

    Raises:
        RouteError: The value is not a number in the range `variables.tf` allows.
    """
    value = spec.get(name)
    if value is None:
        return None
    whole = name == "throttling_burst_limit"
    valid = isinstance(value, int | float) and not isinstance(value, bool)
    if valid and whole:
        valid = value == int(value) and 1 <= value <= 5000
    elif valid:
        valid = 0 < value <= 10000
    if not valid:
        allowed = "a whole number from 1 to 5000" if whole else "greater than 0 and at most 10000"
        raise RouteError(f"route {key!r}: {name} must be null or {allowed}, got {value!r}")
    return int(value) if whole else float(value)


def _read_routes_file(path: Path) -> dict[str, Route]:
    """Parse a JSON routes map (route key -> route object)."""
    try:
        specs = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise RouteError(f"cannot read routes from {path}: {error}") from error
    if not isinstance(specs, dict):
        raise RouteError(f"{path}: expected a JSON object keyed by route key")
    return {key: Route.from_spec(key, spec) for key, spec in specs.items()}


def load_routes(routes_file: Path | None = None) -> dict[str, Route]:
    """Return the module's default routes with `routes_file` merged over them.

    Like the module's `routes` variable, a custom entry adds a route or replaces the
    default route with the same key.
    """
    routes = _read_routes_file(DEFAULT_ROUTES_FILE)
    if routes_file is not None:
        routes.update(_read_routes_file(routes_file))
    return routes


def _body_value(body: Any, path: str) -> str | None:
    """Follow a dotted `path` into a parsed JSON body and stringify what it finds.

    API Gateway stringifies the result of a route selection expression ("Create routes
    for WebSocket APIs", developer guide), so `{"action": 5}` selects the route `5` and
    `{"action": true}` the route `true`. How it spells null, arrays and objects is not
    documented; those fall back to `$default` here.
    """
    for name in path.split("."):
        if not isinstance(body, dict) or name not in body:
            return None
        body = body[name]
    if isinstance(body, str):
        return body
    if isinstance(body, bool | int | float):
        return json.dumps(body)
    return None


class RouteTable:
    """Picks the route for a message the way API Gateway does.

    The selection expression is evaluated against the message body (`$request.body.x`,
    or a template of `${request.body.x}` parts); a key that names a custom route selects
    it, anything else falls back to `$default`.
    """

    def __init__(self, *, routes: Mapping[str, Route], selection_expression: str) -> None:
        if "$request.body" not in selection_expression and "${request.body" not in (
            selection_expression
        ):
            raise RouteError(
                f"route selection expression {selection_expression!r} must use $request.body"
            )
        self._routes = dict(routes)
        self._expression = selection_expression

    def get(self, key: str) -> Route | None:
        """Return the route with exactly this key (`$connect`, `$disconnect`, ...)."""
        return self._routes.get(key)

    def values(self) -> list[Route]:
        """Every route, in the order they were given."""
        return list(self._routes.values())

    def select_key(self, body: str | None) -> str | None:
        """Evaluate the selection expression against a text body; None when it cannot be."""
        if body is None:
            return None
        try:
            parsed = json.loads(body)
        except ValueError:
            return None
        missing = False

        def substitute(match: re.Match[str]) -> str:
            nonlocal missing
            value = _body_value(parsed, match.group(1) or match.group(2))
            missing = missing or value is None
            return value or ""

        key = _BODY_REFERENCE.sub(substitute, self._expression)
        return None if missing else key

    def select(self, body: str | None) -> Route | None:
        """Return the route serving a message, or None when neither a match nor `$default`."""
        key = self.select_key(body)
        if key is not None and not key.startswith("$") and key in self._routes:
            return self._routes[key]
        return self._routes.get("$default")
