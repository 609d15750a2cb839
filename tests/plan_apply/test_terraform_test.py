"""The module's native `terraform test` files, `tests/*.tftest.hcl`, run by Terraform itself.

They plan the module with the AWS provider mocked, so they need its schema but no
credentials, and run unchanged against the real providers (`terraform init && terraform
test` in the module's root). Here they run in the session's copy of the project,
initialised against the providers `choose_source` picks (the stand-in's mirror offline);
the archive provider is not mocked, so the zips are built for real.
"""

from __future__ import annotations

import re

import pytest

from tests.plan_apply.helpers import source_path
from tools.standin_workspace import Workspace

TEST_FILES = sorted(source_path("..").glob("*.tftest.hcl"))


# Some twenty plans in one Terraform run: longer than the suite's usual limit
# on a machine busy with the other worker.
@pytest.mark.timeout(600)
def test_every_run_block_of_the_tftest_files_passes(root_module: Workspace) -> None:
    """`terraform test` passes every run block of tests/*.tftest.hcl, and finds them all."""
    code, out, err = root_module.terraform(".", "test", "-no-color")
    assert code == 0, f"terraform test exited {code}:\n{out}\n{err}"
    runs = sum(len(re.findall(r'^run "', file.read_text(), re.M)) for file in TEST_FILES)
    assert runs > 0, "no run blocks in tests/*.tftest.hcl"
    assert f"Success! {runs} passed, 0 failed." in out, out
