"""Fail early: a handler that cannot be imported, or a source folder that does not exist,
stops the gateway at start with the file and the error, before any client connects.

On AWS the same handler fails each invocation with `Runtime.ImportModuleError`; finding
it at start saves a round of connecting and reading logs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from local_gateway.invoker import StartupError
from local_gateway.paths import REPO_ROOT
from local_gateway.routes import Route, load_routes
from local_gateway.service import GatewayService
from local_gateway.settings import GatewaySettings


def broken_source(tmp_path: Path) -> Path:
    """A source folder whose `bad.handlers` has a syntax error on line 2."""
    package = tmp_path / "src" / "bad"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "handlers.py").write_text(
        "import json\ndef reply(event, context:\n", encoding="utf-8"
    )
    return tmp_path / "src"


async def test_a_syntax_error_stops_the_start_naming_file_and_line(tmp_path: Path) -> None:
    source = broken_source(tmp_path)
    routes = {**load_routes(), "bad": Route(key="bad", handler="bad.handlers.reply")}
    service = GatewayService(settings=GatewaySettings(port=0, source_dir=source), routes=routes)
    with pytest.raises(StartupError) as failed:
        await service.start()
    (problem,) = failed.value.problems
    assert problem.startswith("route bad: cannot import bad.handlers.reply: ")
    assert f"{source / 'bad' / 'handlers.py'}, line 2: SyntaxError" in problem
    assert service.core is None  # nothing was served
    await service.stop()


async def test_a_missing_function_and_a_missing_module_are_both_reported(
    source_dir: Path,
) -> None:
    """Every broken route is listed at once, not one per restart."""
    routes = {
        **load_routes(),
        "nofunction": Route(key="nofunction", handler="sample.handlers.absent"),
        "nomodule": Route(key="nomodule", handler="sample.nowhere.reply"),
    }
    service = GatewayService(settings=GatewaySettings(port=0, source_dir=source_dir), routes=routes)
    with pytest.raises(StartupError) as failed:
        await service.start()
    problems = sorted(failed.value.problems)
    assert len(problems) == 2
    assert "has no function 'absent'" in problems[0]
    assert problems[0].startswith("route nofunction: ")
    assert problems[1].startswith("route nomodule: ")
    assert f"module 'sample.nowhere' not found in {source_dir}" in problems[1]


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m local_gateway` as a user runs it; it must exit on its own."""
    return subprocess.run(
        [sys.executable, "-m", "local_gateway", "--port", "0", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_exits_non_zero_when_the_source_dir_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    done = run_cli("--source-dir", str(missing))
    assert done.returncode == 1
    assert f"code folder {missing} does not exist" in done.stderr


def test_cli_exits_non_zero_naming_the_broken_file(tmp_path: Path) -> None:
    source = broken_source(tmp_path)
    routes = tmp_path / "routes.json"
    routes.write_text('{"bad": {"handler": "bad.handlers.reply"}}', encoding="utf-8")
    done = run_cli("--source-dir", str(source), "--routes", str(routes), "--no-reload")
    assert done.returncode == 1
    assert "route bad: cannot import bad.handlers.reply" in done.stderr
    assert f"{source / 'bad' / 'handlers.py'}, line 2: SyntaxError" in done.stderr
