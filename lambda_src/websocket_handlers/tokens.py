"""Signed connection tokens: mint, verify, and the secret they are signed with.

A token is two base64url segments (RFC 4648, section 5, no padding) joined by a
dot: a JSON payload and the HMAC-SHA256 (RFC 2104) of that first segment under a
shared secret. The payload holds `sub` (who), `iat` and `exp` (issued and expiry,
whole epoch seconds) and, optionally, `aud` (the API and stage it is meant for).
Nothing in it is secret: a client may read it, but cannot change it without the
secret. The standard library does all of it (`hmac`, `hashlib`, `base64`, `json`),
so the authorizer needs no runtime dependency.

The secret lives in SSM Parameter Store (a `SecureString`, read with
`GetParameter` and `WithDecryption`) or in Secrets Manager (`GetSecretValue`),
named by its ARN: the ARN's service picks which. Neither the Terraform module nor
its state ever holds the value. It must be at least 32 bytes: RFC 2104, section
3, advises keys no shorter than the hash's output, 32 bytes for SHA-256.

Run as `python -m websocket_handlers.tokens mint --subject alice --ttl 3600
(--secret-arn ARN [--endpoint-url URL] | --secret-value VALUE)` to mint a token
for local use; it reads the secret through the same code as the authorizer.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from websocket_handlers import clients

__all__ = [
    "MIN_SECRET_BYTES",
    "BadSignatureError",
    "Claims",
    "ExpiredTokenError",
    "InvalidTokenError",
    "MalformedTokenError",
    "SecretError",
    "main",
    "mint",
    "read_secret",
    "verify",
]

MIN_SECRET_BYTES = 32

# arn:<partition>:ssm:<region>:<account>:parameter/<name> and
# arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>.
_SECRET_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):(?P<service>ssm|secretsmanager):(?P<region>[a-z0-9-]+)"
    r":[0-9]{12}:(?:parameter/.+|secret:.+)"
)
_SUBJECT = re.compile(r"[^\x00-\x1f\x7f]{1,128}")


class InvalidTokenError(ValueError):
    """The token cannot be trusted; the client should get a new one."""


class MalformedTokenError(InvalidTokenError):
    """The token is not two base64url segments around a JSON payload of the expected shape."""


class BadSignatureError(InvalidTokenError):
    """The signature does not match: the token was altered or signed with another secret."""


class ExpiredTokenError(InvalidTokenError):
    """The token's `exp` has passed."""


class SecretError(RuntimeError):
    """The secret could not be read, or is too short to sign with."""


@dataclass(frozen=True)
class Claims:
    """What a verified token says.

    Attributes:
        subject: who the token was minted for, the connection's principal.
        issued_at: when it was minted, epoch seconds.
        expires_at: when it stops being accepted, epoch seconds.
        audience: the API and stage (`<api id>/<stage>`) it is for, or None for any.
    """

    subject: str
    issued_at: int
    expires_at: int
    audience: str | None = None


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(segment: str) -> bytes:
    if not segment or not re.fullmatch(r"[A-Za-z0-9_-]+", segment):
        raise MalformedTokenError("a token segment is empty or not base64url")
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError) as error:
        raise MalformedTokenError("a token segment is not base64url") from error


def _signature(secret: bytes, payload_segment: str) -> str:
    return _encode(hmac.new(secret, payload_segment.encode("ascii"), hashlib.sha256).digest())


def _checked_secret(secret: bytes) -> bytes:
    if len(secret) < MIN_SECRET_BYTES:
        raise SecretError(
            f"the signing secret is {len(secret)} bytes; HMAC-SHA256 needs at least "
            f"{MIN_SECRET_BYTES} (RFC 2104, section 3)"
        )
    return secret


def mint(
    secret: bytes, subject: str, ttl_seconds: int, *, now: float, audience: str | None = None
) -> str:
    """A token for `subject` that expires `ttl_seconds` after `now`.

    Raises:
        ValueError: the subject is empty, over 128 characters or has control
            characters, or the lifetime is not positive.
        SecretError: the secret is shorter than `MIN_SECRET_BYTES`.
    """
    if not _SUBJECT.fullmatch(subject):
        raise ValueError("the subject must be 1 to 128 characters without control characters")
    if ttl_seconds <= 0:
        raise ValueError("the token's lifetime must be a positive number of seconds")
    payload: dict[str, Any] = {"sub": subject, "iat": int(now), "exp": int(now) + ttl_seconds}
    if audience is not None:
        payload["aud"] = audience
    segment = _encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{segment}.{_signature(_checked_secret(secret), segment)}"


