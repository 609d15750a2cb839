"""The module's handlers layer: on every function, whatever `lambda_source_dir` holds.

Each test plans (or applies) through real Terraform core, then opens the zips
Terraform built and imports every planned handler from them as Lambda would:
the function's code first, then the layer's `python/` folder.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.lambda_runtime import import_handlers
from tests.plan_apply.helpers import (
    AWS_VERSION,
    CONSUMER,
    account,
    apply,
    initialised,
    plan_json,
    resource_changes,
    terraform_ok,
)
from tools.package import layer_files, load_excludes
from tools.standin_workspace import Workspace, choose_source

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

OWN_CODE = "tests/plan_apply/fixtures/own_code"
CUSTOM_HANDLERS = "examples/custom-handlers"
LAYER = "module.websocket.aws_lambda_layer_version.handlers"
LAYER_ZIP = "module.websocket.data.archive_file.handlers_layer"
CODE_ZIP = "module.websocket.data.archive_file.lambda"


def values_by_address(root_module: dict[str, Any], mode: str) -> dict[str, dict[str, Any]]:
    """The values of the `managed` or `data` resources of a JSON module tree, by address."""
    found: dict[str, dict[str, Any]] = {}
    modules = [root_module]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        found.update(
            {r["address"]: r["values"] for r in module.get("resources", []) if r["mode"] == mode}
        )
    return found


def built_zip(workspace: Workspace, directory: str, plan: dict[str, Any], address: str) -> Path:
    """The zip an `archive_file` read during the plan wrote (its path is relative to
    `directory`); `address` may leave out the instance key of a single instance."""
    read = values_by_address(plan["prior_state"]["values"]["root_module"], "data")
    (values,) = [v for a, v in read.items() if a == address or a.startswith(f"{address}[")]
    return workspace.root / directory / values["output_path"]


def functions(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The planned functions' values, by route key."""
    return {
        address.split('"')[1]: change["change"]["after"]
        for address, change in resource_changes(plan).items()
        if address.endswith("aws_lambda_function.this")
    }


