"""Build the Lambda zip exactly as the Terraform module's `archive_file` does.

`make package` runs this to show what would be deployed and how large it is,
without Terraform. The exclusion patterns are read from `lambda_excludes.json`,
the same file the module passes to `archive_file`, so the two cannot drift.
The zip is deterministic: sorted entries, fixed timestamps and mode 0644, so
that the same sources always give the same bytes.

    python -m tools.package [--source-dir DIR] [--output FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["build_zip", "is_excluded", "load_excludes", "main", "package_files"]

REPO_ROOT = Path(__file__).resolve().parent.parent
EXCLUDES_FILE = REPO_ROOT / "lambda_excludes.json"
DEFAULT_SOURCE_DIR = REPO_ROOT / "lambda_src"
DEFAULT_OUTPUT = REPO_ROOT / ".build" / "lambda.zip"

# The earliest time a zip entry can carry; any fixed value keeps hashes stable.
_FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644  # regular file, rw-r--r--, as output_file_mode = "0644"


def load_excludes(path: Path = EXCLUDES_FILE) -> list[str]:
    """Read the glob patterns (relative to the source dir) that the zip leaves out."""
    return list(json.loads(path.read_text(encoding="utf-8")))


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a doublestar glob, as archive_file's `excludes` takes, to a regex.

    `**/` matches any number of directories (none included), `*` and `?` stay
    within one path segment.
    """
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts) + r"\Z")


def is_excluded(relative_path: str, patterns: Sequence[str]) -> bool:
    """Whether a path (relative to the source dir, `/`-separated) matches a pattern."""
    return any(_glob_regex(pattern).match(relative_path) for pattern in patterns)


def package_files(source_dir: Path, patterns: Sequence[str]) -> Iterator[tuple[str, Path]]:
    """Yield `(name in the zip, file)` for every file kept, in sorted order.

    Symlinked directories are followed, as archive_file does, so that an
    example can link the module's handler package instead of copying it.
    """
    for directory, subdirectories, files in os.walk(source_dir, followlinks=True):
        relative_dir = Path(directory).relative_to(source_dir).as_posix()
        prefix = "" if relative_dir == "." else f"{relative_dir}/"
        subdirectories[:] = sorted(
            name for name in subdirectories if not is_excluded(prefix + name, patterns)
        )
        for name in sorted(files):
            if not is_excluded(prefix + name, patterns):
                yield prefix + name, Path(directory, name)


def build_zip(source_dir: Path, output: Path, patterns: Sequence[str]) -> int:
    """Write the zip of `source_dir` to `output` and return its size in bytes."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, path in package_files(source_dir, patterns):
            entry = zipfile.ZipInfo(name, date_time=_FIXED_DATE_TIME)
            entry.external_attr = _FILE_MODE << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    return output.stat().st_size


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
