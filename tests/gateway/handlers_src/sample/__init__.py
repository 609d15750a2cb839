"""Tiny handlers the gateway tests route to, each showing one API Gateway behaviour."""
