"""`$connect` authorization through the running gateway, with real WebSocket clients.

The rules are API Gateway's (developer guide: "Control access to WebSocket APIs with AWS
Lambda REQUEST authorizers", "Output from an API Gateway Lambda authorizer", "Use API
Gateway Lambda authorizers", "Control access to WebSocket APIs with IAM authorization";
API Gateway V2 API reference, `CreateAuthorizer` `IdentitySource`; IAM user guide,
"IAM JSON policy elements: Resource" and "Policy evaluation logic"); `local_gateway.
authorizer` cites each one where it applies it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import websockets
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from websocket_handlers import tokens
from websocket_handlers.contract import PRINCIPAL_ATTRIBUTE
from websockets.exceptions import InvalidStatus

from local_gateway.authorizer import (
    AuthorizerConfig,
    AuthorizerConfigError,
    IdentitySource,
    method_arn,
    policy_allows,
)
from local_gateway.cli import parse_settings
from local_gateway.paths import REPO_ROOT
from local_gateway.routes import Route, load_routes
from local_gateway.secret_store import SecretStoreError, parse_secret_arn
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from tests.gateway.conftest import until

_ARN = "arn:aws:execute-api:us-east-1:123456789012:local/dev/$connect"
_ALLOWED_CONTEXT = {"role": "admin", "level": "3", "beta": "true", "principalId": "user-1"}


def _records(path: Path) -> list[dict[str, Any]]:
    """The events a recording handler appended to `path`, oldest first."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _recording_routes(folder: Path) -> dict[str, Route]:
    """The default routes, with `$connect`, `$disconnect` and `probe` recording their events."""

    def recorder(key: str, name: str, two_way: bool = False) -> Route:
        environment = {"RECORD_TO": str(folder / f"{name}.jsonl")}
        return Route(
            key=key,
            handler="sample.handlers.record",
            environment=environment,
            two_way_response=two_way,
        )

    return {
        **load_routes(),
        "$connect": recorder("$connect", "connect"),
        "$disconnect": recorder("$disconnect", "disconnect"),
        "probe": recorder("probe", "probe", two_way=True),
    }


async def _status_of_refusal(url: str, **options: Any) -> int:
    """The HTTP status a handshake that must fail was answered with."""
    with pytest.raises(InvalidStatus) as refused:
        async with websockets.connect(url, **options):
            pass
    return refused.value.response.status_code


@pytest_asyncio.fixture
async def custom(source_dir: Path, tmp_path: Path) -> AsyncIterator[GatewayService]:
    """A gateway whose `$connect` is authorized by `authz.authorizers.by_token`."""
    config = AuthorizerConfig(
        authorization_type="CUSTOM",
        handler="authz.authorizers.by_token",
        identity_sources=("route.request.querystring.token", "route.request.header.X-Client"),
        environment={"RECORD_TO": str(tmp_path / "authorizer.jsonl")},
    )
    settings = GatewaySettings(port=0, source_dir=source_dir, authorizer=config)
    async with GatewayService(settings=settings, routes=_recording_routes(tmp_path)) as running:
        yield running


async def test_missing_identity_source_is_401_without_invoking_the_authorizer(
    custom: GatewayService, tmp_path: Path
) -> None:
    """A missing or empty header or query string identity source answers 401; nothing runs."""
    url = custom.websocket_url
    header = {"additional_headers": {"X-Client": "tests"}}
    assert await _status_of_refusal(url, **header) == 401
    assert await _status_of_refusal(f"{url}?token=", **header) == 401
    assert await _status_of_refusal(f"{url}?token=allow") == 401
    assert (
        await _status_of_refusal(f"{url}?token=allow", additional_headers={"X-Client": ""}) == 401
    )
    assert _records(tmp_path / "authorizer.jsonl") == []
    assert _records(tmp_path / "connect.jsonl") == []


