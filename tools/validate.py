"""`make validate`: Terraform's own checks over every module of the project, offline.

Runs `terraform fmt -check -recursive`, then `init` + `validate` of the root
module, each submodule under `modules/` and each example under `examples/`, for
every AWS provider version `versions.tf` admits (6.47.0 and 5.100.0). Providers
come from a plugin cache or the registry when allowed, else from the stand-in
(see `tools/standin_workspace.py`); each line of output says which.

    python -m tools.validate [--aws-version 6.47.0] [--project DIR]
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from local_gateway.paths import REPO_ROOT
from local_gateway.standin.mirror import AWS_VERSIONS
from tools.standin_workspace import Workspace, choose_source, project_copy
from tools.terraform import run
from tools.tfconfig import module_dirs

__all__ = ["Failure", "check_module", "main", "validate_project"]


@dataclass(frozen=True)
class Failure:
    """One check that failed, with Terraform's own message."""

    check: str
    output: str


def check_module(workspace: Workspace, directory: str, aws_version: str) -> Failure | None:
    """Init and validate `directory` of `workspace` with AWS `aws_version`; print the result."""
    source = choose_source(aws_version)
    check = f"{directory} with aws {aws_version} ({source.description})"
    code, out, err = workspace.init(directory, aws_version, source)
    if code == 0:
        code, out, err = workspace.terraform(directory, "validate", "-no-color")
    print(f"{'ok  ' if code == 0 else 'FAIL'} {check}", flush=True)
    return None if code == 0 else Failure(check, (out + err).strip())


def validate_project(project: Path, aws_versions: tuple[str, ...] = AWS_VERSIONS) -> list[Failure]:
    """Run every check on `project` and return the failures (none when all pass)."""
    code, out, err = run([f"-chdir={project}", "fmt", "-check", "-recursive", "-no-color"])
    failures = [] if code == 0 else [Failure("terraform fmt -check -recursive", out + err)]
    print(f"{'ok  ' if code == 0 else 'FAIL'} terraform fmt -check -recursive", flush=True)
    # The versions side by side, each in a copy of its own: each initialised directory
    # pins that version, and the examples include the root module. Terraform and the
    # stand-in run in child processes, so two threads keep two cores busy.
    with ThreadPoolExecutor(max_workers=len(aws_versions) or 1) as pool:
        for version_failures in pool.map(partial(_check_version, project), aws_versions):
            failures.extend(version_failures)
    return failures


def _check_version(project: Path, aws_version: str) -> list[Failure]:
    """Init and validate every module of a copy of `project` with AWS `aws_version`."""
    with project_copy(project) as workspace:
        results = [check_module(workspace, d, aws_version) for d in module_dirs(workspace.root)]
    return [failure for failure in results if failure]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; exit status 1 when any check fails."""
    parser = argparse.ArgumentParser(prog="python -m tools.validate", description=__doc__)
    parser.add_argument(
        "--aws-version", action="append", choices=AWS_VERSIONS, help="default: each of them"
    )
    parser.add_argument("--project", type=Path, default=REPO_ROOT, help="default: this repo")
    args = parser.parse_args(argv)
    failures = validate_project(args.project, tuple(args.aws_version or AWS_VERSIONS))
    for failure in failures:
        print(f"\n--- {failure.check}\n{failure.output}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
