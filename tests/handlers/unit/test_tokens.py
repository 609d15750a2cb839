"""Signed tokens: what verifies, and each way a token is refused (no AWS)."""

from __future__ import annotations

import base64
import json

import pytest
from websocket_handlers import tokens

SECRET = b"s" * 32
NOW = 1_700_000_000


def _token(**overrides: object) -> str:
    return tokens.mint(SECRET, "alice", 3600, now=NOW, **overrides)


def test_a_fresh_token_verifies_with_its_claims() -> None:
    """A token verifies under its secret before expiry and says who and until when."""
    claims = tokens.verify(_token(audience="abc123/dev"), SECRET, now=NOW + 10)
    assert claims == tokens.Claims("alice", NOW, NOW + 3600, "abc123/dev")


def test_a_token_is_refused_from_its_expiry_on() -> None:
    """`exp` itself is already too late, as for JWT's exp (RFC 7519, 4.1.4)."""
    with pytest.raises(tokens.ExpiredTokenError):
        tokens.verify(_token(), SECRET, now=NOW + 3600)


def test_a_changed_payload_is_refused_even_with_a_later_expiry() -> None:
    """Editing the payload (a longer life, another subject) breaks the signature."""
    segment, signature = _token().split(".")
    payload = json.loads(base64.urlsafe_b64decode(segment + "=="))
    payload.update(sub="mallory", exp=NOW + 10**6)
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    with pytest.raises(tokens.BadSignatureError):
        tokens.verify(f"{forged}.{signature}", SECRET, now=NOW)


def test_a_token_signed_with_another_secret_is_refused() -> None:
    """Only the configured secret's signature is accepted."""
    with pytest.raises(tokens.BadSignatureError):
        tokens.verify(_token(), b"t" * 32, now=NOW)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!.!!", ".sig", "e30."])
def test_malformed_tokens_are_refused(token: str) -> None:
    """Anything but two base64url segments is malformed, never an exception of another kind."""
    with pytest.raises(tokens.InvalidTokenError):
        tokens.verify(token, SECRET, now=NOW)


def test_a_signed_payload_without_the_claims_is_malformed() -> None:
    """A correctly signed payload still needs a string sub and whole-number iat and exp."""
    segment = base64.urlsafe_b64encode(b'{"sub": "a", "exp": "later"}').rstrip(b"=").decode()
    signature = tokens._signature(SECRET, segment)
    with pytest.raises(tokens.MalformedTokenError):
        tokens.verify(f"{segment}.{signature}", SECRET, now=NOW)


def test_a_short_secret_is_refused_for_minting_and_verifying() -> None:
    """A key shorter than SHA-256's output is refused (RFC 2104, section 3)."""
    with pytest.raises(tokens.SecretError):
        tokens.mint(b"short", "alice", 60, now=NOW)
    with pytest.raises(tokens.SecretError):
        tokens.verify(_token(), b"short", now=NOW)


@pytest.mark.parametrize(("subject", "ttl"), [("", 60), ("a\nb", 60), ("x" * 129, 60), ("a", 0)])
def test_mint_refuses_bad_subjects_and_lifetimes(subject: str, ttl: int) -> None:
    """An empty, control-character or over-long subject, or no lifetime, is refused."""
    with pytest.raises(ValueError, match=r"subject|lifetime"):
        tokens.mint(SECRET, subject, ttl, now=NOW)


def test_mint_command_with_a_secret_value_prints_a_verifiable_token(capsys) -> None:
    """`python -m websocket_handlers.tokens mint --secret-value` prints one token."""
    assert tokens.main(["mint", "--subject", "bob", "--ttl", "60", "--secret-value", "k" * 32]) == 0
    token = capsys.readouterr().out.strip()
    assert (
        tokens.verify(
            token,
            b"k" * 32,
            now=json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["iat"],
        ).subject
        == "bob"
    )


def test_mint_command_refuses_a_short_secret_with_a_message(capsys) -> None:
    """A short secret ends the command with status 2 and the reason, not a traceback."""
    with pytest.raises(SystemExit) as exited:
        tokens.main(["mint", "--subject", "bob", "--secret-value", "short"])
    assert exited.value.code == 2
    assert "at least 32" in capsys.readouterr().err