async def test_allowed_context_reaches_connect_and_every_later_event(
    custom: GatewayService, tmp_path: Path
) -> None:
    """Allow: `$connect`, MESSAGE and DISCONNECT events all carry the same authorizer map."""
    url = f"{custom.websocket_url}?token=allow"
    async with websockets.connect(url, additional_headers={"x-client": "tests"}) as client:
        await client.send(json.dumps({"action": "probe"}))
        assert await asyncio.wait_for(client.recv(), 10) == "probe"
    await until(lambda: len(_records(tmp_path / "disconnect.jsonl")) == 1)
    (connect,) = _records(tmp_path / "connect.jsonl")
    (message,) = _records(tmp_path / "probe.jsonl")
    (disconnect,) = _records(tmp_path / "disconnect.jsonl")
    authorizer = dict(connect["requestContext"]["authorizer"])
    assert isinstance(authorizer.pop("integrationLatency"), int)
    assert authorizer == _ALLOWED_CONTEXT
    for later in (message, disconnect):
        assert later["requestContext"]["authorizer"] == connect["requestContext"]["authorizer"]
        assert later["requestContext"]["connectionId"] == connect["requestContext"]["connectionId"]


async def test_authorizer_gets_the_websocket_request_event(
    custom: GatewayService, tmp_path: Path
) -> None:
    """The authorizer sees type REQUEST, the `$connect` method ARN, headers, query, context."""
    url = f"{custom.websocket_url}?token=allow&token=allow&extra=1"
    async with websockets.connect(url, additional_headers={"X-Client": "tests"}):
        pass
    (request,) = _records(tmp_path / "authorizer.jsonl")
    (connect,) = _records(tmp_path / "connect.jsonl")
    assert request["type"] == "REQUEST"
    assert request["methodArn"] == _ARN
    assert request["headers"]["X-Client"] == "tests"
    assert request["multiValueHeaders"]["X-Client"] == ["tests"]
    assert request["queryStringParameters"] == {"token": "allow", "extra": "1"}
    assert request["multiValueQueryStringParameters"] == {
        "token": ["allow", "allow"],
        "extra": ["1"],
    }
    assert request["stageVariables"] == {}
    context = request["requestContext"]
    assert (context["routeKey"], context["eventType"]) == ("$connect", "CONNECT")
    assert "authorizer" not in context
    # One request: the authorizer and `$connect` share its ids.
    for key in ("connectionId", "requestId", "connectedAt"):
        assert context[key] == connect["requestContext"][key]


@pytest.mark.parametrize(
    ("token", "status"),
    [
        ("deny", 403),
        ("deny-wins", 403),
        ("other-route", 403),
        ("other-action", 403),
        ("unauthorized", 401),
        ("crash", 500),
        ("malformed", 500),
        ("nested-context", 500),
    ],
)
async def test_refusals_answer_as_api_gateway_and_never_run_connect(
    custom: GatewayService, tmp_path: Path, token: str, status: int
) -> None:
    """Deny or no matching Allow: 403; `Unauthorized`: 401; failure or bad output: 500."""
    url = f"{custom.websocket_url}?token={token}"
    assert await _status_of_refusal(url, additional_headers={"X-Client": "t"}) == status
    assert len(_records(tmp_path / "authorizer.jsonl")) == 1
    assert _records(tmp_path / "connect.jsonl") == []


async def test_every_connect_invokes_the_authorizer_anew(
    custom: GatewayService, tmp_path: Path
) -> None:
    """WebSocket authorizers are never cached: two connects, two invocations; wildcards allow."""
    for token in ("wildcard", "wildcard"):
        url = f"{custom.websocket_url}?token={token}"
        async with websockets.connect(url, additional_headers={"X-Client": "t"}):
            pass
    assert len(_records(tmp_path / "authorizer.jsonl")) == 2
    connects = _records(tmp_path / "connect.jsonl")
    assert [c["requestContext"]["authorizer"]["principalId"] for c in connects] == ["user-1"] * 2