def assert_handlers_import(
    workspace: Workspace, directory: str, plan: dict[str, Any], tmp_path: Path
) -> None:
    """Every planned function's handler imports from the planned code zip and layer zip."""
    done = import_handlers(
        [function["handler"] for function in functions(plan).values()],
        function_zip=built_zip(workspace, directory, plan, CODE_ZIP),
        layer_zips=[built_zip(workspace, directory, plan, LAYER_ZIP)],
        workdir=tmp_path,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def own_code(shared_workspace: Workspace) -> Workspace:
    """A consumer whose lambda_source_dir holds no websocket_handlers, initialised."""
    return initialised(shared_workspace, OWN_CODE)


@pytest.fixture(scope="module")
def own_code_plan(own_code: Workspace) -> dict[str, Any]:
    """The plan of that consumer."""
    return plan_json(own_code, OWN_CODE)


def test_every_function_gets_the_layer_built_for_its_runtime(
    own_code_plan: dict[str, Any],
) -> None:
    """One layer version, for the functions' runtime and architecture, on every function."""
    layer = resource_changes(own_code_plan)[LAYER]["change"]["after"]
    assert layer["layer_name"] == "own-code-websocket-handlers"
    assert layer["compatible_runtimes"] == ["python3.12"]
    assert layer["compatible_architectures"] == ["arm64"]
    planned = functions(own_code_plan)
    assert set(planned) == {"$connect", "$disconnect", "$default", "hello"}
    calls = own_code_plan["configuration"]["root_module"]["module_calls"]["websocket"]["module"]
    layers = calls["module_calls"]["functions"]["expressions"]["layers"]
    assert "aws_lambda_layer_version.handlers.arn" in layers["references"]
    for address, change in resource_changes(own_code_plan).items():
        if address.endswith("aws_lambda_function.this"):
            assert change["change"]["after_unknown"]["layers"] == [True], address


def test_default_routes_import_from_the_layer_when_the_code_lacks_the_package(
    own_code: Workspace, own_code_plan: dict[str, Any], tmp_path: Path
) -> None:
    """The code zip holds only the consumer's package, yet the default routes' handlers
    and the consumer's own (which imports websocket_handlers) all import."""
    with zipfile.ZipFile(built_zip(own_code, OWN_CODE, own_code_plan, CODE_ZIP)) as code:
        assert {name.split("/")[0] for name in code.namelist()} == {"app"}
    assert_handlers_import(own_code, OWN_CODE, own_code_plan, tmp_path)


def test_custom_handlers_example_works_without_a_symlink(
    shared_workspace: Workspace, tmp_path: Path
) -> None:
    """examples/custom-handlers zips only its chat package; every route imports with the
    layer, as when the module comes from git or a registry."""
    plan = plan_json(initialised(shared_workspace, CUSTOM_HANDLERS), CUSTOM_HANDLERS)
    with zipfile.ZipFile(built_zip(shared_workspace, CUSTOM_HANDLERS, plan, CODE_ZIP)) as code:
        assert {name.split("/")[0] for name in code.namelist()} == {"chat"}
    assert set(functions(plan)) == {"$connect", "$disconnect", "$default", "broadcast"}
    assert_handlers_import(shared_workspace, CUSTOM_HANDLERS, plan, tmp_path)


def test_layer_zip_holds_the_package_code_and_contract_only(own_workspace: Workspace) -> None:
    """The layer holds python/websocket_handlers/*.py and contract.json, and nothing else
    (no caches, tests or other files), the same files as `make package`'s layer."""
    package = own_workspace.root / "lambda_src" / "websocket_handlers"
    real_files = sorted([*(path.name for path in package.glob("*.py")), "contract.json"])
    (package / "__pycache__").mkdir(exist_ok=True)
    (package / "__pycache__" / "echo.cpython-312.pyc").write_bytes(b"\0")
    (package / "tests").mkdir()
    (package / "tests" / "test_echo.py").write_text("def test(): pass\n")
    (package / "tests" / "event.json").write_text("{}\n")
    (package / "conftest.py").write_text("")
    (package / "NOTES.md").write_text("not code\n")
    plan = plan_json(initialised(own_workspace, CONSUMER), CONSUMER)
    with zipfile.ZipFile(built_zip(own_workspace, CONSUMER, plan, LAYER_ZIP)) as layer:
        names = layer.namelist()
        contract = layer.read("python/websocket_handlers/contract.json")
    assert names == [f"python/websocket_handlers/{name}" for name in real_files]
    assert contract == (package / "contract.json").read_bytes()
    assert names == [
        f"python/websocket_handlers/{name}" for name in layer_files(package, load_excludes())
    ]


def test_unimportable_handler_fails_the_plan_naming_route_and_handler(
    own_code: Workspace,
) -> None:
    """A handler whose module is neither in lambda_source_dir nor in the layer stops the
    plan with an error naming the route, the handler and the files looked for."""
    routes = {"shout": {"handler": "app.shout.handler"}, "chat": {"handler": "chat.x.handler"}}
    code, _out, err = own_code.terraform(
        OWN_CODE, "plan", "-input=false", "-no-color", f"-var=extra_routes={json.dumps(routes)}"
    )
    assert code != 0
    message = " ".join(err.split())
    assert "Resource precondition failed" in message
    assert "Route shout: Lambda could not import its handler app.shout.handler" in message
    assert "app/shout.py or app/shout/__init__.py" in message
    assert "Route chat: Lambda could not import its handler chat.x.handler" in message
    assert "Route hello" not in message


def layers_by_function(workspace: Workspace) -> dict[str, list[str]]:
    """Each applied function's `layers`, after checking each is the applied layer's ARN."""
    shown = terraform_ok(workspace.terraform(OWN_CODE, "show", "-json"))
    state = values_by_address(json.loads(shown)["values"]["root_module"], "managed")
    layers = {a: v["layers"] for a, v in state.items() if a.endswith("aws_lambda_function.this")}
    assert {tuple(value) for value in layers.values()} == {(state[LAYER]["arn"],)}
    return layers


@pytest.mark.skipif(
    not choose_source(AWS_VERSION).is_standin,
    reason="with real providers an apply would create real AWS resources",
)
def test_applied_functions_use_the_applied_layer_version(own_workspace: Workspace) -> None:
    """After an apply every function lists exactly the layer version's ARN; a change to
    the package then publishes a new version first and moves the functions to it."""
    initialised(own_workspace, OWN_CODE)
    apply(own_workspace, OWN_CODE)
    layers = layers_by_function(own_workspace)
    assert len(layers) == 4

    echo = own_workspace.root / "lambda_src" / "websocket_handlers" / "echo.py"
    echo.write_text(echo.read_text() + "\n# changed\n")
    changes = resource_changes(plan_json(own_workspace, OWN_CODE))
    assert changes[LAYER]["change"]["actions"] == ["create", "delete"]
    moved = {a: c["change"]["actions"] for a, c in changes.items() if a.endswith("function.this")}
    assert set(moved) == set(layers)
    assert {tuple(actions) for actions in moved.values()} == {("update",)}
    applied = len(account(own_workspace, OWN_CODE).log)
    apply(own_workspace, OWN_CODE)
    assert set(layers_by_function(own_workspace)) == set(layers)
    steps = [(e["type"], e["action"]) for e in account(own_workspace, OWN_CODE).log[applied:]]
    published = steps.index(("aws_lambda_layer_version", "create"))
    deleted = steps.index(("aws_lambda_layer_version", "delete"))
    moves = [i for i, step in enumerate(steps) if step == ("aws_lambda_function", "update")]
    assert len(moves) == 4
    assert published < min(moves)
    assert max(moves) < deleted
