"""The docs name what exists: every make target, and the READMEs they point to."""

from __future__ import annotations

import re

import pytest

from local_gateway.paths import REPO_ROOT


def _phony_targets() -> set[str]:
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    assert match, "the Makefile declares no .PHONY targets"
    return set(match.group(1).split())


def _readme_targets() -> set[str]:
    """The targets in the first column of README.md's table of make targets."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    rows = [line for line in readme.splitlines() if line.startswith("| `make ")]
    return {target for row in rows for target in re.findall(r"`make ([a-z-]+)`", row.split("|")[1])}


def test_readme_lists_every_make_target() -> None:
    """README.md's table of targets names each target of the Makefile, and no other."""
    assert _readme_targets() == _phony_targets()


def test_every_target_with_a_help_line_is_phony() -> None:
    """`make help` lists only declared targets, so the README's table covers it."""
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    helped = set(re.findall(r"^([a-z-]+):.*## ", makefile, re.MULTILINE))
    assert helped <= _phony_targets()


READMES = (
    "README.md",
    "bench/README.md",
    "local_gateway/README.md",
    "tests/README.md",
    "local_gateway/standin/README.md",
)


@pytest.mark.parametrize("readme", READMES)
def test_readme_links_resolve(readme: str) -> None:
    """Each relative link in a README names a file or folder of the repository."""
    path = REPO_ROOT / readme
    links = re.findall(r"\]\(([^)#:]+)\)", path.read_text(encoding="utf-8"))
    assert [link for link in links if not (path.parent / link).exists()] == []
