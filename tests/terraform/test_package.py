"""`make package` builds the zip the module deploys: handlers in, tests and caches out."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.terraform.tfconfig import REPO_ROOT
from tools.package import build_zip, load_excludes


def _write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _source_tree(root: Path) -> Path:
    """A source dir holding code, a linked package, and everything the zip must leave out."""
    source = root / "src"
    _write(source / "app" / "__init__.py")
    _write(source / "app" / "handler.py", "def handler(event, context):\n    return {}\n")
    _write(source / "app" / "__pycache__" / "handler.cpython-311.pyc", "bytecode")
    _write(source / "app" / "tests" / "test_handler.py", "def test(): pass\n")
    _write(source / "app" / "test_inline.py", "def test(): pass\n")
    _write(source / "conftest.py")
    _write(source / ".pytest_cache" / "README.md")
    _write(root / "shared" / "util.py", "VALUE = 1\n")
    (source / "shared").symlink_to(root / "shared", target_is_directory=True)
    return source


def test_zip_keeps_code_and_drops_tests_and_caches(tmp_path: Path) -> None:
    """Only code goes in; caches, bytecode and tests stay out; linked packages are followed."""
    output = tmp_path / "out" / "code.zip"
    build_zip(_source_tree(tmp_path), output, load_excludes())
    with zipfile.ZipFile(output) as code:
        assert code.namelist() == ["app/__init__.py", "app/handler.py", "shared/util.py"]


def test_zip_is_byte_identical_whatever_the_file_times(tmp_path: Path) -> None:
    """Two builds of the same sources give the same bytes, entries mode 0644."""
    source = _source_tree(tmp_path)
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    build_zip(source, first, load_excludes())
    os.utime(source / "app" / "handler.py", (1_700_000_000, 1_700_000_000))
    build_zip(source, second, load_excludes())
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as code:
        assert {entry.external_attr >> 16 for entry in code.infolist()} == {0o100644}


def test_make_package_zips_every_handler_module(tmp_path: Path) -> None:
    """`python -m tools.package` zips lambda_src's modules and prints the path and size."""
    output = tmp_path / "lambda.zip"
    done = subprocess.run(
        [sys.executable, "-m", "tools.package", "--output", str(output)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.strip() == f"{output} {output.stat().st_size} bytes"
    package = REPO_ROOT / "lambda_src" / "websocket_handlers"
    expected = {f"websocket_handlers/{path.name}" for path in package.glob("*.py")}
    with zipfile.ZipFile(output) as code:
        names = set(code.namelist())
    assert expected <= names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
