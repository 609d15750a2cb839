"""API Gateway authorizers and route authorization on WebSocket APIs.

What CreateAuthorizer and CreateRoute/UpdateRoute refuse for a WebSocket API,
which a schema cannot say (the attributes exist for HTTP APIs too):

- Authorization only on `$connect`: any other route of a WebSocket API with an
  authorization type other than `NONE` is refused ("Currently, authorization is
  restricted to the $connect route only"). An authorizer id alone on another
  route is accepted and ignored (hashicorp/terraform-provider-aws#40833), so it
  is not refused here: the module's own validation catches that.
- A WebSocket API's authorizer is a Lambda `REQUEST` authorizer: no `JWT`, no
  result caching (`authorizer_result_ttl_in_seconds`), no simple responses and
  no payload format version, which are HTTP APIs' only; identity sources take
  the WebSocket forms (`route.request.header.X`, `route.request.querystring.X`,
  `stageVariables.X`, `context.X`), not HTTP APIs' `$request.` ones.
- A `CUSTOM` route names an authorizer of its own API.

The API's protocol is read from the account, where the API was created first
(the authorizer and route reference its id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from local_gateway.standin.account import AccountState
from local_gateway.standin.rules import Change, Violation, apply_rule, force_new

__all__ = ["route_authorization_on_connect_only", "websocket_authorizer_settings"]

# hashicorp/terraform-provider-aws, internal/service/apigatewayv2/authorizer.go
# and route.go: `ForceNew: true` on these.
force_new("aws_apigatewayv2_authorizer", "api_id")
force_new("aws_apigatewayv2_route", "api_id")

_AUTHORIZER_SOURCE = (
    "API Gateway API reference (v2), Authorizer / CreateAuthorizer: authorizerType "
    "(JWT supported only for HTTP APIs), authorizerResultTtlInSeconds, "
    "enableSimpleResponses and authorizerPayloadFormatVersion (supported only for HTTP "
    "API Lambda authorizers), identitySource (route.request.header.Auth, "
    "route.request.querystring.Name for WebSocket APIs; $request. for HTTP APIs); API "
    "Gateway developer guide, 'Control access to WebSocket APIs with AWS Lambda REQUEST "
    "authorizers'"
)
_ROUTE_SOURCE = (
    "API Gateway developer guide, 'Control access to WebSocket APIs with AWS Lambda "
    "REQUEST authorizers' (a Lambda authorizer is for the $connect route only) and 'IAM "
    "authorization' for WebSocket APIs ($connect); the refusal as reported with "
    "hashicorp/terraform-provider-aws#40833"
)

_WEBSOCKET_IDENTITY_SOURCE = re.compile(
    r"route\.request\.(header|querystring)\.[A-Za-z0-9._-]+"
    r"|stageVariables\.[A-Za-z0-9._-]+|context\.[A-Za-z0-9._-]+"
)


def _api(account: AccountState, api_id: Any) -> dict[str, Any] | None:
    """The state of API `api_id` in the account, if it exists."""
    record = account.of_type("aws_apigatewayv2_api").get(str(api_id))
    if record is not None:
        return record["state"]
    apis = account.of_type("aws_apigatewayv2_api").values()
    return next((r["state"] for r in apis if r["state"].get("id") == api_id), None)


def _is_websocket(account: AccountState, api_id: Any) -> bool:
    api = _api(account, api_id)
    return api is not None and api.get("protocol_type") == "WEBSOCKET"


@apply_rule("aws_apigatewayv2_authorizer")
def websocket_authorizer_settings(change: Change, account: AccountState) -> Iterable[Violation]:
    """A WebSocket API's authorizer: REQUEST, uncached, IAM policy answers, WebSocket sources.

    The configuration is read (not the planned state), since
    `authorizer_result_ttl_in_seconds` is computed: the provider sends it only
    when it is set, or for an HTTP API's REQUEST authorizer (authorizer.go).
    """
    if change.action == "delete" or not _is_websocket(account, change.after.get("api_id")):
        return
    config = change.config or {}
    verb = "creating" if change.action == "create" else "updating"
    summary = f"{verb} API Gateway v2 Authorizer ({change.after.get('name')})"
    problems = []
    if config.get("authorizer_type") != "REQUEST":
        problems.append(
            f"authorizer type {config.get('authorizer_type')} is not supported for WebSocket "
            "APIs; use REQUEST"
        )
    if config.get("authorizer_result_ttl_in_seconds") is not None:
        problems.append(
            "authorizerResultTtlInSeconds is supported only for HTTP API Lambda authorizers; "
            "a WebSocket API's authorizer is not cached"
        )
    if config.get("enable_simple_responses"):
        problems.append(
            "enableSimpleResponses is supported only for HTTP APIs; a WebSocket authorizer "
            "returns an IAM policy"
        )
    if config.get("authorizer_payload_format_version") is not None:
        problems.append("authorizerPayloadFormatVersion is supported only for HTTP APIs")
    sources = config.get("identity_sources") or []
    wrong = sorted(s for s in sources if not _WEBSOCKET_IDENTITY_SOURCE.fullmatch(str(s)))
    if wrong:
        problems.append(
            f"invalid identity source {', '.join(wrong)} for a WebSocket API: use "
            "route.request.header.<name>, route.request.querystring.<name>, "
            "stageVariables.<name> or context.<name>"
        )
    for problem in problems:
        yield Violation(
            summary=summary, detail=f"BadRequestException: {problem}", source=_AUTHORIZER_SOURCE
        )


@apply_rule("aws_apigatewayv2_route")
def route_authorization_on_connect_only(
    change: Change, account: AccountState
) -> Iterable[Violation]:
    """Only `$connect` of a WebSocket API may carry authorization; CUSTOM needs its authorizer."""
    if change.action == "delete" or not _is_websocket(account, change.after.get("api_id")):
        return
    route_key = change.after.get("route_key")
    authorization = change.after.get("authorization_type") or "NONE"
    verb = "creating" if change.action == "create" else "updating"
    summary = f"{verb} API Gateway v2 Route ({route_key})"
    if route_key != "$connect" and authorization != "NONE":
        yield Violation(
            summary=summary,
            detail=(
                "BadRequestException: Currently, authorization is restricted to the $connect "
                f"route only (route {route_key} has authorization type {authorization})"
            ),
            source=_ROUTE_SOURCE,
        )
        return
    if authorization == "CUSTOM":
        authorizer_id = change.after.get("authorizer_id")
        authorizers = account.of_type("aws_apigatewayv2_authorizer")
        known = {str(r["state"].get("id")): r["state"].get("api_id") for r in authorizers.values()}
        if not authorizer_id or known.get(str(authorizer_id)) != change.after.get("api_id"):
            yield Violation(
                summary=summary,
                detail=(
                    "BadRequestException: a CUSTOM route needs the id of an authorizer of its "
                    f"own API (got {authorizer_id!r})"
                ),
                source=_ROUTE_SOURCE,
            )
