"""Import a handler in a fresh interpreter, from the root of the zip, as Lambda does.

A cold start reads the environment once, at import; a fresh interpreter is the
only way to give each test its own, and to see a failing import as Lambda would.
"""

from __future__ import annotations

import os
import subprocess
import sys

from local_gateway.paths import REPO_ROOT

__all__ = ["run_in_fresh_interpreter"]

LAMBDA_SRC = REPO_ROOT / "lambda_src"


def run_in_fresh_interpreter(
    code: str, *, unset: tuple[str, ...] = (), **environment: str
) -> subprocess.CompletedProcess[str]:
    """Run `code` under this environment, minus `unset` and plus `environment`.

    The package comes from `lambda_src` as the working directory, as from the
    zip's root on Lambda, so `PYTHONPATH` is dropped too.
    """
    environ = {
        key: value for key, value in os.environ.items() if key not in unset and key != "PYTHONPATH"
    }
    environ.update(environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=LAMBDA_SRC,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
