"""Terraform's plugin protocol 6 messages (`tfplugin6_pb2`), as pyvider ships them generated.

pyvider's package `__init__` imports provide.foundation to read its own version: about
0.18 s of CPU at every stand-in start, and Terraform starts each provider several times
per command (init, validate, plan and apply each start their own). The generated
bindings need nothing from it, so `pyvider` is registered here as a bare package of the
same folder, unless something imported it fully before, and the bindings load alone.
"""

from __future__ import annotations

import importlib.util
import sys
import types

__all__ = ["pb"]


def _bare_package(name: str) -> None:
    """Register the installed package `name` without running its `__init__`."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        raise ImportError(f"{name} is not installed as a package")
    package = types.ModuleType(name)
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__ = spec
    sys.modules[name] = package


_bare_package("pyvider")

from pyvider.protocols.tfprotov6.protobuf import tfplugin6_pb2 as pb  # noqa: E402