def verify(token: str, secret: bytes, *, now: float) -> Claims:
    """The claims of `token` if `secret` signed it and it has not expired.

    The signature is compared in constant time (`hmac.compare_digest`) and checked
    before the payload is parsed, so nothing a forger wrote is interpreted.

    Raises:
        MalformedTokenError: not the token format, or a payload without a string
            `sub` and whole-number `iat` and `exp`.
        BadSignatureError: altered, or signed with another secret.
        ExpiredTokenError: `exp` is not after `now`.
        SecretError: the secret is shorter than `MIN_SECRET_BYTES`.
    """
    parts = token.split(".")
    if len(parts) != 2:
        raise MalformedTokenError("a token is two base64url segments joined by one dot")
    segment, signature = parts
    _decode(signature)
    if not hmac.compare_digest(_signature(_checked_secret(secret), segment), signature):
        raise BadSignatureError("the token's signature does not match")
    try:
        payload = json.loads(_decode(segment))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedTokenError("the token's payload is not JSON") from error
    if not isinstance(payload, dict):
        raise MalformedTokenError("the token's payload is not a JSON object")
    subject, issued, expires = payload.get("sub"), payload.get("iat"), payload.get("exp")
    audience = payload.get("aud")
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
        raise MalformedTokenError("the token has no valid sub")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (issued, expires)):
        raise MalformedTokenError("the token's iat and exp must be whole epoch seconds")
    if audience is not None and not isinstance(audience, str):
        raise MalformedTokenError("the token's aud must be a string")
    if expires <= int(now):
        raise ExpiredTokenError(f"the token expired at {expires}")
    return Claims(subject=subject, issued_at=issued, expires_at=expires, audience=audience)


def read_secret(secret_arn: str, *, endpoint_url: str | None = None) -> bytes:
    """The signing secret stored at `secret_arn`, an SSM parameter or a Secrets Manager secret.

    The client is made for the ARN's own region, so a secret in another region
    than the function's is read where it lives. SSM's GetParameter and Secrets
    Manager's GetSecretValue both accept the full ARN as the name.

    Raises:
        SecretError: the ARN names neither, the call failed, or the value is
            empty or shorter than `MIN_SECRET_BYTES`.
    """
    match = _SECRET_ARN.fullmatch(secret_arn)
    if match is None:
        raise SecretError(
            f"{secret_arn!r} is neither an SSM parameter ARN (arn:aws:ssm:<region>:<account>:"
            "parameter/<name>) nor a Secrets Manager secret ARN (arn:aws:secretsmanager:"
            "<region>:<account>:secret:<name>)"
        )
    service, region = match["service"], match["region"]
    client = clients.client(service, endpoint_url=endpoint_url, region=region)
    try:
        if service == "ssm":
            value: str | bytes = client.get_parameter(Name=secret_arn, WithDecryption=True)[
                "Parameter"
            ]["Value"]
        else:
            answer = client.get_secret_value(SecretId=secret_arn)
            value = answer.get("SecretString") or answer.get("SecretBinary") or b""
    except (BotoCoreError, ClientError) as error:
        raise SecretError(f"reading {secret_arn} failed: {error}") from error
    return _checked_secret(value.encode("utf-8") if isinstance(value, str) else value)


def main(argv: Sequence[str] | None = None) -> int:
    """The `mint` command: print a token for local use."""
    parser = argparse.ArgumentParser(
        prog="python -m websocket_handlers.tokens",
        description="Mint a signed token for the example $connect authorizer.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    mint_command = commands.add_parser("mint", help="print a new token")
    mint_command.add_argument("--subject", required=True, help="who the token is for")
    mint_command.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    mint_command.add_argument("--audience", help="<api id>/<stage> the token is for")
    source = mint_command.add_mutually_exclusive_group(required=True)
    source.add_argument("--secret-arn", help="SSM parameter or Secrets Manager secret ARN")
    source.add_argument("--secret-value", help="the secret itself (local use only)")
    mint_command.add_argument(
        "--endpoint-url", help="SSM or Secrets Manager endpoint, such as a local emulator's"
    )
    args = parser.parse_args(argv)
    try:
        secret = (
            read_secret(args.secret_arn, endpoint_url=args.endpoint_url)
            if args.secret_arn
            else args.secret_value.encode("utf-8")
        )
        token = mint(secret, args.subject, args.ttl, now=time.time(), audience=args.audience)
    except (SecretError, ValueError) as error:
        parser.exit(2, f"error: {error}\n")
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())
