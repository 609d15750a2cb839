"""A stack written by hand (no module) served from its Terraform plan.

The fixture `fixtures/handwritten` has an S3 backend, a lock file naming aws 5.82.0 and
a state of its own: none of them may be read or changed, and nothing may need AWS.
"""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
import websockets
from boto3.dynamodb.conditions import Key

from local_gateway.plan_reader import LocalRef, read_stack
from local_gateway.settings import GatewaySettings
from local_gateway.terraform_source import PlannedStack
from local_gateway.terraform_stack import StackError, build_gateway
from tests.gateway.terraform.conftest import (
    LOCK_FILE,
    STATE_FILE,
    PlanLog,
    ask,
    copy_stack,
    plan,
    serving,
)

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

REGION = "eu-central-1"  # the stack's provider block


@pytest.fixture(scope="module")
def stack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-written stack, copied with its lock file and state."""
    return copy_stack("handwritten", tmp_path_factory.mktemp("stacks"))


@pytest.fixture(scope="module")
def planned(stack_dir: Path, plan_cache: Path) -> tuple[PlannedStack, PlanLog]:
    """The stack planned once for the module."""
    return plan(stack_dir, plan_cache)


def _client(service: str, endpoint: str) -> object:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


async def test_routes_function_table_parameter_and_queue_come_from_the_plan(
    planned: tuple[PlannedStack, PlanLog],
) -> None:
    """`say` runs the plan's function with its memory, timeout and environment against the
    plan's table, parameter, queue, topic and secret, whose ARNs and URL, unknown at plan
    time, resolve to moto's."""
    async with serving(planned[0], api_name="chat") as (service, run):
        assert service.websocket_url.endswith("/live")
        assert set(run.routes) == {"$connect", "say", "$default"}
        assert run.routes["say"].two_way_response
        assert not run.routes["$default"].two_way_response
        assert (run.settings.throttling_burst_limit, run.settings.throttling_rate_limit) == (50, 20)
        answer = await ask(f"{service.websocket_url}?token=letmein", {"type": "say", "name": "ada"})

        assert answer["text"] == "Hello, ada"  # the SSM parameter's value
        assert answer["memory_mb"] == 256
        assert 0 < answer["remaining_ms"] <= 5000
        assert answer["table_arn"] == f"arn:aws:dynamodb:{REGION}:123456789012:table/chat-messages"
        assert answer["queue_url"] == run.services.queue_urls["chat-jobs"]
        assert answer["topic_arn"] == f"arn:aws:sns:{REGION}:123456789012:chat-said"
        assert answer["signature"] == "-- sent from the chat"  # the secret version's value

        endpoint = run.services.endpoint
        table = boto3.resource(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
        ).Table("chat-messages")
        by_author = table.query(
            IndexName="by-author", KeyConditionExpression=Key("author").eq("ada")
        )
        assert [item["text"] for item in by_author["Items"]] == ["Hello, ada"]
        described = table.meta.client.describe_table(TableName="chat-messages")["Table"]
        (local_index,) = described["LocalSecondaryIndexes"]
        assert local_index["IndexName"] == "by-room-author"
        assert local_index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
        ttl = table.meta.client.describe_time_to_live(TableName="chat-messages")
        assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
        queued = _client("sqs", endpoint).receive_message(QueueUrl=answer["queue_url"])
        assert [m["Body"] for m in queued["Messages"]] == ["Hello, ada"]


def test_backend_state_and_lock_file_are_left_alone(
    stack_dir: Path, planned: tuple[PlannedStack, PlanLog]
) -> None:
    """Planning needs no S3 backend and leaves the stack's state, lock file and folder be."""
    assert planned[1].planned
    assert (stack_dir / ".terraform.lock.hcl").read_text() == LOCK_FILE
    assert (stack_dir / "terraform.tfstate").read_text() == STATE_FILE
    assert not (stack_dir / ".terraform").exists()
    assert not (stack_dir / ".build").exists()


def test_locked_version_served_with_the_nearest_schema(
    planned: tuple[PlannedStack, PlanLog],
) -> None:
    """The lock file's aws 5.82.0 is offered, served with the nearest schema, and said so."""
    (aws,) = [line for line in planned[0].providers if line.startswith("aws ")]
    assert aws.startswith("aws 5.82.0: stand-in serving the schema of 5.100.0, the nearest")