# AWS_IAM


def _sign(url: str, *, secret: str = "local", presign: bool = False) -> tuple[str, dict[str, str]]:
    """Sign a handshake as boto3 would: the URL to open and the headers to send."""
    http = url.replace("ws://", "http://", 1)
    request = AWSRequest(method="GET", url=http)
    credentials = Credentials("local", secret)
    if presign:
        SigV4QueryAuth(credentials, "execute-api", "us-east-1", expires=60).add_auth(request)
        return request.url.replace("http://", "ws://", 1), {}
    SigV4Auth(credentials, "execute-api", "us-east-1").add_auth(request)
    headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
    return url, headers


@pytest_asyncio.fixture
async def iam(source_dir: Path, tmp_path: Path) -> AsyncIterator[GatewayService]:
    """A gateway whose `$connect` requires SigV4 (AWS_IAM)."""
    settings = GatewaySettings(
        port=0, source_dir=source_dir, authorizer=AuthorizerConfig(authorization_type="AWS_IAM")
    )
    async with GatewayService(settings=settings, routes=_recording_routes(tmp_path)) as running:
        yield running


async def test_iam_refuses_unsigned_and_badly_signed_handshakes(iam: GatewayService) -> None:
    """AWS_IAM: no signature, or one made with the wrong secret, answers 403."""
    assert await _status_of_refusal(iam.websocket_url) == 403
    url, headers = _sign(iam.websocket_url, secret="not-the-secret")
    assert await _status_of_refusal(url, additional_headers=headers) == 403


@pytest.mark.parametrize("presign", [False, True], ids=["authorization-header", "presigned"])
async def test_iam_signed_handshake_carries_the_caller(
    iam: GatewayService, tmp_path: Path, presign: bool
) -> None:
    """AWS_IAM: a signed or presigned handshake connects; its events name the caller."""
    url, headers = _sign(iam.websocket_url, presign=presign)
    async with websockets.connect(url, additional_headers=headers) as client:
        await client.send(json.dumps({"action": "probe"}))
        assert await asyncio.wait_for(client.recv(), 10) == "probe"
    (connect,) = _records(tmp_path / "connect.jsonl")
    (message,) = _records(tmp_path / "probe.jsonl")
    for event in (connect, message):
        identity = event["requestContext"]["identity"]
        assert identity["accessKey"] == "local"
        assert identity["accountId"] == "123456789012"
        assert identity["userArn"] == "arn:aws:iam::123456789012:user/local"
        assert identity["caller"] == identity["user"] == "local"
        assert identity["sourceIp"] == "127.0.0.1"
        assert "authorizer" not in event["requestContext"]


# The example authorizer (lambda_src/websocket_handlers/authorizer.py) and its secret.

_SSM_SECRET = "arn:aws:ssm:us-east-1:123456789012:parameter/websocket/token-secret"
_SM_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:websocket-token-AbCdEf"
_SECRET = "a-local-signing-secret-of-32-bytes-or-more"


def _mint(endpoint: str, secret_arn: str) -> str:
    """Mint a token with the module's own command, reading the secret from the local SSM."""
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "PYTHONPATH": str(REPO_ROOT / "lambda_src"),
    }
    command = [sys.executable, "-m", "websocket_handlers.tokens", "mint", "--subject", "alice"]
    command += ["--ttl", "600", "--secret-arn", secret_arn, "--endpoint-url", endpoint]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize("secret_arn", [_SSM_SECRET, _SM_SECRET], ids=["ssm", "secretsmanager"])
