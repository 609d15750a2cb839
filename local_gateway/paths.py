"""Where this project's files are: the one definition of the repository root.

The gateway serves the module's own files from it (`lambda_src/`, the handlers and
their `contract.json`; `default_routes.json`), and the tools, the benchmark, the
stress runs and the tests import it from here rather than working it out again.
The gateway owns it because it ships as a package (`pip install`, `pipx install`):
this is the one place that tells a checkout from an installed package and says where
each kind of file is in both (the handlers' package, the cache, the provider schemas).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = ["HANDLERS_ROOT", "IN_CHECKOUT", "REPO_ROOT", "cache_root", "default_schemas_dir"]

REPO_ROOT = Path(__file__).resolve().parent.parent

# A checkout has the module beside the package; an installed package (pip, pipx) has
# site-packages there, and the module's files come from the stack it serves.
IN_CHECKOUT = (REPO_ROOT / "main.tf").is_file() and (REPO_ROOT / "lambda_src").is_dir()


def _handlers_root() -> Path:
    """The import root of the handlers' package: `lambda_src/` in a checkout, else the
    folder the package was installed into (it ships beside the gateway)."""
    if IN_CHECKOUT:
        return REPO_ROOT / "lambda_src"
    spec = importlib.util.find_spec("websocket_handlers")
    if spec is None or spec.origin is None:
        raise ImportError("the websocket_handlers package is not installed beside local_gateway")
    return Path(spec.origin).resolve().parent.parent


# Where `websocket_handlers` (and its contract.json) is imported from.
HANDLERS_ROOT = _handlers_root()


def cache_root() -> Path:
    """Where plans, unpacked zips and provider launchers are kept between runs.

    `$WEBSOCKET_LOCAL_CACHE`, else `.build/websocket-local` in a checkout (ignored by
    git), else the user's cache folder (`$XDG_CACHE_HOME` or `~/.cache`).
    """
    configured = os.environ.get("WEBSOCKET_LOCAL_CACHE")
    if configured:
        return Path(configured)
    if IN_CHECKOUT:
        return REPO_ROOT / ".build" / "websocket-local"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "websocket-local"


def default_schemas_dir() -> Path | None:
    """The provider schema folder: `$PROVIDER_SCHEMAS_DIR`, else `../shared/provider-schemas`
    beside a checkout; None for an installed package, which is given one or reads the
    stack's own providers."""
    configured = os.environ.get("PROVIDER_SCHEMAS_DIR")
    if configured:
        return Path(configured)
    return REPO_ROOT.parent / "shared" / "provider-schemas" if IN_CHECKOUT else None
