"""Notice changed files under the functions' code folders, by polling modification times.

Polling needs no dependency and works the same on every file system (bind mounts and
network drives included); a few hundred files cost well under a millisecond per poll.
What happens on a change is the invoker's business (`ProcessInvoker.reload`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["CodeSnapshot"]

# Folders whose files never change what a handler runs.
_SKIPPED_FOLDERS = {"__pycache__", "node_modules", ".git", ".mypy_cache", ".pytest_cache"}


def _scan(folder: Path, into: dict[str, tuple[int, int]]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return  # removed or unreadable meanwhile: seen as files gone
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in _SKIPPED_FOLDERS and not entry.name.startswith("."):
                _scan(Path(entry.path), into)
        elif entry.is_file() and not entry.name.endswith((".pyc", "~")):
            try:
                stat = entry.stat()
            except OSError:
                continue
            into[entry.path] = (stat.st_mtime_ns, stat.st_size)


class CodeSnapshot:
    """The files under some folders and their modification times, to compare with later.

    Args:
        folders: The function's code folder and the layers' folders.
    """

    def __init__(self, folders: Iterable[Path]) -> None:
        self._folders = list(dict.fromkeys(Path(folder) for folder in folders))
        self._files = self._take()

    def _take(self) -> dict[str, tuple[int, int]]:
        files: dict[str, tuple[int, int]] = {}
        for folder in self._folders:
            _scan(folder, files)
        return files

    def changes(self) -> list[str]:
        """Files added, changed or removed since the last call (or since creation)."""
        files = self._take()
        changed = sorted(
            path
            for path in files.keys() | self._files.keys()
            if files.get(path) != self._files.get(path)
        )
        self._files = files
        return changed
