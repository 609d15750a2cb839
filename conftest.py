"""Plugins the whole suite needs before any folder's conftest is read.

pytest-terraform checks for a Terraform binary while pytest configures itself; the
stand-in plugin hands it a shim first, so the suite starts without `terraform` on PATH.
"""

pytest_plugins = ["tools.standin_pytest_plugin"]
