"""`$connect` authorization as API Gateway runs it: a Lambda REQUEST authorizer or AWS_IAM.

A WebSocket API authorizes only its `$connect` route, once per connection; what the
authorizer decided travels with every later event of that connection. The rules, from
the API Gateway developer guide unless said otherwise:

- Identity sources ("Control access to WebSocket APIs with AWS Lambda REQUEST
  authorizers"; API Gateway V2 API reference, `CreateAuthorizer`, `IdentitySource`):
  `route.request.header.<name>`, `route.request.querystring.<name>`, `context.<name>`
  (and `stageVariables.<name>`, which the local gateway has none of). When one is
  missing, null or empty, API Gateway answers 401 without invoking the function.
- The function gets a REQUEST event: `type`, `methodArn`
  (`arn:aws:execute-api:<region>:<account>:<api id>/<stage>/$connect`), the handshake's
  `headers`, `multiValueHeaders`, query string parameters, `stageVariables` and the
  `$connect` request context (routeKey `$connect`, eventType `CONNECT`).
- Its output ("Output from an API Gateway Lambda authorizer") must hold `principalId`
  and a `policyDocument`; a `context` map may add string, number or boolean values.
  WebSocket authorizers must return a policy (the simple `isAuthorized` answer is an
  HTTP API feature) and are never cached (`authorizerResultTtlInSeconds` is refused for
  WEBSOCKET APIs), so the function runs on every connect.
- The policy is evaluated as IAM evaluates one ("Policy evaluation logic", IAM user
  guide): an explicit Deny on `execute-api:Invoke` for the method ARN wins, else an Allow
  is needed; without one the client gets 403. Resource ARNs take `*` and `?` within a
  colon-separated segment, and a `*` ending a segment reaches past the colons ("IAM JSON
  policy elements: Resource").
- An invocation failing with the message `Unauthorized` is a 401 ("Use API Gateway
  Lambda authorizers", whose example calls `callback("Unauthorized")` for 401); any
  other failure, or an output without `principalId` or a policy, is a 500 there
  (`callback("Error: Invalid token")` returns 500; users see the same for a malformed
  answer: serverless/examples#557). "If authorization fails on `$connect`, the
  connection will not be established, and the client will receive a 401 or 403"
  ("Managing connected users and client apps: $connect and $disconnect routes").
- Allowed, `$connect` and every later event of the connection carry
  `requestContext.authorizer`: `principalId`, `integrationLatency` (the authorizer's
  milliseconds) and the context map's keys beside them, each value as a string, as
  `$context.authorizer.<key>` returns them ("value", "1", "true"). Events recorded from
  AWS show that flat shape on MESSAGE events too (and serverless-offline#1379 fixed the
  emulator to match it).
- AWS_IAM ("Control access to WebSocket APIs with IAM authorization"): the handshake
  must be signed with SigV4, in an `Authorization` header or a presigned query; an
  unsigned or badly signed one gets 403, a signed one carries the caller in
  `requestContext.identity` (`accessKey`, `accountId`, `caller`, `user`, `userArn`). The
  signature is checked by `local_gateway.sigv4`; there is no IAM here to check the
  caller's own policy, so any signer the signature check accepts may connect.
"""

from __future__ import annotations

import copy
import enum
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from local_gateway.contract import DEFAULT_MEMORY_SIZE, DEFAULT_TIMEOUT
from local_gateway.core import ConnectRejectedError, ConnectRequest, HandlerError, Invoker
from local_gateway.routes import Route
from local_gateway.sigv4 import LOCAL_ACCOUNT_ID, SignatureRejected, check_signature

__all__ = [
    "AUTHORIZER_ROUTE_KEY",
    "AuthorizationType",
    "AuthorizerConfig",
    "AuthorizerConfigError",
    "AuthorizerGrant",
    "ConnectAuthorizer",
    "IdentitySource",
    "InvalidAuthorizerOutput",
    "method_arn",
    "parse_assignments",
    "policy_allows",
]

