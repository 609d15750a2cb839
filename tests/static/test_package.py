"""`make package` builds the zips the module deploys: handlers in, tests and caches out."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from local_gateway.paths import REPO_ROOT
from tools.package import build_layer_zip, build_zip, load_excludes


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


def test_layer_zip_holds_the_package_under_python_and_nothing_else(tmp_path: Path) -> None:
    """The layer holds each `.py` and `.json` file of the package under python/<package>/;
    tests, caches and other files stay out."""
    package = tmp_path / "src" / "pkg"
    _write(package / "__init__.py")
    _write(package / "data.json", "{}\n")
    _write(package / "sub" / "mod.py", "VALUE = 1\n")
    _write(package / "__pycache__" / "mod.cpython-312.pyc", "bytecode")
    _write(package / "tests" / "test_mod.py", "def test(): pass\n")
    _write(package / "tests" / "fixture.json", "{}\n")
    _write(package / "test_inline.py", "def test(): pass\n")
    _write(package / "conftest.py")
    _write(package / "README.md", "not code\n")
    build_layer_zip(package, tmp_path / "layer.zip", load_excludes())
    with zipfile.ZipFile(tmp_path / "layer.zip") as layer:
        assert layer.namelist() == [
            "python/pkg/__init__.py",
            "python/pkg/data.json",
            "python/pkg/sub/mod.py",
        ]
        assert layer.read("python/pkg/sub/mod.py") == b"VALUE = 1\n"
        assert layer.read("python/pkg/data.json") == b"{}\n"


def test_make_package_zips_every_handler_module(tmp_path: Path) -> None:
    """`python -m tools.package` zips lambda_src's modules and contract.json as code and
    as the layer, and prints each path and size."""
    output, layer_output = tmp_path / "lambda.zip", tmp_path / "layer.zip"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.package",
            f"--output={output}",
            f"--layer-output={layer_output}",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert done.stdout.splitlines() == [
        f"{output} {output.stat().st_size} bytes",
        f"{layer_output} {layer_output.stat().st_size} bytes",
    ]
    package = REPO_ROOT / "lambda_src" / "websocket_handlers"
    modules = sorted(path.name for path in package.glob("*.py"))
    files = sorted([*modules, "contract.json"])
    with zipfile.ZipFile(output) as code:
        names = set(code.namelist())
    assert {f"websocket_handlers/{name}" for name in files} <= names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    with zipfile.ZipFile(layer_output) as layer:
        assert layer.namelist() == [f"python/websocket_handlers/{name}" for name in files]
