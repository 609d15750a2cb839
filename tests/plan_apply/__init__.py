"""Tests that run real Terraform core over the module, offline."""
