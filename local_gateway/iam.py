"""IAM authorization of the local gateway: which keys it knows, and the guard on `@connections`.

On AWS every `@connections` request is IAM-authorized: it must be signed with Signature
Version 4 for the service `execute-api`, by a principal allowed
`execute-api:ManageConnections` (API Gateway developer guide, "Use @connections commands
in your backend service"). Locally there is no IAM policy to evaluate, so the guard
checks the signature (`local_gateway.sigv4`: verified for keys the gateway knows,
well-formed for others) and lets any signed caller manage connections.

An unsigned or badly signed request gets 403 with `x-amzn-ErrorType: ForbiddenException`,
the only 403 the management API's service model defines ("The caller is not authorized
to invoke this operation", botocore's `apigatewaymanagementapi` model), so boto3 raises
`client.exceptions.ForbiddenException` as it does against AWS when a caller may not post
(aws/aws-sdk-net#1264 and #1637 record that error for @connections; aws/aws-sdk-php#1955
records its body, `{"message":"Forbidden"}`). AWS does not document the body for an
unsigned request; here it carries the SigV4 check's own AWS-worded reason ("Missing
Authentication Token", "Signature expired: ...") so the console and the client say why.
Nothing is delivered, read or closed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from local_gateway.sigv4 import SignatureRejected, check_signature

__all__ = [
    "HANDLER_ACCESS_KEY_ID",
    "HANDLER_SECRET_ACCESS_KEY",
    "SERVICE",
    "known_credentials",
    "require_sigv4",
]

# The dummy credentials every function gets (the user's own are never passed on).
HANDLER_ACCESS_KEY_ID = "local"
HANDLER_SECRET_ACCESS_KEY = "local"

# The signing name of API Gateway's data plane (botocore's apigatewaymanagementapi model).
SERVICE = "execute-api"

_log = logging.getLogger("local_gateway")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def known_credentials(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The keys whose signatures the gateway verifies: the functions' and the user's own.

    The user's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (when the gateway's environment
    has them) are verified too, so a script signing with them is held to a correct
    signature; other keys are checked for form only (see `local_gateway.sigv4`).
    """
    environ = os.environ if environ is None else environ
    known = {HANDLER_ACCESS_KEY_ID: HANDLER_SECRET_ACCESS_KEY}
    user_key, user_secret = environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY")
    if user_key and user_secret:
        known.setdefault(user_key, user_secret)
    return known


def _forbidden(rejected: SignatureRejected) -> web.Response:
    return web.json_response(
        {"message": rejected.message},
        status=rejected.status,
        headers={"x-amzn-ErrorType": "ForbiddenException"},
    )


def require_sigv4(
    *, stage: str, region: str, credentials: Mapping[str, str]
) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """An aiohttp middleware refusing `@connections` requests without an acceptable SigV4.

    Args:
        stage: The stage whose `/{stage}/@connections/` paths are guarded.
        region: The region signatures must be scoped to (the handlers' `AWS_REGION`).
        credentials: Access key id to secret, for the keys the gateway verifies.
    """
    prefix = f"/{stage}/@connections/"

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(prefix):
            return await handler(request)
        path, _, query = request.raw_path.partition("?")
        body = await request.read()  # aiohttp keeps it: the handler reads the same bytes
        try:
            check_signature(
                request.method,
                path,
                query,
                {name: request.headers.getall(name) for name in request.headers},
                body,
                service=SERVICE,
                region=region,
                credentials=credentials,
            )
        except SignatureRejected as rejected:
            _log.info("@connections %s refused (403): %s", request.method, rejected.message)
            return _forbidden(rejected)
        return await handler(request)

    return middleware
