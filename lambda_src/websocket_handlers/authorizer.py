"""The example `$connect` Lambda REQUEST authorizer: a signed token in the query string.

API Gateway runs it before `$connect` when the module's `connect_authorization`
is `CUSTOM` with this handler (`websocket_handlers.authorizer.handler`). Browsers
cannot set headers on a WebSocket handshake, so the token travels as the `token`
query string parameter, the module's default identity source. The token is a
`websocket_handlers.tokens` token: HMAC-SHA256 over a payload with `sub` and `exp`.

What it answers, and why (API Gateway developer guide, "Control access to
WebSocket APIs with AWS Lambda REQUEST authorizers" and "Output from an API
Gateway Lambda authorizer"; the REST page "Use API Gateway Lambda authorizers"
describes the three outcomes):

- A valid token: an IAM policy that allows `execute-api:Invoke` on the event's
  `methodArn` (`.../<stage>/$connect`), with the token's subject as `principalId`
  and a `context` map. A WebSocket authorizer must return a policy: the simple
  `isAuthorized` response is for HTTP APIs only. Context values must be strings,
  numbers or booleans, never objects or arrays.
- A missing, malformed, altered, wrongly signed or expired token: the error
  `Unauthorized`, which API Gateway answers with 401 Unauthorized, as for a
  missing identity source: the client has no usable credential and should get a
  new token.
- A valid token for another API or stage (its `aud` differs from
  `AUTHORIZER_AUDIENCE`): a Deny policy, which API Gateway answers with 403
  Forbidden: the caller is known but not allowed here.
- The secret cannot be read: the invocation fails, which API Gateway answers
  with an error (500 on AWS), never with an Allow.

WebSocket authorizer results are never cached by API Gateway (the API refuses
`authorizerResultTtlInSeconds` for WebSocket APIs), so this runs on every
connect; the secret is cached per container for `SECRET_MAX_AGE_SECONDS`, so a
rotated secret takes effect within that time without a call per connect.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Mapping
from typing import Any

from websocket_handlers import logs, tokens
from websocket_handlers.config import ConfigError
from websocket_handlers.contract import (
    ENV_AUTHORIZER_AUDIENCE,
    ENV_AUTHORIZER_SECRET_ARN,
    TOKEN_QUERY_PARAMETER,
)

__all__ = ["SECRET_MAX_AGE_SECONDS", "SecretCache", "Unauthorized", "authorize", "handler"]

# As long as the AWS Parameters and Secrets Lambda Extension caches by default.
SECRET_MAX_AGE_SECONDS = 300

# arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<route key>
_METHOD_ARN = re.compile(
    r"arn:aws[a-z-]*:execute-api:[a-z0-9-]+:[0-9]{12}:(?P<api>[^/]+)/(?P<stage>[^/]+)/.+"
)

LOGGER = logs.get_logger(__name__)


class Unauthorized(Exception):  # noqa: N818 - API Gateway matches this exact message
    """Raised with the message `Unauthorized`, which API Gateway turns into a 401."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


class SecretCache:
    """The signing secret, read once and kept for `max_age` seconds in this container."""

    def __init__(self, secret_arn: str, *, max_age: float = SECRET_MAX_AGE_SECONDS) -> None:
        self.secret_arn = secret_arn
        self.max_age = max_age
        self._lock = threading.Lock()
        self._value: bytes | None = None
        self._read_at = 0.0

    def get(self) -> bytes:
        """The secret, from the cache while it is fresh.

        Raises:
            tokens.SecretError: it could not be read.
        """
        with self._lock:
            if self._value is None or time.monotonic() - self._read_at >= self.max_age:
                self._value = tokens.read_secret(self.secret_arn)
                self._read_at = time.monotonic()
            return self._value


def _secret_arn(environ: Mapping[str, str]) -> str:
    value = environ.get(ENV_AUTHORIZER_SECRET_ARN)
    if not value:
        raise ConfigError(
            f"{ENV_AUTHORIZER_SECRET_ARN} is not set: it names the SSM parameter or "
            "Secrets Manager secret that tokens are signed with"
        )
    return value


def _policy(principal: str, effect: str, method_arn: str, context: dict[str, Any]) -> dict:
    """An authorizer response: a policy of one statement on the `$connect` method ARN."""
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}
            ],
        },
        "context": context,
    }


def _token(event: Mapping[str, Any]) -> str | None:
    """The token from the query string, the identity source clients can always set."""
    parameters = event.get("queryStringParameters")
    value = parameters.get(TOKEN_QUERY_PARAMETER) if isinstance(parameters, Mapping) else None
    return value if isinstance(value, str) and value else None


def authorize(
    event: Mapping[str, Any], secret: bytes, *, now: float, audience: str | None
) -> dict[str, Any]:
    """The authorizer's answer to a REQUEST event, given the secret and the time.

    Args:
        event: the REQUEST authorizer event (`methodArn`, `queryStringParameters`).
        secret: the signing secret.
        now: the current time in epoch seconds.
        audience: `<api id>/<stage>` that tokens must name in `aud`, or None to
            accept a token for any.

    Raises:
        Unauthorized: no token, or one that is malformed, altered or expired.
    """
    method_arn = event.get("methodArn")
    if not isinstance(method_arn, str) or not _METHOD_ARN.fullmatch(method_arn):
        raise Unauthorized
    token = _token(event)
    if token is None:
        LOGGER.info("No token in the request")
        raise Unauthorized
    try:
        claims = tokens.verify(token, secret, now=now)
    except tokens.InvalidTokenError as error:
        LOGGER.info("Token refused: %s", error, extra={"reason": type(error).__name__})
        raise Unauthorized from None
    context = {"sub": claims.subject, "iat": claims.issued_at, "exp": claims.expires_at}
    if audience is not None and claims.audience != audience:
        LOGGER.info("Token for another API or stage", extra={"principalId": claims.subject})
        return _policy(claims.subject, "Deny", method_arn, context)
    LOGGER.info("Connection authorized", extra={"principalId": claims.subject})
    return _policy(claims.subject, "Allow", method_arn, context)


SECRET = SecretCache(_secret_arn(os.environ))
AUDIENCE = os.environ.get(ENV_AUTHORIZER_AUDIENCE) or None


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point of the `$connect` REQUEST authorizer."""
    with logs.invocation(getattr(context, "aws_request_id", None)):
        if not isinstance(event, Mapping):
            raise Unauthorized
        return authorize(event, SECRET.get(), now=time.time(), audience=AUDIENCE)
