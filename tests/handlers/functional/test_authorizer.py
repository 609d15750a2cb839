"""The example `$connect` authorizer against moto's SSM and Secrets Manager.

Outcomes as API Gateway reads them ("Output from an API Gateway Lambda authorizer"
and "Control access to WebSocket APIs with AWS Lambda REQUEST authorizers", API
Gateway developer guide): an Allow policy on the event's methodArn lets `$connect`
run; the error `Unauthorized` is a 401; a Deny policy is a 403.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import boto3
import pytest
from websocket_handlers import tokens
from websocket_handlers.config import ConfigError
from websocket_handlers.contract import (
    ENV_AUTHORIZER_AUDIENCE,
    ENV_AUTHORIZER_SECRET_ARN,
    TOKEN_QUERY_PARAMETER,
)

from tests.handlers.aws import REGION, cold_start
from tests.handlers.conftest import FakeLambdaContext, load_event
from tests.handlers.unit.cold_start import LAMBDA_SRC

SECRET = "0123456789abcdef0123456789abcdef-signing"
METHOD_ARN = f"arn:aws:execute-api:{REGION}:123456789012:a1b2c3d4e5/dev/$connect"


def _ssm_parameter() -> str:
    ssm = boto3.client("ssm", region_name=REGION)
    ssm.put_parameter(Name="/chat/token-secret", Value=SECRET, Type="SecureString")
    return ssm.get_parameter(Name="/chat/token-secret")["Parameter"]["ARN"]


def _secrets_manager_secret() -> str:
    client = boto3.client("secretsmanager", region_name=REGION)
    return client.create_secret(Name="chat/token-secret", SecretString=SECRET)["ARN"]


STORES = {"ssm": _ssm_parameter, "secretsmanager": _secrets_manager_secret}


@pytest.fixture(params=sorted(STORES))
def authorizer(request, monkeypatch):
    """The authorizer module cold-started with its secret in SSM or in Secrets Manager."""
    monkeypatch.delenv(ENV_AUTHORIZER_AUDIENCE, raising=False)
    monkeypatch.setenv(ENV_AUTHORIZER_SECRET_ARN, STORES[request.param]())
    return cold_start("websocket_handlers.authorizer")


def _event(token: str | None) -> dict[str, Any]:
    """A REQUEST authorizer event: the connect event's request plus `type` and `methodArn`."""
    event = load_event("connect")
    if token is not None:
        event["queryStringParameters"][TOKEN_QUERY_PARAMETER] = token
    return {**event, "type": "REQUEST", "methodArn": METHOD_ARN}


def _mint(secret: str = SECRET, ttl: int = 300, **kwargs: Any) -> str:
    return tokens.mint(secret.encode(), "alice", ttl, now=time.time(), **kwargs)


def test_a_valid_token_gets_an_allow_policy_on_the_connect_method(authorizer) -> None:
    """Allow execute-api:Invoke on exactly the event's methodArn, principal and context set."""
    answer = authorizer.handler(_event(_mint()), FakeLambdaContext())

    assert answer["principalId"] == "alice"
    assert answer["policyDocument"]["Statement"] == [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": METHOD_ARN}
    ]
    # Context values may be strings, numbers or booleans only.
    assert answer["context"]["sub"] == "alice"
    assert all(isinstance(v, str | int | float | bool) for v in answer["context"].values())


def test_an_expired_token_is_unauthorized(authorizer) -> None:
    """An expired token raises `Unauthorized` (401): the client must get a new one."""
    token = tokens.mint(SECRET.encode(), "alice", 60, now=time.time() - 120)
    with pytest.raises(authorizer.Unauthorized, match=r"^Unauthorized$"):
        authorizer.handler(_event(token), FakeLambdaContext())


def test_a_tampered_token_is_unauthorized(authorizer) -> None:
    """A token whose payload was changed is refused, however plausible the change."""
    payload, signature = _mint().split(".")
    other_payload = _mint(ttl=10**6).split(".")[0]
    assert other_payload != payload
    with pytest.raises(authorizer.Unauthorized):
        authorizer.handler(_event(f"{other_payload}.{signature}"), FakeLambdaContext())


