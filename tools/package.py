"""Build the Lambda zip exactly as the Terraform module's `archive_file` does.

`make package` runs this to show what would be deployed and how large it is,
without Terraform. The exclusion patterns are read from `lambda_excludes.json`,
the same file the module passes to `archive_file`, and the zip is built by the
stand-in provider's `archive_file` (the same walk, globs and fixed dates), with
the module's `output_file_mode = "0644"`, so the two cannot drift.

    python -m tools.package [--source-dir DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.standin_provider.archive import read_archive_file

__all__ = ["build_zip", "load_excludes", "main"]

REPO_ROOT = Path(__file__).resolve().parent.parent
EXCLUDES_FILE = REPO_ROOT / "lambda_excludes.json"
DEFAULT_SOURCE_DIR = REPO_ROOT / "lambda_src"
DEFAULT_OUTPUT = REPO_ROOT / ".build" / "lambda.zip"


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


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: build the zip, print its path and size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=DEFAULT_SOURCE_DIR)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    size = build_zip(args.source_dir, args.output, load_excludes())
    print(f"{args.output} {size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
