"""A stand-in Terraform provider for tests: real schemas, no cloud.

It speaks Terraform's plugin protocol (tfplugin6 over gRPC, go-plugin's
handshake and mutual TLS) and serves a provider's schema read from a
`terraform providers schema -json` file, so Terraform core checks a
configuration against it exactly as against the real provider. Plans and
applies echo the configuration with placeholders, judged by the rules in
`rules/`; README.md beside this file says what that can and cannot catch.
"""
