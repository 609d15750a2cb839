"""`local_gateway.sigv4` against botocore's own signers, so compatibility with the SDKs is proven.

Requests are signed by `botocore.auth.SigV4Auth` (the `Authorization` header form) and
`botocore.auth.SigV4QueryAuth` (the presigned-query form), exactly as boto3 signs them,
then checked. Sources: IAM user guide, "Create a signed AWS API request" and
"Authenticating requests: using query parameters"; API Gateway developer guide, "Use
@connections commands in your backend service" (SigV4, `execute-api`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from local_gateway.sigv4 import SignatureRejected, check_signature, has_signature

_NOW = datetime(2026, 11, 26, 8, 0, 0, tzinfo=UTC)
_KNOWN = {"local": "local-secret"}
_URL = "https://127.0.0.1:8443/dev/%40connections/AbCdEfGhIjKlMnO%3D"


def _signed(
    method: str = "POST",
    url: str = _URL,
    body: bytes = b'{"hello": 1}',
    *,
    key: str = "local",
    secret: str = "local-secret",
    token: str | None = None,
    region: str = "us-east-1",
    service: str = "execute-api",
    when: datetime = _NOW,
    presign: int | None = None,
) -> AWSRequest:
    """A request signed by botocore at `when`, as boto3 would send it."""
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "text/plain"})
    credentials = Credentials(key, secret, token)
    signer = (
        SigV4QueryAuth(credentials, service, region, expires=presign)
        if presign is not None
        else SigV4Auth(credentials, service, region)
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
        signer.add_auth(request)
    return request


def _check(request: AWSRequest, *, now: datetime = _NOW, **overrides: object):
    """Check a botocore request the way the gateway sees it on the wire."""
    parts = urlsplit(request.url)
    headers = dict(request.headers.items())
    headers.setdefault("Host", parts.netloc)
    body = request.body or b""
    arguments = {
        "service": "execute-api",
        "region": "us-east-1",
        "credentials": _KNOWN,
        "now": now,
        **overrides,
    }
    return check_signature(
        request.method,
        parts.path,
        parts.query,
        headers,
        body if isinstance(body, bytes) else body.encode(),
        **arguments,  # type: ignore[arg-type]
    )


def test_header_signature_by_known_key_is_verified() -> None:
    """A boto3-style signed POST by a key the gateway knows passes, and says it was verified."""
    caller = _check(_signed())
    assert caller.verified
    assert not caller.presigned
    assert caller.access_key == "local"
    assert caller.identity() == {
        "accessKey": "local",
        "accountId": "123456789012",
        "caller": "local",
        "user": "local",
        "userArn": "arn:aws:iam::123456789012:user/local",
    }


def test_session_token_is_reported() -> None:
    """Temporary credentials sign with X-Amz-Security-Token, which the caller carries."""
    caller = _check(_signed(token="session-token-1"))
    assert caller.session_token == "session-token-1"


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_bodyless_methods_verify(method: str) -> None:
    """GET and DELETE @connections (empty payload hash) verify like POST."""
    assert _check(_signed(method, body=b"")).verified


def test_wrong_secret_is_refused_with_aws_message() -> None:
    """A known key with the wrong secret fails as AWS's InvalidSignatureException."""
    with pytest.raises(SignatureRejected) as rejected:
        _check(_signed(secret="not-the-secret"))
    assert rejected.value.error_type == "InvalidSignatureException"
    assert rejected.value.status == 403
    assert rejected.value.message.startswith(
        "The request signature we calculated does not match the signature you provided."
    )


def test_tampered_body_is_refused() -> None:
    """The payload hash is part of the signature: a changed body fails."""
    request = _signed()
    request.data = b'{"hello": 2}'
    with pytest.raises(SignatureRejected, match="does not match"):
        _check(request)


def test_tampered_path_is_refused() -> None:
    """The path is signed: the same signature for another connection id fails."""
    request = _signed()
    request.url = request.url.replace("AbCdEfGhIjKlMnO", "ZZZZZZZZZZZZZZZ")
    with pytest.raises(SignatureRejected, match="does not match"):
        _check(request)


def test_unknown_key_with_well_formed_signature_is_accepted_unverified() -> None:
    """Any local credentials work: an unknown key's well-formed signature is accepted."""
    caller = _check(_signed(key="AKIAMYOWNPROFILE", secret="whatever"))
    assert caller.access_key == "AKIAMYOWNPROFILE"
    assert not caller.verified


def test_unknown_key_refused_when_asked() -> None:
    """With accept_unknown_keys=False an unknown key gets UnrecognizedClientException."""
    with pytest.raises(SignatureRejected) as rejected:
        _check(_signed(key="AKIAUNKNOWN"), accept_unknown_keys=False)
    assert rejected.value.error_type == "UnrecognizedClientException"
    assert rejected.value.message == "The security token included in the request is invalid."


def test_missing_signature_is_missing_authentication_token() -> None:
    """No Authorization and no presigned query: AWS's "Missing Authentication Token"."""
    assert not has_signature({"Host": "x"}, "")
    with pytest.raises(SignatureRejected) as rejected:
        check_signature(
            "POST",
            "/dev/@connections/x",
            "",
            {"Host": "127.0.0.1"},
            b"hi",
            service="execute-api",
            region="us-east-1",
            credentials=_KNOWN,
            now=_NOW,
        )
    assert rejected.value.error_type == "MissingAuthenticationTokenException"
    assert rejected.value.message == "Missing Authentication Token"


