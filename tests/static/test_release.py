"""Release hygiene: one version, named by the changelog's newest release and its tag."""

from __future__ import annotations

import re
import tomllib

from local_gateway.paths import REPO_ROOT

# `## 0.1.0 (tag `v0.1.0`)`: a released version and the git tag that marks it.
RELEASE_HEADING = re.compile(r"^## (?P<version>\d+\.\d+\.\d+) \(tag `(?P<tag>[^`]+)`\)$")


def _version() -> str:
    with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def _headings() -> list[str]:
    text = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.startswith("## ")]


def test_newest_released_heading_is_the_projects_version() -> None:
    """CHANGELOG.md's newest release is pyproject.toml's version, tagged v<version>."""
    released = [RELEASE_HEADING.match(line) for line in _headings() if line != "## Unreleased"]
    assert released, "CHANGELOG.md names no release"
    assert all(released), f"a release heading is not `## X.Y.Z (tag `vX.Y.Z`)`: {_headings()}"
    newest = released[0]
    assert newest["version"] == _version(), "bump pyproject.toml's version with the changelog"
    assert newest["tag"] == f"v{newest['version']}"


def test_changelog_keeps_unreleased_on_top() -> None:
    """Changes since the last release go under `## Unreleased`, above every release."""
    assert _headings()[0] == "## Unreleased"


def test_version_is_written_in_pyproject_only() -> None:
    """No other packaging file repeats the version (setup.cfg, setup.py, a VERSION file)."""
    assert not [
        name
        for name in ("setup.cfg", "setup.py", "VERSION", "version.txt")
        if (REPO_ROOT / name).exists()
    ]
