"""Authorizers for the gateway's `$connect` authorization tests."""