def test_second_start_takes_the_plan_from_the_cache(
    stack_dir: Path, plan_cache: Path, planned: tuple[PlannedStack, PlanLog]
) -> None:
    """Nothing changed: the second start does not plan again."""
    again, log = plan(stack_dir, plan_cache)
    assert again.from_cache
    assert not log.planned
    assert again.plan == planned[0].plan


async def test_a_change_in_terraform_shows_up_locally(plan_cache: Path, tmp_path: Path) -> None:
    """Editing the function's timeout and memory, and a variable of its environment, is all
    it takes: the next start plans again and serves the new values."""
    changed = tmp_path / "changed"
    changed.mkdir()
    changed = copy_stack("handwritten", changed)
    main = changed / "main.tf"
    text = main.read_text()
    main.write_text(
        text.replace("timeout          = 5", "timeout          = 8").replace(
            "memory_size      = 256", "memory_size      = 512"
        )
    )
    replanned, log = plan(changed, plan_cache, "greeting_style=shout")
    assert log.planned
    async with serving(replanned, api_name="chat") as (service, run):
        assert run.routes["say"].timeout == 8
        assert run.routes["say"].reserved_concurrency == 2
        answer = await ask(f"{service.websocket_url}?token=letmein", {"type": "say", "name": "ada"})
    assert answer["text"] == "HELLO, ADA"
    assert answer["memory_mb"] == 512
    assert 0 < answer["remaining_ms"] <= 8000


def test_functions_that_cannot_run_locally_are_named(planned: tuple[PlannedStack, PlanLog]) -> None:
    """A function from S3 and one from a container image are refused by name."""
    with pytest.raises(StackError) as refused:
        build_gateway(planned[0], GatewaySettings(port=0), api_name="legacy")
    message = str(refused.value)
    assert "aws_lambda_function.from_s3: a function whose code is in S3" in message
    assert "aws_lambda_function.from_image: a function from a container image" in message


def test_several_apis_need_a_choice(planned: tuple[PlannedStack, PlanLog]) -> None:
    """With two WebSocket APIs in the plan, the gateway asks which to serve, naming both."""
    with pytest.raises(StackError, match=r"several WebSocket APIs \(chat, legacy\); pick one"):
        build_gateway(planned[0], GatewaySettings(port=0))


async def test_connect_authorizer_comes_from_the_plan(
    planned: tuple[PlannedStack, PlanLog],
) -> None:
    """The plan's REQUEST authorizer guards `$connect`: no token 401, a wrong one 403, and
    the right one (read by the function from the parameter whose ARN the plan left unknown)
    connects."""
    async with serving(planned[0], api_name="chat") as (service, run):
        assert run.settings.authorizer.identity_sources == ("route.request.querystring.token",)
        for query, status in (("", 401), ("?token=guess", 403)):
            with pytest.raises(websockets.InvalidStatus) as refused:
                async with websockets.connect(service.websocket_url + query):
                    pass
            assert refused.value.response.status_code == status
        async with websockets.connect(f"{service.websocket_url}?token=letmein") as client:
            await client.send('{"type": "say", "name": "bob"}')
            assert "Hello, bob" in await client.recv()


def test_references_alone_link_the_stack(planned: tuple[PlannedStack, PlanLog]) -> None:
    """Without the stand-in's apply, the plan's own references link each route to its
    integration and function, `$connect` to its authorizer, and each variable unknown at
    plan time to the attribute it names."""
    plan = planned[0]
    stack = read_stack(
        plan.plan, directory=plan.directory, archives=plan.archives, work_root=plan.work_root
    )
    (chat,) = [api for api in stack.apis.values() if api.name == "chat"]
    assert chat.problems == ()
    say = chat.routes["say"]
    assert say.two_way_response
    assert say.function.address == "aws_lambda_function.chat"
    assert say.function.code_dir == plan.directory / "src"
    authorizer = chat.routes["$connect"].authorizer
    assert authorizer is not None
    assert authorizer.function.handler == "auth.authorize"
    environment = say.function.environment
    expected = {
        "TABLE_ARN": ("aws_dynamodb_table.messages", "arn"),
        "QUEUE_URL": ("aws_sqs_queue.jobs", "url"),
        "SAID_TOPIC_ARN": ("aws_sns_topic.said", "arn"),
        "SIGNATURE_SECRET": ("aws_secretsmanager_secret.signature", "arn"),
    }
    for name, (address, attribute) in expected.items():
        ref = environment[name]
        assert isinstance(ref, LocalRef)
        assert (ref.address, ref.attribute) == (address, attribute)
    assert environment["TABLE_NAME"] == "chat-messages"  # known at plan time
