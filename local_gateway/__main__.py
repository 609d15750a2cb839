"""Run the local gateway: `python -m local_gateway --help`."""

import sys

from local_gateway.cli import main

sys.exit(main())
