"""Run the stand-in provider: `python -m local_gateway.standin TYPE VERSION`.

Terraform starts this through the launcher in the generated mirror; see
`local_gateway/standin/mirror.py`.
"""

from __future__ import annotations

import argparse
import sys

from local_gateway.standin.plugin import serve
from local_gateway.standin.provider import StandinProvider, rpc_handler
from local_gateway.standin.schema import load_provider_schema


def main(argv: list[str] | None = None) -> int:
    """Serve provider TYPE at VERSION from its schema file until Terraform stops it."""
    parser = argparse.ArgumentParser(prog="python -m local_gateway.standin")
    parser.add_argument("type", help="provider type, e.g. aws")
    parser.add_argument("version", help="provider version whose schema to serve, e.g. 6.47.0")
    args = parser.parse_args(argv)
    provider = StandinProvider(
        schema=load_provider_schema(args.type, args.version), version=args.version
    )
    return serve(rpc_handler(provider))


if __name__ == "__main__":
    sys.exit(main())