async def test_example_authorizer_with_a_minted_token(source_dir: Path, secret_arn: str) -> None:
    """Minted token: connected, principal stored; tampered, expired or missing token: 401."""
    config = AuthorizerConfig(
        authorization_type="CUSTOM",
        handler="websocket_handlers.authorizer.handler",
        identity_sources=("route.request.querystring.token",),
        environment={"AUTHORIZER_SECRET_ARN": secret_arn},
    )
    settings = GatewaySettings(
        port=0,
        source_dir=source_dir,
        authorizer=config,
        secrets={secret_arn: _SECRET},
    )
    async with GatewayService(settings=settings, routes=load_routes()) as service:
        endpoint = service.dynamodb.endpoint
        token = await asyncio.to_thread(_mint, endpoint, secret_arn)
        async with websockets.connect(f"{service.websocket_url}?token={token}"):
            # The module's own `$connect` stores the authorized principal with the record.
            items = await asyncio.to_thread(
                lambda: service.dynamodb.client().scan(TableName=settings.table_name)["Items"]
            )
            assert [item[PRINCIPAL_ATTRIBUTE]["S"] for item in items] == ["alice"]
        payload, signature = token.split(".")
        tampered = f"{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
        # Signed with the right secret, but an hour ago for ten minutes.
        expired = tokens.mint(_SECRET.encode(), "alice", 600, now=time.time() - 3600)
        for bad in (tampered, expired):
            assert await _status_of_refusal(f"{service.websocket_url}?token={bad}") == 401
        assert await _status_of_refusal(service.websocket_url) == 401


# Configuration, policies and secrets, without a running gateway.


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"authorization_type": "JWT"}, "must be one of NONE, CUSTOM, AWS_IAM"),
        ({"authorization_type": "CUSTOM"}, "needs the authorizer's handler"),
        ({"authorization_type": "CUSTOM", "handler": "a.b"}, "needs at least one identity"),
        (
            {"authorization_type": "CUSTOM", "handler": "a.b", "identity_sources": ["q.token"]},
            "must be `route.request.header.<name>`",
        ),
        (
            {
                "authorization_type": "CUSTOM",
                "handler": "a.b",
                "identity_sources": ["stageVariables.x"],
            },
            "no stage variables",
        ),
        (
            {
                "authorization_type": "CUSTOM",
                "handler": "a.b",
                "identity_sources": ["route.request.querystring.token"],
                "environment": {"AWS_REGION": "x"},
            },
            "reserved by Lambda",
        ),
        ({"authorization_type": "AWS_IAM", "handler": "a.b"}, "for CUSTOM authorization only"),
    ],
)
def test_configuration_errors_name_the_problem(options: dict[str, Any], problem: str) -> None:
    """A configuration API Gateway or the module would refuse fails with a clear message."""
    with pytest.raises(AuthorizerConfigError, match=problem.replace("(", r"\(")):
        AuthorizerConfig(**options)


def test_cli_options_build_the_configuration() -> None:
    """The command-line options fill `GatewaySettings.authorizer` and `secrets`."""
    settings, _ = parse_settings(
        [
            "--authorization-type",
            "custom",
            "--authorizer-handler",
            "websocket_handlers.authorizer.handler",
            "--identity-source",
            "route.request.querystring.token",
            "--identity-source",
            "route.request.header.Authorization",
            "--authorizer-env",
            f"AUTHORIZER_SECRET_ARN={_SSM_SECRET}",
            "--secret",
            f"{_SSM_SECRET}=value=with=equals",
        ]
    )
    assert settings.authorizer == AuthorizerConfig(
        authorization_type="CUSTOM",
        handler="websocket_handlers.authorizer.handler",
        identity_sources=("route.request.querystring.token", "route.request.header.Authorization"),
        environment={"AUTHORIZER_SECRET_ARN": _SSM_SECRET},
    )
    assert settings.secrets == {_SSM_SECRET: "value=with=equals"}


