"""Import handlers from the zips a stack deploys, as Lambda's Python runtime does.

Lambda unpacks the function's zip into /var/task and its layers, in merge
order, into /opt (a later layer's file replacing an earlier one's), then
searches /var/task first, /opt/python next, the runtime's own libraries last
(Lambda developer guide, "Dependency search path and runtime-included
libraries", https://docs.aws.amazon.com/lambda/latest/dg/python-package.html,
and "Adding layers to functions" for the merge order). Each check runs in a
fresh interpreter with that search path and the environment the module sets,
as a cold start does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = ["import_handlers"]

# Imports every handler named on the command line and fails naming the first
# one that is missing or not callable.
_IMPORT_HANDLERS = """
import importlib, sys
for handler in sys.argv[1:]:
    module_name, _, function_name = handler.rpartition(".")
    function = getattr(importlib.import_module(module_name), function_name, None)
    if not callable(function):
        sys.exit(f"{handler} is not a callable")
"""

# The environment the module sets on every function, plus the region Lambda sets.
_LAMBDA_ENVIRONMENT = {
    "CONNECTIONS_TABLE": "websocket-test-connections",
    "CONNECTION_TTL_SECONDS": "7200",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
}


def import_handlers(
    handlers: Iterable[str], *, function_zip: Path, layer_zips: Sequence[Path], workdir: Path
) -> subprocess.CompletedProcess[str]:
    """Unpack the zips under `workdir` and import each handler; returncode 0 when all import."""
    task, opt = workdir / "task", workdir / "opt"
    with zipfile.ZipFile(function_zip) as code:
        code.extractall(task)
    opt.mkdir(parents=True, exist_ok=True)
    for layer_zip in layer_zips:
        with zipfile.ZipFile(layer_zip) as layer:
            layer.extractall(opt)
    inherited = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    # `python -c` searches its working directory first, then PYTHONPATH.
    return subprocess.run(
        [sys.executable, "-c", _IMPORT_HANDLERS, *handlers],
        cwd=task,
        env={**inherited, **_LAMBDA_ENVIRONMENT, "PYTHONPATH": str(opt / "python")},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