def test_a_missing_token_is_unauthorized(authorizer) -> None:
    """No `token` query string parameter: 401, as API Gateway answers a missing identity source."""
    with pytest.raises(authorizer.Unauthorized):
        authorizer.handler(_event(None), FakeLambdaContext())


def test_a_token_signed_with_another_secret_is_unauthorized(authorizer) -> None:
    """A token minted with another secret does not verify against the stored one."""
    with pytest.raises(authorizer.Unauthorized):
        authorizer.handler(_event(_mint(secret="x" * 40)), FakeLambdaContext())


@pytest.mark.usefixtures("authorizer")
def test_a_token_for_another_stage_gets_a_deny_policy(monkeypatch) -> None:
    """With AUTHORIZER_AUDIENCE set, a valid token naming another API/stage is a Deny (403)."""
    monkeypatch.setenv(ENV_AUTHORIZER_AUDIENCE, "a1b2c3d4e5/dev")
    module = cold_start("websocket_handlers.authorizer")
    denied = module.handler(_event(_mint(audience="a1b2c3d4e5/prod")), FakeLambdaContext())
    allowed = module.handler(_event(_mint(audience="a1b2c3d4e5/dev")), FakeLambdaContext())
    assert denied["policyDocument"]["Statement"][0]["Effect"] == "Deny"
    assert allowed["policyDocument"]["Statement"][0]["Effect"] == "Allow"


def test_the_secret_is_read_once_per_container(authorizer, monkeypatch) -> None:
    """Connects after the first reuse the cached secret instead of calling AWS again."""
    authorizer.handler(_event(_mint()), FakeLambdaContext())

    def fail(_arn: str) -> bytes:
        raise AssertionError("read the secret again")

    monkeypatch.setattr(tokens, "read_secret", fail)
    assert authorizer.handler(_event(_mint()), FakeLambdaContext())["principalId"] == "alice"


def test_an_unreadable_secret_fails_the_invocation_never_allows(monkeypatch) -> None:
    """A secret ARN that does not exist is an error (API Gateway's 500), not an Allow or 401."""
    monkeypatch.setenv(
        ENV_AUTHORIZER_SECRET_ARN, f"arn:aws:ssm:{REGION}:123456789012:parameter/missing"
    )
    module = cold_start("websocket_handlers.authorizer")
    with pytest.raises(tokens.SecretError, match="missing"):
        module.handler(_event(_mint()), FakeLambdaContext())


def test_a_secret_arn_of_another_service_is_refused() -> None:
    """Only SSM parameter and Secrets Manager secret ARNs are read."""
    with pytest.raises(tokens.SecretError, match="neither"):
        tokens.read_secret("arn:aws:s3:::bucket/key")


def test_the_mint_command_reads_the_same_secret_as_the_authorizer(authorizer) -> None:
    """`mint --secret-arn` goes through read_secret, so its token passes the authorizer."""
    arn = authorizer.SECRET.secret_arn
    assert tokens.main(["mint", "--subject", "alice", "--secret-arn", arn]) == 0


def test_the_mint_command_runs_as_a_module() -> None:
    """`python -m websocket_handlers.tokens mint ...` prints one token and exits 0."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "websocket_handlers.tokens",
            "mint",
            "--subject",
            "alice",
            "--ttl",
            "60",
            "--secret-value",
            SECRET,
        ],
        cwd=LAMBDA_SRC,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert tokens.verify(done.stdout.strip(), SECRET.encode(), now=time.time()).subject == "alice"


@pytest.mark.usefixtures("authorizer")
def test_without_a_secret_arn_the_cold_start_fails_naming_the_variable(monkeypatch) -> None:
    """A function deployed without AUTHORIZER_SECRET_ARN fails its first import with the name."""
    monkeypatch.delenv(ENV_AUTHORIZER_SECRET_ARN)
    with pytest.raises(ConfigError, match=ENV_AUTHORIZER_SECRET_ARN):
        cold_start("websocket_handlers.authorizer")
