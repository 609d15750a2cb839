"""Handlers that show which execution environment ran them."""