@pytest.mark.parametrize(
    ("argv", "problem"),
    [
        (["--authorization-type", "CUSTOM"], "needs the authorizer's handler"),
        (["--authorizer-env", "NOVALUE"], "must look like NAME=VALUE"),
        (["--secret", "arn:aws:s3:::bucket=v"], "must be an SSM parameter ARN"),
    ],
)
def test_cli_rejects_bad_authorization_options(
    argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad options stop the gateway before it starts, with the problem in the message."""
    with pytest.raises(SystemExit) as stopped:
        parse_settings(argv)
    assert stopped.value.code == 2
    assert problem in capsys.readouterr().err


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": _ARN}], True),
        ([{"Effect": "Allow", "Action": "EXECUTE-API:invoke", "Resource": _ARN}], True),
        ([{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}], True),
        ([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:execute-api:*"}], True),
        (
            [
                {
                    "Effect": "Allow",
                    "Action": "execute-api:Invoke",
                    "Resource": "arn:aws:execute-api:us-east-1:*:local/*",
                }
            ],
            True,
        ),
        (
            [
                {
                    "Effect": "Allow",
                    "Action": "execute-api:Invoke",
                    "Resource": "arn:aws:execute-api:us-east-?:123456789012:local/dev/$connect",
                }
            ],
            True,
        ),
        # `*` inside a segment stays inside it: `us-*-1` cannot reach the account segment.
        (
            [
                {
                    "Effect": "Allow",
                    "Action": "execute-api:Invoke",
                    "Resource": "arn:aws:execute-api:us-*1:123456789012:local/prod/*",
                }
            ],
            False,
        ),
        (
            [
                {
                    "Effect": "Allow",
                    "Action": "execute-api:Invoke",
                    "Resource": _ARN.replace("local", "other"),
                }
            ],
            False,
        ),
        (
            [{"Effect": "Allow", "NotAction": "execute-api:ManageConnections", "Resource": _ARN}],
            True,
        ),
        ([{"Effect": "Allow", "Action": "execute-api:Invoke", "NotResource": _ARN}], False),
        (
            [
                {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
                {"Effect": "Deny", "Action": "execute-api:*", "Resource": [_ARN]},
            ],
            False,
        ),
        (
            [
                {
                    "Effect": "Deny",
                    "Action": "execute-api:Invoke",
                    "Resource": "arn:aws:execute-api:*:*:*/prod/*",
                }
            ],
            False,
        ),
    ],
)
def test_policy_evaluation_follows_iam(statements: list[dict[str, Any]], allowed: bool) -> None:
    """Explicit Deny wins, an Allow is needed, and wildcards match as IAM's do."""
    document = {"Version": "2012-10-17", "Statement": statements}
    assert policy_allows(document, action="execute-api:Invoke", resource=_ARN) is allowed


def test_method_arn_and_identity_sources() -> None:
    """The method ARN follows the region's partition; header sources ignore case."""
    assert (
        method_arn(region="us-east-1", account_id="123456789012", api_id="local", stage="dev")
        == _ARN
    )
    assert method_arn(region="cn-north-1", account_id="1", api_id="a", stage="s").startswith(
        "arn:aws-cn:execute-api:cn-north-1:1:a/s/"
    )
    source = IdentitySource.parse("route.request.header.authorization")
    assert source.value_in({"multiValueHeaders": {"Authorization": ["", "Bearer x"]}}) == "Bearer x"
    context = IdentitySource.parse("context.identity.sourceIp")
    assert context.value_in({"requestContext": {"identity": {"sourceIp": "1.2.3.4"}}}) == "1.2.3.4"


def test_secret_arns_are_checked() -> None:
    """SSM parameters must be in the local account; anything else is not a secret ARN."""
    assert parse_secret_arn(_SSM_SECRET).name == "/websocket/token-secret"
    assert parse_secret_arn(_SM_SECRET).name == "websocket-token-AbCdEf"
    with pytest.raises(SecretStoreError, match="account 123456789012 only"):
        parse_secret_arn(_SSM_SECRET.replace("123456789012", "210987654321"))
    with pytest.raises(SecretStoreError, match="must be an SSM parameter ARN"):
        parse_secret_arn("arn:aws:kms:us-east-1:123456789012:key/abc")
