"""Settings validation: a misconfigured function fails at cold start, naming the variable."""

from __future__ import annotations

import pytest
from websocket_handlers.config import ConfigError, Settings, load_settings

from .cold_start import run_in_fresh_interpreter

VALID = {"CONNECTIONS_TABLE": "chat-connections", "CONNECTION_TTL_SECONDS": "7200"}


def test_valid_environment_is_read():
    """The module's variables become typed settings."""
    settings = load_settings({**VALID, "AWS_REGION": "eu-west-1"})

    assert settings == Settings(
        connections_table="chat-connections",
        connection_ttl_seconds=7200,
        management_api_endpoint=None,
        region="eu-west-1",
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONNECTIONS_TABLE", None),
        ("CONNECTIONS_TABLE", ""),
        ("CONNECTIONS_TABLE", "ab"),
        ("CONNECTIONS_TABLE", "chat connections"),
        ("CONNECTION_TTL_SECONDS", None),
        ("CONNECTION_TTL_SECONDS", "two hours"),
        ("CONNECTION_TTL_SECONDS", "0"),
        ("CONNECTION_TTL_SECONDS", "-60"),
        ("CONNECTION_TTL_SECONDS", "7200.5"),
        ("MANAGEMENT_API_ENDPOINT", "127.0.0.1:8080/dev"),
        ("MANAGEMENT_API_ENDPOINT", "ftp://127.0.0.1/dev"),
        ("MANAGEMENT_API_ENDPOINT", "http:///dev"),
    ],
)
def test_bad_value_is_refused_naming_the_variable(name, value):
    """Each missing or invalid value raises ConfigError whose message names the variable."""
    environ = {**VALID, name: value}
    if value is None:
        del environ[name]

    with pytest.raises(ConfigError, match=name):
        load_settings(environ)


def test_endpoint_override_loses_its_trailing_slash():
    """A base URL given with a trailing slash still yields clean @connections paths."""
    settings = load_settings({**VALID, "MANAGEMENT_API_ENDPOINT": "http://127.0.0.1:8080/dev/"})

    assert settings.management_api_endpoint == "http://127.0.0.1:8080/dev"


def test_senders_need_a_region_even_with_an_endpoint():
    """@connections requests are signed for a region, so an endpoint alone is not enough."""
    endpoint = "http://127.0.0.1:8080/dev"
    with pytest.raises(ConfigError, match="AWS_REGION is not set"):
        load_settings({**VALID, "MANAGEMENT_API_ENDPOINT": endpoint}, sends_messages=True)

    settings = load_settings(
        {**VALID, "MANAGEMENT_API_ENDPOINT": endpoint, "AWS_REGION": "eu-west-1"},
        sends_messages=True,
    )
    assert (settings.management_api_endpoint, settings.region) == (endpoint, "eu-west-1")


@pytest.mark.parametrize("module", ["connect", "disconnect", "echo"])
def test_handler_import_fails_at_cold_start_naming_the_variable(module):
    """Importing a handler without CONNECTIONS_TABLE fails at once with a clear message."""
    result = run_in_fresh_interpreter(
        f"import websocket_handlers.{module}",
        unset=("CONNECTIONS_TABLE",),
        CONNECTION_TTL_SECONDS="7200",
        AWS_REGION="eu-west-1",
    )

    assert result.returncode != 0
    assert "ConfigError: CONNECTIONS_TABLE is not set" in result.stderr
