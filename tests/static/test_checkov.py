"""checkov passes the module with every skip justified, and would catch a regression.

`make lint` runs the same scan; these tests add that it is offline, that
every skip carries its reason, and that checkov really fails a weakened module.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from local_gateway.paths import REPO_ROOT
from tools.tfconfig import MODULE_DIRS

CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
SKIP = re.compile(r"^\s*#checkov:skip=(CKV2?_AWS_\d+):(?P<reason>.+)$")
RESOURCE_HEADER = re.compile(r'^resource "[a-z0-9_]+" "[a-z0-9_]+" \{$')

needs_checkov = pytest.mark.skipif(
    not CHECKOV.exists(), reason="no .venv-checkov yet: `make lint` creates it and runs checkov"
)


def _checkov(directory: Path) -> dict[str, Any]:
    """Run checkov offline over `directory` as `make lint` does; return its JSON report."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    done = subprocess.run(
        [
            str(CHECKOV),
            *("--directory", str(directory), "--skip-path", "tests"),
            *("--framework", "terraform", "--skip-download"),
            *("--download-external-modules", "false", "--output", "json"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return json.loads(done.stdout)


def _skip_lines() -> list[tuple[str, int, list[str]]]:
    """Each `.tf` file with a checkov skip: its path, the skip's line index, all its lines."""
    found = []
    for module in MODULE_DIRS:
        for path in sorted((REPO_ROOT / module).glob("*.tf")):
            lines = path.read_text(encoding="utf-8").splitlines()
            found += [
                (str(path.relative_to(REPO_ROOT)), index, lines)
                for index, line in enumerate(lines)
                if "checkov:skip" in line
            ]
    return found


def test_every_skip_sits_on_its_resource_with_a_reason() -> None:
    """Each skip names one check and a reason of a sentence, inside the resource it exempts."""
    skips = _skip_lines()
    assert skips
    for path, index, lines in skips:
        match = SKIP.match(lines[index])
        assert match, f"{path}:{index + 1}: malformed skip"
        assert len(match["reason"].split()) >= 8, f"{path}:{index + 1}: give a real reason"
        header = index - 1
        while SKIP.match(lines[header]):
            header -= 1
        assert RESOURCE_HEADER.match(lines[header]), f"{path}:{index + 1}: not on a resource"


@needs_checkov
def test_module_and_examples_pass_checkov_with_every_skip_explained() -> None:
    """checkov finds no failed check and no parsing error; each skip carries its comment."""
    report = _checkov(REPO_ROOT)
    summary = report["summary"]
    assert summary["failed"] == 0, report["results"]["failed_checks"]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 0
    for skipped in report["results"]["skipped_checks"]:
        assert skipped["check_result"]["suppress_comment"], skipped["check_id"]


@needs_checkov
def test_checkov_fails_a_permission_any_api_could_use(tmp_path: Path) -> None:
    """Without its `source_arn`, the Lambda permission fails CKV_AWS_364: the scan is real."""
    module = tmp_path / "websocket-api"
    shutil.copytree(REPO_ROOT / "modules" / "websocket-api", module)
    main = module / "main.tf"
    source = main.read_text(encoding="utf-8")
    weakened = re.sub(r"^\s*source_arn\s*=.*\n", "", source, flags=re.MULTILINE)
    assert weakened != source
    main.write_text(weakened, encoding="utf-8")
    failed = {check["check_id"] for check in _checkov(module)["results"]["failed_checks"]}
    assert "CKV_AWS_364" in failed