def test_incomplete_authorization_names_every_missing_part() -> None:
    """A header without Credential/Signature/SignedHeaders or X-Amz-Date names each."""
    with pytest.raises(SignatureRejected) as rejected:
        check_signature(
            "GET",
            "/dev",
            "",
            {"Authorization": "AWS4-HMAC-SHA256 Foo=bar", "Host": "h"},
            b"",
            service="execute-api",
            region="us-east-1",
            credentials=_KNOWN,
            now=_NOW,
        )
    message = rejected.value.message
    assert rejected.value.error_type == "IncompleteSignatureException"
    for part in ("'Credential'", "'Signature'", "'SignedHeaders'", "'X-Amz-Date'"):
        assert part in message


@pytest.mark.parametrize("key", ["local", "AKIAUNKNOWN"])
def test_stale_signature_is_expired(key: str) -> None:
    """Signed more than 5 minutes ago: "Signature expired ... - 5 min.", known key or not."""
    with pytest.raises(SignatureRejected) as rejected:
        _check(_signed(key=key), now=_NOW + timedelta(minutes=6))
    assert rejected.value.error_type == "InvalidSignatureException"
    assert rejected.value.message.startswith("Signature expired: 20261126T080000Z")
    assert rejected.value.message.endswith("- 5 min.)")


@pytest.mark.parametrize(
    "amz_date", ["2026-11-26T08:00:00Z", "2026112T080000Z", "20261326T080000Z", "20261126T080000"]
)
def test_date_outside_the_basic_format_is_refused(amz_date: str) -> None:
    """X-Amz-Date is `yyyyMMdd'T'HHmmss'Z'` exactly, a real date ("Elements of an AWS API
    request signature", IAM user guide); anything else is named before any HMAC."""
    request = _signed()
    request.headers.replace_header("X-Amz-Date", amz_date)
    with pytest.raises(SignatureRejected) as rejected:
        _check(request)
    assert rejected.value.error_type == "IncompleteSignatureException"
    assert rejected.value.message == (
        f"X-Amz-Date must be in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z': '{amz_date}'."
    )


def test_future_signature_is_not_yet_current() -> None:
    """Signed more than 5 minutes ahead of the clock: "Signature not yet current"."""
    with pytest.raises(SignatureRejected, match="Signature not yet current"):
        _check(_signed(), now=_NOW - timedelta(minutes=6))


def test_within_skew_is_accepted() -> None:
    """A 4-minute-old signature is still fresh."""
    assert _check(_signed(), now=_NOW + timedelta(minutes=4)).verified


@pytest.mark.parametrize("key", ["local", "AKIAUNKNOWN"])
def test_wrong_region_is_refused(key: str) -> None:
    """A signature scoped to another region fails, whether or not the key is known."""
    with pytest.raises(SignatureRejected, match="scoped to a valid region, not 'eu-west-1'"):
        _check(_signed(key=key, region="eu-west-1"))


def test_wrong_service_is_refused() -> None:
    """A signature scoped to another service (say, a Lambda client's) fails."""
    with pytest.raises(SignatureRejected, match="correct service: 'execute-api'"):
        _check(_signed(key="AKIAUNKNOWN", service="lambda"))


def test_presigned_query_by_known_key_is_verified() -> None:
    """A URL presigned by SigV4QueryAuth (as for an AWS_IAM $connect) verifies."""
    request = _signed("GET", "https://127.0.0.1:8080/dev?room=blue", body=b"", presign=60)
    caller = _check(request)
    assert caller.presigned
    assert caller.verified


def test_presigned_query_expires() -> None:
    """A presigned URL past X-Amz-Expires is refused as expired."""
    request = _signed("GET", "https://127.0.0.1:8080/dev", body=b"", presign=60)
    with pytest.raises(SignatureRejected, match="Signature expired"):
        _check(request, now=_NOW + timedelta(seconds=61))


def test_presigned_query_with_changed_parameter_is_refused() -> None:
    """The query is signed: changing a parameter of a presigned URL fails."""
    request = _signed("GET", "https://127.0.0.1:8080/dev?room=blue", body=b"", presign=60)
    request.url = request.url.replace("room=blue", "room=red")
    with pytest.raises(SignatureRejected, match="does not match"):
        _check(request)


def test_parsed_headers_and_query_forms_are_accepted() -> None:
    """The gateway's multi-value headers and query (lists of values) check like raw ones."""
    request = _signed("GET", "https://127.0.0.1:8080/dev?room=blue&room=green", body=b"")
    parts = urlsplit(request.url)
    headers = {name: [value] for name, value in request.headers.items()}
    headers["Host"] = [parts.netloc]
    caller = check_signature(
        "GET",
        parts.path,
        {"room": ["blue", "green"]},
        headers,
        b"",
        service="execute-api",
        region="us-east-1",
        credentials=_KNOWN,
        now=_NOW,
    )
    assert caller.verified
