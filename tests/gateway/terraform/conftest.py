"""Fixtures for serving Terraform stacks: plans made once per module, gateways per test.

A plan costs a Terraform run through the stand-in providers (several seconds), so each
stack is planned once per test module into a cache folder of that module, and every
test builds its gateway (and its moto resources) from that plan.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import websockets

from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings
from local_gateway.terraform_source import PlannedStack, PlanRequest, plan_stack
from local_gateway.terraform_stack import TerraformRun, build_gateway

FIXTURES = Path(__file__).parent / "fixtures"

# A lock file as `terraform init` writes it when it installed aws 5.82.0, a version the
# schema folder has no file for.
LOCK_FILE = """\
provider "registry.terraform.io/hashicorp/aws" {
  version     = "5.82.0"
  constraints = ">= 5.80.0, < 7.0.0"
  hashes = [
    "h1:placeholder-the-local-gateway-never-checks-it=",
  ]
}
"""
STATE_FILE = '{"version": 4, "serial": 7, "lineage": "the team\'s own state"}\n'


def copy_stack(name: str, into: Path) -> Path:
    """A copy of fixture stack `name` with a lock file and a state of its own, as a team has."""
    stack = into / name
    shutil.copytree(FIXTURES / name, stack, ignore=shutil.ignore_patterns("__pycache__", ".build"))
    (stack / ".terraform.lock.hcl").write_text(LOCK_FILE)
    (stack / "terraform.tfstate").write_text(STATE_FILE)
    return stack


class PlanLog:
    """Collects what planning says, to tell a fresh plan from the cache's."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)

    @property
    def planned(self) -> bool:
        return any(line.startswith("planning ") for line in self.lines)


def plan(directory: Path, cache: Path, *variables: str) -> tuple[PlannedStack, PlanLog]:
    """Plan `directory` into `cache` with `-var`s, returning the plan and what was said."""
    log = PlanLog()
    request = PlanRequest(directory=directory, cache_dir=cache, variables=variables)
    return plan_stack(request, log=log), log


@pytest.fixture(scope="module")
def plan_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One plan cache per test module, so a second plan of the same input is a cache hit."""
    return tmp_path_factory.mktemp("plan-cache")


@asynccontextmanager
async def serving(
    planned: PlannedStack, *, api_name: str | None = None, **settings: Any
) -> AsyncIterator[tuple[GatewayService, TerraformRun]]:
    """Serve a planned stack on a free port, with its moto resources; stop both afterwards."""
    base = GatewaySettings(port=0, reload_interval=None, **settings)
    run = build_gateway(planned, base, api_name=api_name)
    try:
        async with GatewayService(settings=run.settings, routes=run.routes) as service:
            yield service, run
    finally:
        run.close()


async def ask(url: str, message: dict[str, Any]) -> dict[str, Any]:
    """Connect, send one message, return the JSON of the first answer."""
    async with websockets.connect(url) as client:
        await client.send(json.dumps(message))
        return json.loads(await asyncio.wait_for(client.recv(), 30))
