"""The `archive_file` data source: the zip the real hashicorp/archive 2.8 provider builds.

Same entries, names, order, timestamps and modes as the real provider (a
lexical walk of `source_dir` following symlinked directories, `excludes`
matched as doublestar globs against each path relative to `source_dir`, every
entry dated 1981-01-01). `source` blocks and `source_content` are written as
the provider writes them with Go's `zip.Writer.Create`
(internal/provider/zip_archiver.go, `ArchiveMultiple` and `ArchiveContent`, at
v2.8.0): sorted by file name, with no Unix mode and a zero MS-DOS date, and
`output_file_mode` not applied. The compressed bytes come from zlib rather than Go's
compress/flate, so the hashes are those of this zip, not byte-for-byte those
of the real provider's; they do change exactly when a packaged file changes.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["ArchiveError", "Entry", "build_zip", "glob_match", "read_archive_file"]

_ZIP_DATE = (1981, 1, 1, 0, 0, 0)
# What Go's zip.Writer.Create leaves in an entry's header: date and time 0, and
# the MS-DOS creator with no external attributes (so no Unix mode).
_ZERO_DOS_DATE = (1980, 0, 0, 0, 0, 0)
_MSDOS_CREATOR = 0
_UNIX_REGULAR_FILE = 0o100000
_UNIX_CREATOR = 3


class ArchiveError(ValueError):
    """The configuration cannot be archived; the message is shown to the Terraform user."""


@dataclass(frozen=True)
class Entry:
    """One file of the archive: its name inside the zip, its content and permission bits.

    `mode` is None for content given in the configuration (`source`,
    `source_content`), which the real provider writes with no file mode at all.
    """

    name: str
    content: bytes
    mode: int | None


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Translate a doublestar glob (`**`, `*`, `?`, `[...]`, `{a,b}`) into a regex."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith(("!", "^")) else body) + "]")
            i = end
        elif char == "{":
            end = pattern.index("}", i)
            alternatives = pattern[i + 1 : end].split(",")
            out.append("(?:" + "|".join(_glob_regex(a).pattern[:-2] for a in alternatives) + ")")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def glob_match(pattern: str, path: str) -> bool:
    """Tell whether slash-separated `path` matches doublestar glob `pattern`."""
    return bool(_glob_regex(pattern).match(path))


def _excluded(relative: str, excludes: list[str]) -> bool:
    return any(pattern and glob_match(pattern, relative) for pattern in excludes)


def _walk(root: Path, relative: str, excludes: list[str], follow_links: bool) -> list[Entry]:
    entries: list[Entry] = []
    for child in sorted(os.listdir(root / relative) if relative else os.listdir(root)):
        child_relative = f"{relative}/{child}" if relative else child
        path = root / child_relative
        if _excluded(child_relative, excludes):
            continue
        if path.is_dir():
            if path.is_symlink() and not follow_links:
                continue
            entries.extend(_walk(root, child_relative, excludes, follow_links))
        else:
            entries.append(Entry(child_relative, path.read_bytes(), path.stat().st_mode & 0o777))
    return entries


def _entries(config: dict[str, Any]) -> list[Entry]:
    """The files the configuration asks for, as the real provider picks them."""
    if config.get("source_dir") is not None:
        root = Path(config["source_dir"])
        if not root.is_dir():
            raise ArchiveError(f"could not archive missing directory: {root}")
        excludes = list(config.get("excludes") or [])
        follow = not config.get("exclude_symlink_directories")
        return _walk(root, "", excludes, follow)
    if config.get("source_file") is not None:
        path = Path(config["source_file"])
        if not path.is_file():
            raise ArchiveError(f"could not archive missing file: {path}")
        return [Entry(path.name, path.read_bytes(), path.stat().st_mode & 0o777)]
    if config.get("source_content_filename") is not None:
        content = (config.get("source_content") or "").encode()
        return [Entry(config["source_content_filename"], content, None)]
    sources = config.get("source") or []
    if sources:
        # A map from file name to content, as the provider builds it: one entry per
        # name, written in sorted order.
        contents = {source["filename"]: source["content"].encode() for source in sources}
        return [Entry(name, contents[name], None) for name in sorted(contents)]
    raise ArchiveError(
        "one of source, source_content_filename (with source_content), source_file, "
        "or source_dir must be specified"
    )


def build_zip(entries: list[Entry], output: Path, file_mode: int | None) -> None:
    """Write `entries` to `output` as a deterministic zip.

    `file_mode` (`output_file_mode`) applies to the files read from disk only, as in
    the real provider.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in entries:
            if entry.mode is None:
                info = zipfile.ZipInfo(entry.name, date_time=_ZERO_DOS_DATE)
                info.create_system = _MSDOS_CREATOR
            else:
                info = zipfile.ZipInfo(entry.name, date_time=_ZIP_DATE)
                info.create_system = _UNIX_CREATOR
                mode = entry.mode if file_mode is None else file_mode
                info.external_attr = (_UNIX_REGULAR_FILE | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, entry.content)
            if entry.mode is None:
                # writestr stamps 0o600 on an entry without attributes; they live in
                # the central directory, written from `info` when the archive closes.
                info.external_attr = 0


def read_archive_file(config: dict[str, Any]) -> dict[str, Any]:
    """Build the archive `config` describes and return the data source's full state.

    Raises:
        ArchiveError: the type is not zip, or the sources are missing or absent.
    """
    if config.get("type") != "zip":
        raise ArchiveError(f"the stand-in builds zip archives only, not {config.get('type')!r}")
    file_mode = config.get("output_file_mode")
    output = Path(config["output_path"])
    build_zip(_entries(config), output, int(file_mode, 8) if file_mode else None)
    data = output.read_bytes()
    sha256 = hashlib.sha256(data)
    sha512 = hashlib.sha512(data)
    sha1 = hashlib.sha1(data).hexdigest()
    return {
        **config,
        "id": sha1,
        "output_sha": sha1,
        "output_md5": hashlib.md5(data).hexdigest(),
        "output_sha256": sha256.hexdigest(),
        "output_base64sha256": base64.b64encode(sha256.digest()).decode(),
        "output_sha512": sha512.hexdigest(),
        "output_base64sha512": base64.b64encode(sha512.digest()).decode(),
        "output_size": len(data),
    }
