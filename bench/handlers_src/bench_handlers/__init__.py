"""Handlers only the benchmark routes to: no AWS calls, so what is measured is the gateway."""
