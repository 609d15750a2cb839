"""The `$connect` authorizer's facts: one source (contract.json), literal copies held to it."""

from __future__ import annotations

import importlib
from types import ModuleType

import pytest
from websocket_handlers import tokens
from websocket_handlers.contract import CONTRACT

from local_gateway.paths import REPO_ROOT
from tools.tfconfig import blocks, load

FACTS = CONTRACT["authorizer"]


@pytest.fixture
def authorizer(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The authorizer module, imported as a cold start with its secret's ARN set."""
    monkeypatch.setenv(
        FACTS["secret_arn_environment"], "arn:aws:ssm:us-east-1:123456789012:parameter/x"
    )
    return importlib.import_module("websocket_handlers.authorizer")


def test_the_contracts_handler_is_the_authorizer_module(authorizer: ModuleType) -> None:
    """contract.json names the handler the local gateway and the docs use, and it exists."""
    module_name, function = FACTS["handler"].rsplit(".", 1)
    assert module_name == authorizer.__name__
    assert callable(getattr(authorizer, function))


def test_variables_tf_literals_equal_the_contract() -> None:
    """Where Terraform needs literals (a validation, a description), they are the contract's."""
    variable = blocks(load(".", "variables.tf"), "variable")["connect_authorization"]
    conditions = " ".join(v["condition"] for v in variable["validation"])
    assert f'"{FACTS["secret_arn_environment"]}"' in conditions
    assert f'"{FACTS["handler"]}"' in conditions
    assert f'"{FACTS["identity_source"]}"' in conditions
    assert f"`{FACTS['handler']}`" in variable["description"]
    assert FACTS["identity_source"] in variable["description"]
    assert f"`{FACTS['secret_arn_environment']}`" in variable["description"]


def test_the_module_reads_the_environment_name_and_identity_source_from_the_contract() -> None:
    """authorizer.tf sets the secret's variable and the default identity source from
    contract.json, which the handler reads too."""
    local = blocks(load(".", "authorizer.tf"), "locals")
    assert "local.contract.authorizer.identity_source" in local["authorizer_identity_sources"]
    environment = blocks(load(".", "authorizer.tf"), "module")["authorizer"]
    assert (
        "local.contract.authorizer.secret_arn_environment" in environment["environment_variables"]
    )
    assert FACTS["identity_source"] == f"route.request.querystring.{FACTS['token_query_parameter']}"


def test_the_authorizer_and_the_mint_command_share_one_secret_reader(
    authorizer: ModuleType,
) -> None:
    """The authorizer's cache reads through tokens.read_secret, the mint command's reader."""
    assert "read_secret" in authorizer.SecretCache.get.__code__.co_names
    assert tokens.main.__code__.co_names.count("read_secret") == 1


def test_ckv_aws_309_is_skipped_on_the_routes_for_awss_own_rule_only() -> None:
    """checkov's authorizer-on-every-route check is skipped on the routes with the one
    reason that holds: AWS never lets $disconnect or $default carry authorization
    (API Gateway developer guide, "Control access to WebSocket APIs with AWS Lambda
    REQUEST authorizers": a Lambda authorizer is for the $connect route only)."""
    text = (REPO_ROOT / "modules" / "websocket-api" / "main.tf").read_text(encoding="utf-8")
    (skip,) = [line for line in text.splitlines() if "checkov:skip=CKV_AWS_309" in line]
    route_block = text.split('resource "aws_apigatewayv2_route" "this" {', 1)[1].split("\n}\n")[0]
    assert skip.strip() in route_block
    assert "AWS never lets $disconnect or $default" in skip
    assert "$connect route" in skip
    assert "connect_authorization" in skip
