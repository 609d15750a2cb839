"""Fixtures for running real Terraform core over the module, offline.

Each works in throw-away copies of the project (see
`tools/standin_workspace.py`): Terraform's working files never land in
the repo.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.plan_apply.helpers import CONSUMER, initialised, plan_json
from tools.standin_workspace import Workspace, project_copy


@pytest.fixture(scope="session")
def shared_workspace() -> Iterator[Workspace]:
    """One copy of the project for the tests that only plan (they change no file)."""
    with project_copy() as workspace:
        yield workspace


@pytest.fixture
def own_workspace() -> Iterator[Workspace]:
    """A copy of the project of a test's own, for tests that edit its files."""
    with project_copy() as workspace:
        yield workspace


@pytest.fixture
def other_workspace() -> Iterator[Workspace]:
    """A second project copy: another stack, another region, or another machine."""
    with project_copy() as workspace:
        yield workspace


@pytest.fixture(scope="session")
def complete_plan(shared_workspace: Workspace) -> dict[str, Any]:
    """The plan of `examples/complete`, as `terraform show -json` prints it."""
    initialised(shared_workspace, "examples/complete")
    return plan_json(shared_workspace, "examples/complete")


@pytest.fixture(scope="session")
def consumer(shared_workspace: Workspace) -> Workspace:
    """The minimal consumer configuration, initialised."""
    return initialised(shared_workspace, CONSUMER)


@pytest.fixture(scope="session")
def consumer_plan(consumer: Workspace) -> dict[str, Any]:
    """The plan of the minimal consumer with the default routes."""
    return plan_json(consumer, CONSUMER)


@pytest.fixture(scope="session")
def root_module(shared_workspace: Workspace) -> Workspace:
    """The module itself (the root directory), initialised, for planning it with `-var`."""
    return initialised(shared_workspace, ".")
