"""Property tests: every handler answers any event with a well-formed response.

Hypothesis feeds the three handlers events of every shape a caller could get wrong
(junk instead of an event, missing or mistyped `requestContext` fields, bodies that
are empty, binary, huge, unicode or nested) next to valid ones. Whatever arrives,
the handler returns an API Gateway proxy response, never raises, and the
connections table changes only when a valid connect stores its own record.

One moto account serves the whole module (creating it per example would dominate
the run); each example starts from the same table: one sentinel record.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from websocket_handlers.contract import MESSAGE_BYTES
from websocket_handlers.events import BadRequestError, WebSocketEvent

from tests.handlers.aws import REGION, TABLE_NAME, cold_start, mocked_aws, put_item, stored_items
from tests.handlers.conftest import FakeLambdaContext, load_event

SENTINEL = "sentinel-record="
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# The fields `WebSocketEvent` reads; dropping or mistyping any one must give a 400.
CONTEXT_FIELDS = (
    "connectionId",
    "routeKey",
    "eventType",
    "requestId",
    "stage",
    "apiId",
    "domainName",
    "connectedAt",
)


@pytest.fixture(scope="module")
def handlers() -> Iterator[dict[str, ModuleType]]:
    """The three handler modules, cold-started once inside one moto account."""
    with pytest.MonkeyPatch.context() as monkeypatch, mocked_aws(monkeypatch):
        yield {
            "connect": cold_start("websocket_handlers.connect"),
            "disconnect": cold_start("websocket_handlers.disconnect"),
            "echo": cold_start("websocket_handlers.echo"),
        }


def reset_table() -> None:
    """Leave exactly the sentinel record in the table."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    for connection_id in stored_items():
        dynamodb.delete_item(TableName=TABLE_NAME, Key={"connectionId": {"S": connection_id}})
    put_item(SENTINEL, ttl=2_000_000_000)


# What JSON can carry, and junk that also holds bytes and non-finite floats.
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
junk = st.recursive(
    st.one_of(json_values, st.floats(), st.binary(max_size=64)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
# Any code point, lone surrogates included: JSON can carry them, UTF-8 cannot.
any_text = st.text(st.characters(exclude_categories=()), max_size=24)
# Long bodies are built by repetition so that generating them stays cheap.
huge_text = st.builds(
    lambda unit, target: unit * (target // len(unit.encode("utf-8")) + 1),
    st.text(min_size=1, max_size=4),
    st.integers(min_value=MESSAGE_BYTES - 8, max_value=MESSAGE_BYTES + 8),
)
bodies = st.one_of(
    junk,
    any_text,
    huge_text,
    st.builds(json.dumps, json_values),
    st.binary().map(lambda data: data.decode("latin-1")),
)


@st.composite
def mutated_events(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A fixture event with up to two context fields dropped or replaced, and any body."""
    event = copy.deepcopy(load_event(name))
    context = event["requestContext"]
    for field in draw(st.sets(st.sampled_from(CONTEXT_FIELDS), max_size=2)):
        change = draw(st.sampled_from(("drop", "junk", "text", "text")))
        if change == "drop":
            del context[field]
        elif change == "junk":
            context[field] = draw(junk)
        elif change == "text":
            context[field] = draw(any_text)
    if draw(st.booleans()):
        event["body"] = draw(bodies)
    if draw(st.booleans()):
        event["isBase64Encoded"] = draw(junk)
    return event


def events(name: str) -> st.SearchStrategy[Any]:
    """Half junk (anything, or a wrong `requestContext`), half mutated events of the route."""
    return st.one_of(
        st.one_of(junk, st.dictionaries(st.just("requestContext"), junk, min_size=1)),
        mutated_events(name),
    )


def valid_connection_id(event: Any) -> str | None:
    """The connection id of an event the accessor accepts, else None."""
    try:
        return WebSocketEvent.from_dict(event).connection_id
    except BadRequestError:
        return None


def assert_well_formed(response: Any) -> None:
    """A proxy response: an int status code and a JSON string body."""
    assert isinstance(response, dict)
    assert type(response["statusCode"]) is int
    assert isinstance(response["body"], str)
    assert isinstance(json.loads(response["body"]), dict)


@PROPERTY_SETTINGS
@given(event=events("connect"))
def test_connect_answers_every_event_and_writes_only_a_valid_connection(
    handlers: dict[str, ModuleType], event: Any
) -> None:
    """Any event gets a response; only a valid connect adds exactly its own record."""
    reset_table()
    response = handlers["connect"].handler(event, FakeLambdaContext())
    assert_well_formed(response)
    connection_id = valid_connection_id(event)
    expected = {SENTINEL} if connection_id is None else {SENTINEL, connection_id}
    assert response["statusCode"] == (400 if connection_id is None else 200)
    assert set(stored_items()) == expected


@PROPERTY_SETTINGS
@given(event=events("disconnect"))
def test_disconnect_answers_every_event_and_never_writes(
    handlers: dict[str, ModuleType], event: Any
) -> None:
    """Any event gets a response and no record other than its own is touched."""
    reset_table()
    response = handlers["disconnect"].handler(event, FakeLambdaContext())
    assert_well_formed(response)
    assert response["statusCode"] == (400 if valid_connection_id(event) is None else 200)
    assert set(stored_items()) == {SENTINEL}


@PROPERTY_SETTINGS
@given(event=events("message"))
# Found by this test: each once crashed the handler building the @connections request.
@example(event=load_event("message", apiId=":"))
@example(event=load_event("message", stage="a b"))
@example(event=load_event("message", connectionId="\ud800"))
def test_echo_answers_every_event_and_never_writes(
    handlers: dict[str, ModuleType], event: Any
) -> None:
    """Any event gets a 200 or a 400, never an exception, and the table is unchanged."""
    reset_table()
    response = handlers["echo"].handler(event, FakeLambdaContext())
    assert_well_formed(response)
    assert response["statusCode"] in (200, 400)
    assert set(stored_items()) == {SENTINEL}
