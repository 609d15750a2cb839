"""Where this project's files are: the one definition of the repository root.

The gateway serves the module's own files from it (`lambda_src/`, the handlers and
their `contract.json`; `default_routes.json`), and the tools, the benchmark, the
stress runs and the tests import it from here rather than working it out again.
The gateway owns it because it is the part that will ship as a package: when it
does, this is the one place that learns where those files are installed.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["REPO_ROOT"]

REPO_ROOT = Path(__file__).resolve().parent.parent
