"""Build the Lambda zips exactly as the Terraform module's `archive_file`s do.

`make package` runs this to show what would be deployed and how large it is,
without Terraform: the functions' code (a source dir) and the layer holding the
module's `websocket_handlers` package under `python/`. The exclusion patterns
are read from `lambda_excludes.json`, the same file the module reads, and both
zips are built by the stand-in provider's `archive_file` (the same walk, globs,
fixed dates and `source` entries), the code zip with the module's
`output_file_mode = "0644"`, so the two cannot drift; an offline plan test
compares the layer with the one Terraform builds.

    python -m tools.package [--source-dir DIR] [--output FILE] [--layer-output FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from local_gateway.paths import REPO_ROOT
from local_gateway.standin.archive import glob_match, read_archive_file

__all__ = ["LAYER_SUFFIXES", "build_layer_zip", "build_zip", "layer_files", "load_excludes", "main"]

EXCLUDES_FILE = REPO_ROOT / "lambda_excludes.json"
DEFAULT_SOURCE_DIR = REPO_ROOT / "lambda_src"
HANDLERS_PACKAGE_DIR = DEFAULT_SOURCE_DIR / "websocket_handlers"
DEFAULT_OUTPUT = REPO_ROOT / ".build" / "lambda.zip"
DEFAULT_LAYER_OUTPUT = REPO_ROOT / ".build" / "handlers-layer.zip"


def load_excludes(path: Path = EXCLUDES_FILE) -> list[str]:
    """Read the glob patterns (relative to the source dir) that the zip leaves out."""
    return list(json.loads(path.read_text(encoding="utf-8")))


def build_zip(source_dir: Path, output: Path, patterns: Sequence[str]) -> int:
    """Write the zip of `source_dir` to `output` and return its size in bytes."""
    state = read_archive_file(
        {
            "type": "zip",
            "source_dir": str(source_dir),
            "excludes": list(patterns),
            "output_file_mode": "0644",
            "output_path": str(output),
        }
    )
    return state["output_size"]


# The files of the package the layer holds: its code and its data (contract.json).
LAYER_SUFFIXES = (".py", ".json")


def layer_files(package_dir: Path, patterns: Sequence[str]) -> list[str]:
    """The package's `.py` and `.json` files the layer holds, relative to it, sorted.

    As the module selects them: every such file less those a pattern matches,
    or that lie under a folder a pattern matches.
    """
    kept = []
    paths = (p for p in package_dir.rglob("*") if p.is_file() and p.suffix in LAYER_SUFFIXES)
    for path in paths:
        relative = PurePosixPath(path.relative_to(package_dir).as_posix())
        candidates = [str(relative), *(str(parent) for parent in relative.parents if parent.parts)]
        if not any(glob_match(p, c) for p in patterns for c in candidates):
            kept.append(str(relative))
    return sorted(kept)


def build_layer_zip(package_dir: Path, output: Path, patterns: Sequence[str]) -> int:
    """Write the layer zip of `package_dir` (under `python/<package>/`) and return its size."""
    sources = [
        {
            "filename": f"python/{package_dir.name}/{relative}",
            "content": (package_dir / relative).read_text(encoding="utf-8"),
        }
        for relative in layer_files(package_dir, patterns)
    ]
    state = read_archive_file({"type": "zip", "source": sources, "output_path": str(output)})
    return state["output_size"]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: build both zips, print each path and size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--layer-output", type=Path, default=DEFAULT_LAYER_OUTPUT)
    args = parser.parse_args(argv)
    patterns = load_excludes()
    size = build_zip(args.source_dir, args.output, patterns)
    print(f"{args.output} {size} bytes")
    layer_size = build_layer_zip(HANDLERS_PACKAGE_DIR, args.layer_output, patterns)
    print(f"{args.layer_output} {layer_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