# The authorizer runs as a function of its own; `$` keys are API Gateway's, so no
# user route can take this one.
AUTHORIZER_ROUTE_KEY = "$authorizer"
_INVOKE_ACTION = "execute-api:Invoke"
_IDENTITY_SOURCE = re.compile(
    r"^(?P<kind>route\.request\.header|route\.request\.querystring|context|stageVariables)"
    r"\.(?P<name>[A-Za-z0-9._-]+)$"
)
_HANDLER = re.compile(r"^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$")
_ENV_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Lambda's own variables, which a function's configuration may not set ("Defined runtime
# environment variables", Lambda developer guide).
_RESERVED_ENV = re.compile(r"^(AWS_|LAMBDA_|_HANDLER$|_X_AMZN_TRACE_ID$|TZ$)")
_ERROR_MESSAGE = re.compile(r"^[A-Za-z_][\w.]*: (?P<message>.*)$", re.DOTALL)

_log = logging.getLogger("local_gateway")


class AuthorizerConfigError(ValueError):
    """An authorizer configuration API Gateway (or the module) would refuse."""


class InvalidAuthorizerOutput(Exception):  # noqa: N818 - it is a verdict, not a crash
    """The authorizer's answer is not an authorizer output: API Gateway answers 500."""


class AuthorizationType(enum.StrEnum):
    """The `$connect` route's `authorization_type`, as API Gateway spells it."""

    NONE = "NONE"
    CUSTOM = "CUSTOM"
    AWS_IAM = "AWS_IAM"


@dataclass(frozen=True)
class IdentitySource:
    """One identity source, split into where it looks and the name it looks for."""

    kind: str
    name: str

    @classmethod
    def parse(cls, text: str) -> IdentitySource:
        """Read `route.request.header.Auth` and the like.

        Raises:
            AuthorizerConfigError: Not an identity source a WebSocket API accepts, or a
                stage variable, which the local gateway has none of.
        """
        match = _IDENTITY_SOURCE.match(text)
        if match is None:
            raise AuthorizerConfigError(
                f"identity source {text!r} must be `route.request.header.<name>`, "
                "`route.request.querystring.<name>` or `context.<name>`"
            )
        if match["kind"] == "stageVariables":
            raise AuthorizerConfigError(
                f"identity source {text!r}: the local gateway has no stage variables; use a "
                "header or query string parameter"
            )
        return cls(kind=match["kind"], name=match["name"])

    def value_in(self, event: Mapping[str, Any]) -> str | None:
        """The source's value in a REQUEST event; None when missing, null or empty.

        Header names are matched without regard to case, as HTTP defines them; query
        string names exactly. A `context.` source follows its dotted name into the
        request context (`context.identity.sourceIp`).
        """
        if self.kind == "route.request.header":
            wanted = self.name.lower()
            values = [
                value
                for name, listed in (event.get("multiValueHeaders") or {}).items()
                if name.lower() == wanted
                for value in listed
            ]
        elif self.kind == "route.request.querystring":
            values = list((event.get("multiValueQueryStringParameters") or {}).get(self.name, []))
        else:
            found: Any = event.get("requestContext") or {}
            for part in self.name.split("."):
                found = found.get(part) if isinstance(found, Mapping) else None
            values = [] if found is None or isinstance(found, Mapping) else [str(found)]
        present = [value for value in values if value]
        return present[-1] if present else None


def parse_assignments(pairs: Iterable[str], *, what: str) -> dict[str, str]:
    """Turn `NAME=VALUE` strings (repeatable command-line options) into a dict.

    Raises:
        AuthorizerConfigError: An item has no `=` or an empty name; `what` names the
            option in the message.
    """
    result: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise AuthorizerConfigError(f"{what} {pair!r} must look like NAME=VALUE")
        result[name] = value
    return result


@dataclass(frozen=True, kw_only=True)
class AuthorizerConfig:
    """How `$connect` is authorized: the module's authorization inputs, for one stage.

    Attributes:
        authorization_type: `NONE` (anyone connects), `CUSTOM` (a Lambda REQUEST
            authorizer) or `AWS_IAM` (SigV4-signed handshakes).
        handler: For CUSTOM, the authorizer's handler string in the packaged code
            (`websocket_handlers.authorizer.handler`), run in a worker process of its
            own like a route's function.
        identity_sources: For CUSTOM, where the caller's identity is; each must be
            present and non-empty or the client gets 401 without an invocation.
        environment: For CUSTOM, the authorizer function's own environment variables.
        memory_size: The authorizer function's memory size (MB), reported in its context.
        timeout: The authorizer function's timeout (seconds).
    """

    authorization_type: AuthorizationType | str = AuthorizationType.NONE
    handler: str | None = None
    identity_sources: Sequence[str] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    memory_size: int = DEFAULT_MEMORY_SIZE
    timeout: int = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        try:
            kind = AuthorizationType(str(self.authorization_type).upper())
        except ValueError:
            allowed = ", ".join(member.value for member in AuthorizationType)
            raise AuthorizerConfigError(
                f"authorization type {self.authorization_type!r} must be one of {allowed}"
            ) from None
        object.__setattr__(self, "authorization_type", kind)
        object.__setattr__(self, "identity_sources", tuple(self.identity_sources))
        object.__setattr__(self, "environment", dict(self.environment))
        if kind is AuthorizationType.CUSTOM:
            self._check_custom()
        elif self.handler or self.identity_sources or self.environment:
            raise AuthorizerConfigError(
                f"a handler, identity sources and an environment are for CUSTOM "
                f"authorization only, not {kind.value}"
            )

    def _check_custom(self) -> None:
        if not self.handler or not _HANDLER.match(self.handler):
            raise AuthorizerConfigError(
                "CUSTOM authorization needs the authorizer's handler, like "
                "`package.module.function`"
            )
        if not self.identity_sources:
            raise AuthorizerConfigError(
                "CUSTOM authorization needs at least one identity source, for example "
                "`route.request.querystring.token` (browsers cannot set headers on a "
                "WebSocket handshake)"
            )
        for source in self.identity_sources:
            IdentitySource.parse(source)
        for name in self.environment:
            if not _ENV_NAME.match(name):
                raise AuthorizerConfigError(
                    f"authorizer environment variable {name!r} must start with a letter "
                    "and hold only letters, digits and underscores"
                )
            if _RESERVED_ENV.match(name):
                raise AuthorizerConfigError(
                    f"authorizer environment variable {name!r} is reserved by Lambda"
                )
        if not 1 <= self.timeout <= 900:
            raise AuthorizerConfigError(f"authorizer timeout {self.timeout} is not 1-900 s")
        if not 128 <= self.memory_size <= 10240:
            raise AuthorizerConfigError(
                f"authorizer memory size {self.memory_size} is not 128-10240 MB"
            )

    @property
    def enabled(self) -> bool:
        """Whether `$connect` is authorized at all."""
        return self.authorization_type is not AuthorizationType.NONE

    def route(self) -> Route:
        """The authorizer as a function the invoker runs (CUSTOM only)."""
        assert self.handler is not None
        return Route(
            key=AUTHORIZER_ROUTE_KEY,
            handler=self.handler,
            memory_size=self.memory_size,
            timeout=self.timeout,
            environment=dict(self.environment),
        )


@dataclass(frozen=True)
class AuthorizerGrant:
    """What an accepted `$connect` carries into every event of its connection.

    Attributes:
        authorizer: `requestContext.authorizer`, or None when there is none (AWS_IAM).
        identity: Fields added to `requestContext.identity` (the IAM caller's).
    """

    authorizer: dict[str, Any] | None = None
    identity: dict[str, str] = field(default_factory=dict)


def _partition(region: str) -> str:
    """The ARN partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def method_arn(*, region: str, account_id: str, api_id: str, stage: str) -> str:
    """The `$connect` method ARN an authorizer is asked about and its policy must allow."""
    return f"arn:{_partition(region)}:execute-api:{region}:{account_id}:{api_id}/{stage}/$connect"


def _as_list(value: Any, *, what: str) -> list[str]:
    """A policy element that may be one string or a list of them."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
        raise InvalidAuthorizerOutput(f"{what} must be a string or a list of strings")
    return items


def _action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: case-insensitive, `*` and `?` wildcards."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, action, re.IGNORECASE) is not None


def _resource_matches(pattern: str, arn: str) -> bool:
    """IAM resource matching: case-sensitive; wildcards stay inside a colon-separated
    segment, except a `*` that ends its segment, which may reach past the colons."""
    if pattern == "*":
        return True
    parts = []
    for segment in pattern.split(":"):
        pieces = []
        for index, char in enumerate(segment):
            if char == "*":
                pieces.append(".*" if index == len(segment) - 1 else "[^:]*")
            elif char == "?":
                pieces.append("[^:]")
            else:
                pieces.append(re.escape(char))
        parts.append("".join(pieces))
    return re.fullmatch(":".join(parts), arn) is not None


def _statement_applies(statement: Mapping[str, Any], *, action: str, resource: str) -> bool:
    if ("Action" in statement) == ("NotAction" in statement):
        raise InvalidAuthorizerOutput("a statement needs exactly one of Action and NotAction")
    if ("Resource" in statement) == ("NotResource" in statement):
        raise InvalidAuthorizerOutput("a statement needs exactly one of Resource and NotResource")
    if "Action" in statement:
        acts = any(_action_matches(p, action) for p in _as_list(statement["Action"], what="Action"))
    else:
        listed = _as_list(statement["NotAction"], what="NotAction")
        acts = not any(_action_matches(p, action) for p in listed)
    if "Resource" in statement:
        listed = _as_list(statement["Resource"], what="Resource")
        covers = any(_resource_matches(p, resource) for p in listed)
    else:
        listed = _as_list(statement["NotResource"], what="NotResource")
        covers = not any(_resource_matches(p, resource) for p in listed)
    if acts and covers and "Condition" in statement:
        # Condition keys need IAM's request context, which the gateway does not have;
        # a statement it cannot evaluate is taken not to apply.
        _log.warning("authorizer policy: a statement with a Condition is not evaluated locally")
        return False
    return acts and covers


def policy_allows(policy: Any, *, action: str, resource: str) -> bool:
    """Whether an IAM policy document allows `action` on `resource`: explicit Deny wins.

    Raises:
        InvalidAuthorizerOutput: The document is not a policy.
    """
    if not isinstance(policy, Mapping):
        raise InvalidAuthorizerOutput("policyDocument must be an object")
    statements = policy.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise InvalidAuthorizerOutput("policyDocument needs a Statement")
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise InvalidAuthorizerOutput("each Statement must be an object")
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise InvalidAuthorizerOutput(f"Effect must be Allow or Deny, not {effect!r}")
        if _statement_applies(statement, action=action, resource=resource):
            if effect == "Deny":
                return False
            allowed = True
    return allowed


def _context_value(key: str, value: Any) -> str:
    """A context map value as API Gateway hands it on: a string ("value", "1", "true")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return value
    raise InvalidAuthorizerOutput(
        f"context value {key!r} must be a string, number or boolean, not {type(value).__name__}"
    )


def _lambda_error_message(error: HandlerError) -> str:
    """The `errorMessage` Lambda reports for a failed invocation.

    The worker reports `<ExceptionType>: <message>`; Lambda's `errorMessage` is the
    message alone, which is what API Gateway compares with `Unauthorized`.
    """
    text = getattr(error, "error_message", None) or str(error)
    match = _ERROR_MESSAGE.match(text)
    return match["message"] if match else text


class ConnectAuthorizer:
    """Decides, before `$connect` runs, whether a handshake may become a connection.

    Args:
        config: The authorization type and, for CUSTOM, the function and identity sources.
        invoker: Runs the authorizer function (CUSTOM), as it runs route handlers.
        region: The API's region, in the method ARN and the SigV4 scope.
        api_id: The API id, in the method ARN.
        stage: The stage name, in the method ARN.
        credentials: For AWS_IAM, access key id to secret for the keys whose signatures
            are verified in full (see `local_gateway.sigv4`).
        account_id: The account in the method ARN.
        clock: Monotonic seconds, for `integrationLatency`; injectable for tests.
    """

    def __init__(
        self,
        *,
        config: AuthorizerConfig,
        invoker: Invoker,
        region: str,
        api_id: str,
        stage: str,
        credentials: Mapping[str, str] | None = None,
        account_id: str = LOCAL_ACCOUNT_ID,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._invoker = invoker
        self._region = region
        self._credentials = dict(credentials or {})
        self._clock = clock
        self._sources = [IdentitySource.parse(source) for source in config.identity_sources]
        self._route = config.route() if config.authorization_type == "CUSTOM" else None
        self.method_arn = method_arn(
            region=region, account_id=account_id, api_id=api_id, stage=stage
        )

    async def authorize(self, event: Mapping[str, Any], request: ConnectRequest) -> AuthorizerGrant:
        """Authorize a handshake whose `$connect` event is `event`.

        Raises:
            ConnectRejectedError: 401, 403 or 500, as API Gateway would answer.
        """
        if self.config.authorization_type == "AWS_IAM":
            return self._check_iam(request)
        if self.config.authorization_type == "CUSTOM":
            return await self._run_custom(event)
        return AuthorizerGrant()

    def _check_iam(self, request: ConnectRequest) -> AuthorizerGrant:
        path, marker, raw_query = request.path.partition("?")
        try:
            caller = check_signature(
                "GET",
                path,
                raw_query if marker else request.query,
                request.headers,
                b"",
                service="execute-api",
                region=self._region,
                credentials=self._credentials,
            )
        except SignatureRejected as rejected:
            _log.info("$connect refused (AWS_IAM): %s: %s", rejected.error_type, rejected.message)
            raise ConnectRejectedError(403) from rejected
        return AuthorizerGrant(identity=caller.identity())

    def request_event(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """The REQUEST authorizer event for a handshake whose `$connect` event is `event`."""
        request: dict[str, Any] = {
            "type": "REQUEST",
            "methodArn": self.method_arn,
            "headers": copy.deepcopy(event.get("headers", {})),
            "multiValueHeaders": copy.deepcopy(event.get("multiValueHeaders", {})),
        }
        for name in ("queryStringParameters", "multiValueQueryStringParameters"):
            if name in event:
                request[name] = copy.deepcopy(event[name])
        request["stageVariables"] = {}
        request["requestContext"] = copy.deepcopy(event["requestContext"])
        return request

    async def _run_custom(self, event: Mapping[str, Any]) -> AuthorizerGrant:
        assert self._route is not None
        request = self.request_event(event)
        missing = [source for source in self._sources if source.value_in(request) is None]
        if missing:
            names = ", ".join(f"{source.kind}.{source.name}" for source in missing)
            _log.info("$connect refused: identity source missing or empty: %s", names)
            raise ConnectRejectedError(401)
        started = self._clock()
        try:
            output = await self._invoker.invoke(self._route, request)
        except HandlerError as error:
            if _lambda_error_message(error) == "Unauthorized":
                _log.info("$connect refused: the authorizer answered Unauthorized")
                raise ConnectRejectedError(401) from error
            _log.warning("$connect failed: the authorizer failed: %s", error)
            raise ConnectRejectedError(500) from error
        latency = int((self._clock() - started) * 1000)
        try:
            return self._grant(output, latency)
        except InvalidAuthorizerOutput as invalid:
            _log.warning("$connect failed: invalid authorizer output: %s", invalid)
            raise ConnectRejectedError(500) from invalid

    def _grant(self, output: Any, latency: int) -> AuthorizerGrant:
        """Judge the authorizer's output: a grant, a 403, or invalid output."""
        if not isinstance(output, Mapping):
            raise InvalidAuthorizerOutput("the output must be an object")
        principal = output.get("principalId")
        if not isinstance(principal, str | int | float) or isinstance(principal, bool):
            raise InvalidAuthorizerOutput("principalId is missing")
        if "policyDocument" not in output:
            raise InvalidAuthorizerOutput(
                "policyDocument is missing (WebSocket authorizers must return a policy)"
            )
        context = output.get("context") or {}
        if not isinstance(context, Mapping):
            raise InvalidAuthorizerOutput("context must be an object")
        values = {str(key): _context_value(str(key), value) for key, value in context.items()}
        allowed = policy_allows(
            output["policyDocument"], action=_INVOKE_ACTION, resource=self.method_arn
        )
        if not allowed:
            _log.info("$connect refused: the policy does not allow %s", self.method_arn)
            raise ConnectRejectedError(403)
        return AuthorizerGrant(
            authorizer={**values, "principalId": str(principal), "integrationLatency": latency}
        )
