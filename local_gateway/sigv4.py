"""Checking AWS Signature Version 4 on an incoming request, as API Gateway's IAM auth does.

`@connections` is IAM-authorized on AWS ("Use @connections commands in your backend
service", API Gateway developer guide: the requests "use IAM authorization, so you must
sign them with Signature Version 4", and the caller needs `execute-api:ManageConnections`);
a route or `$connect` with `AWS_IAM` authorization is checked the same way. Both places
call `check_signature`.

Both forms of SigV4 are read (IAM user guide, "Create a signed AWS API request",
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html; Amazon S3
API reference, "Authenticating Requests: Using Query Parameters (AWS Signature Version
4)", https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html):

- the `Authorization: AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/aws4_request,
  SignedHeaders=..., Signature=...` header with `X-Amz-Date` (and `X-Amz-Security-Token`
  for temporary credentials);
- a presigned query: `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`,
  `X-Amz-SignedHeaders`, `X-Amz-Signature` (and `X-Amz-Security-Token`).

What "accepted" means locally, since there is no IAM here:

- A key the gateway knows (`credentials`: the dummy key it hands its functions, and any
  the user adds) must carry a signature whose HMAC verifies, as on AWS: a wrong secret, a
  tampered body, path or signed header is refused with AWS's `InvalidSignatureException`.
- A key the gateway does not know (your own profile's, a teammate's) cannot be verified,
  because its secret is not here; it is accepted when the signature is well formed: the
  algorithm is `AWS4-HMAC-SHA256`, the scope names this region, the service
  (`execute-api`) and `aws4_request`, its date is the request's date, the request is fresh
  (within 5 minutes, or within `X-Amz-Expires` for a presigned query), `host` is signed,
  and the signature is 64 hex digits. `SigV4Caller.verified` says which case it was.
  Pass `accept_unknown_keys=False` to refuse such keys with AWS's
  `UnrecognizedClientException` instead.

So code that signs the way an SDK does works unchanged against the gateway with any
credentials, and code that does not sign (a plain HTTP POST) fails here as on AWS.

The canonical request follows botocore's signer (`botocore.auth.SigV4Auth`), which the
tests use to sign: the path as sent, dot segments and repeated slashes removed, encoded
once more (every service but S3 double-encodes); query names and values encoded with
only `A-Za-z0-9-_.~` left bare and sorted; header values trimmed, inner runs of spaces
collapsed; the payload's SHA-256 (or `X-Amz-Content-Sha256` when sent). The path as
AWS's generic algorithm spells it (each decoded segment encoded twice) is accepted too, so
a signer that encodes `@` differently from botocore still verifies.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote

__all__ = [
    "ALGORITHM",
    "LOCAL_ACCOUNT_ID",
    "MAX_CLOCK_SKEW",
    "SigV4Caller",
    "SignatureRejected",
    "check_signature",
    "has_signature",
]

ALGORITHM = "AWS4-HMAC-SHA256"

# The account every local caller belongs to; the same as the one in the functions' ARNs.
LOCAL_ACCOUNT_ID = "123456789012"

# API Gateway refuses a signature dated more than 5 minutes from its clock, in either
# direction; its message says "(... - 5 min.)" ("An API request must reach AWS within 5
# minutes of the timestamp in the request", https://repost.aws/knowledge-center/lambda-sdk-signature;
# API Gateway users record the same InvalidSignatureException text).
MAX_CLOCK_SKEW = timedelta(minutes=5)

# A presigned URL lives at most 7 days: X-Amz-Expires from 1 to 604800 seconds (S3 API
# reference, "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)").
_MAX_EXPIRES = 604800

_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_UNRESERVED = "-_.~"
_HEX_SIGNATURE = re.compile(r"[0-9a-f]{64}")
# yyyyMMdd'T'HHmmss'Z', every field with all its digits (strptime would take "2024111").
_BASIC_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")
_SIGNED_HEADERS = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+(;[a-z0-9!#$%&'*+.^_`|~-]+)*")
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)

Headers = Mapping[str, str] | Mapping[str, Sequence[str]]
Query = str | Mapping[str, str] | Mapping[str, Sequence[str]] | Sequence[tuple[str, str]]


class SignatureRejected(Exception):  # noqa: N818 - the name the gateway's callers know
    """The request is not signed, or not signed acceptably: API Gateway answers 403.

    Attributes:
        error_type: The `x-amzn-ErrorType` AWS sends for this failure
            (`MissingAuthenticationTokenException`, `IncompleteSignatureException`,
            `InvalidSignatureException`, `UnrecognizedClientException`).
        message: The message AWS puts in the body, `{"message": ...}`.
        status: The HTTP status, 403 for all of them.
    """

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = 403


@dataclass(frozen=True, kw_only=True)
class SigV4Caller:
    """Who signed an accepted request, in the terms of an event's `requestContext.identity`.

    On AWS, `caller` and `user` are the principal's unique id and `userArn` its ARN; there
    is no IAM here, so the access key stands for the principal: `user` and `caller` are the
    access key id and `userArn` is `arn:aws:iam::<account>:user/<access key id>`.

    Attributes:
        access_key: The access key id from the credential scope.
        session_token: `X-Amz-Security-Token`, when temporary credentials signed.
        region: The scope's region.
        service: The scope's service (`execute-api`).
        signed_at: The request's `X-Amz-Date`.
        signed_headers: The lower-case names of the signed headers.
        presigned: Whether the signature came in the query rather than `Authorization`.
        verified: True when the key is one the gateway knows and the HMAC matched; False
            when the key is unknown and only the signature's form was checked.
        account_id: The account the caller is taken to belong to.
    """

    access_key: str
    session_token: str | None
    region: str
    service: str
    signed_at: datetime
    signed_headers: tuple[str, ...]
    presigned: bool
    verified: bool
    account_id: str = LOCAL_ACCOUNT_ID

    @property
    def user(self) -> str:
        """The principal's id as `requestContext.identity.user` carries it."""
        return self.access_key

    @property
    def caller(self) -> str:
        """The principal's id as `requestContext.identity.caller` carries it."""
        return self.access_key

    @property
    def user_arn(self) -> str:
        """The principal's ARN as `requestContext.identity.userArn` carries it."""
        return f"arn:aws:iam::{self.account_id}:user/{self.access_key}"

    def identity(self) -> dict[str, str]:
        """The IAM fields of `requestContext.identity` for an AWS_IAM-authorized request."""
        return {
            "accessKey": self.access_key,
            "accountId": self.account_id,
            "caller": self.caller,
            "user": self.user,
            "userArn": self.user_arn,
        }


@dataclass(frozen=True)
class _Signature:
    """The parts of a signature, from whichever form carried it."""

    access_key: str
    scope_date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    session_token: str | None
    expires: int | None  # presigned only


def _header_values(headers: Headers) -> dict[str, list[str]]:
    """Headers by lower-case name, each with all its values in order."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers.items():
        values = [value] if isinstance(value, str) else list(value)
        grouped.setdefault(name.lower(), []).extend(values)
    return grouped


def _query_pairs(query: Query) -> list[tuple[str, str]]:
    """The query as decoded name/value pairs, from a raw string or a parsed form."""
    if isinstance(query, str):
        return parse_qsl(query.lstrip("?"), keep_blank_values=True)
    if isinstance(query, Mapping):
        pairs: list[tuple[str, str]] = []
        for name, value in query.items():
            values = [value] if isinstance(value, str) else list(value)
            pairs.extend((name, item) for item in values)
        return pairs
    return [(name, value) for name, value in query]


def has_signature(headers: Headers, query: Query) -> bool:
    """Whether the request carries any SigV4 attempt (header or presigned query)."""
    if any(value.strip() for value in _header_values(headers).get("authorization", [])):
        return True
    return any(name == "X-Amz-Algorithm" for name, _ in _query_pairs(query))


def _scope(credential: str) -> tuple[str, str, str, str, str]:
    """Split `AKID/date/region/service/aws4_request`; the key itself may not hold `/`."""
    parts = credential.split("/")
    if len(parts) != 5 or not all(parts):
        raise SignatureRejected(
            "IncompleteSignatureException",
            f"Credential should have five slash-separated parts, "
            f"AKID/yyyymmdd/region/service/aws4_request: '{credential}'.",
        )
    access_key, date, region, service, terminator = parts
    return access_key, date, region, service, terminator


def _from_authorization(authorization: str, headers: dict[str, list[str]]) -> _Signature:
    """Read the `Authorization` header form; AWS names every missing part at once."""
    algorithm, _, rest = authorization.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureRejected(
            "IncompleteSignatureException",
            f"Authorization header requires the {ALGORITHM} algorithm, not '{algorithm}'.",
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, equals, value = part.strip().partition("=")
        if equals:
            fields[name.strip()] = value.strip()
    amz_date = (headers.get("x-amz-date") or [""])[0].strip()
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not fields.get(name)
    ]
    if not amz_date:
        problems.append("Authorization header requires existence of an 'X-Amz-Date' header.")
    if problems:
        raise SignatureRejected(
            "IncompleteSignatureException",
            " ".join(problems) + f" Authorization={authorization}",
        )
    token = headers.get("x-amz-security-token")
    return _Signature(
        *_scope(fields["Credential"]),
        signed_headers=_parse_signed_headers(fields["SignedHeaders"]),
        signature=fields["Signature"],
        amz_date=amz_date,
        session_token=token[0] if token else None,
        expires=None,
    )


def _from_query(pairs: list[tuple[str, str]]) -> _Signature:
    """Read the presigned-query form."""
    params = dict(pairs)
    required = (
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    )
    missing = [name for name in required if not params.get(name)]
    if missing:
        raise SignatureRejected(
            "IncompleteSignatureException",
            "A presigned request requires the query parameters " + ", ".join(missing) + ".",
        )
    if params["X-Amz-Algorithm"] != ALGORITHM:
        raise SignatureRejected(
            "IncompleteSignatureException",
            f"X-Amz-Algorithm must be {ALGORITHM}, not '{params['X-Amz-Algorithm']}'.",
        )
    try:
        expires = int(params["X-Amz-Expires"])
    except ValueError:
        expires = -1
    if not 1 <= expires <= _MAX_EXPIRES:
        raise SignatureRejected(
            "IncompleteSignatureException",
            f"X-Amz-Expires must be a whole number of seconds from 1 to {_MAX_EXPIRES}, "
            f"not '{params['X-Amz-Expires']}'.",
        )
    return _Signature(
        *_scope(params["X-Amz-Credential"]),
        signed_headers=_parse_signed_headers(params["X-Amz-SignedHeaders"]),
        signature=params["X-Amz-Signature"],
        amz_date=params["X-Amz-Date"],
        session_token=params.get("X-Amz-Security-Token"),
        expires=expires,
    )


def _parse_signed_headers(value: str) -> tuple[str, ...]:
    if not _SIGNED_HEADERS.fullmatch(value):
        raise SignatureRejected(
            "IncompleteSignatureException",
            f"SignedHeaders must be lower-case header names separated by ';': '{value}'.",
        )
    return tuple(value.split(";"))


def _parse_date(value: str) -> datetime:
    fields = _BASIC_DATE.fullmatch(value)
    try:
        if fields is None:
            raise ValueError(value)
        return datetime(*(int(field) for field in fields.groups()), tzinfo=UTC)
    except ValueError:
        raise SignatureRejected(
            "IncompleteSignatureException",
            f"X-Amz-Date must be in the ISO 8601 basic format yyyyMMdd'T'HHmmss'Z': '{value}'.",
        ) from None


def _check_form(signed: _Signature, *, service: str, region: str, now: datetime) -> datetime:
    """Everything but the HMAC: scope, algorithm, freshness, `host` signed; the request time."""
    signed_at = _parse_date(signed.amz_date)
    if signed.terminator != "aws4_request":
        raise SignatureRejected(
            "IncompleteSignatureException",
            f"Credential should be scoped with a valid terminator: 'aws4_request', "
            f"not '{signed.terminator}'.",
        )
    if signed.scope_date != signed.amz_date[:8]:
        raise SignatureRejected(
            "InvalidSignatureException",
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
            f"date from HTTP: '{signed.scope_date}' != '{signed.amz_date[:8]}', from "
            f"ISO-8601 string: '{signed.amz_date}'.",
        )
    if signed.service != service:
        raise SignatureRejected(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{service}'. ",
        )
    if signed.region != region:
        raise SignatureRejected(
            "InvalidSignatureException",
            f"Credential should be scoped to a valid region, not '{signed.region}'. ",
        )
    if "host" not in signed.signed_headers:
        raise SignatureRejected(
            "InvalidSignatureException", "'Host' must be a 'SignedHeader' in the AWS Authorization."
        )
    stamp = functools.partial(now.strftime, _DATE_FORMAT)  # for the messages only
    if signed.expires is not None:
        if now > signed_at + timedelta(seconds=signed.expires):
            raise SignatureRejected(
                "InvalidSignatureException",
                f"Signature expired: {signed.amz_date} is now earlier than "
                f"{(now - timedelta(seconds=signed.expires)).strftime(_DATE_FORMAT)} "
                f"({stamp()} - {signed.expires} sec.)",
            )
    elif signed_at < now - MAX_CLOCK_SKEW:
        raise SignatureRejected(
            "InvalidSignatureException",
            f"Signature expired: {signed.amz_date} is now earlier than "
            f"{(now - MAX_CLOCK_SKEW).strftime(_DATE_FORMAT)} ({stamp()} - 5 min.)",
        )
    if signed_at > now + MAX_CLOCK_SKEW:
        raise SignatureRejected(
            "InvalidSignatureException",
            f"Signature not yet current: {signed.amz_date} is still later than "
            f"{(now + MAX_CLOCK_SKEW).strftime(_DATE_FORMAT)} ({stamp()} + 5 min.)",
        )
    if not _HEX_SIGNATURE.fullmatch(signed.signature):
        raise SignatureRejected("InvalidSignatureException", _MISMATCH)
    return signed_at


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal, with empty segments dropped as AWS's services do."""
    output: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if output:
                output.pop()
        else:
            output.append(segment)
    trailing = "/" if path.endswith("/") and output else ""
    return "/" + "/".join(output) + trailing


@functools.lru_cache(maxsize=1024)  # a connection's sends repeat its path
def _canonical_paths(path: str) -> tuple[str, ...]:
    """The canonical URIs to try: botocore's (the path as sent, encoded once more), then
    AWS's generic one (each decoded segment encoded twice)."""
    raw = path.split("?", 1)[0] or "/"
    normalized = _remove_dot_segments(raw)
    as_sent = quote(normalized, safe="/~")
    segments = [
        quote(quote(unquote(part), safe=_UNRESERVED), safe=_UNRESERVED)
        for part in normalized.split("/")
    ]
    generic = "/".join(segments)
    return (as_sent,) if generic == as_sent else (as_sent, generic)


def _canonical_query(pairs: list[tuple[str, str]]) -> str:
    encoded = sorted(
        (quote(name, safe=_UNRESERVED), quote(value, safe=_UNRESERVED))
        for name, value in pairs
        if name != "X-Amz-Signature"
    )
    return "&".join(f"{name}={value}" for name, value in encoded)


def _canonical_headers(signed: _Signature, headers: dict[str, list[str]]) -> str:
    lines = []
    for name in signed.signed_headers:
        values = headers.get(name)
        if values is None:
            raise SignatureRejected("InvalidSignatureException", _MISMATCH)
        lines.append(f"{name}:" + ",".join(" ".join(value.split()) for value in values))
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=64)  # the same key signs all day
def _signing_key(secret: str, scope_date: str, region: str, service: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (scope_date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _hmac_matches(
    signed: _Signature,
    secret: str,
    *,
    method: str,
    path: str,
    pairs: list[tuple[str, str]],
    headers: dict[str, list[str]],
    body: bytes,
) -> bool:
    """Whether any acceptable canonical form of the request yields the signature."""
    sent_hash = headers.get("x-amz-content-sha256")
    if sent_hash:
        payloads = [sent_hash[0]]
    else:
        payloads = [hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256]
        if signed.expires is not None:
            payloads.append(_UNSIGNED_PAYLOAD)
    scope = f"{signed.scope_date}/{signed.region}/{signed.service}/aws4_request"
    key = _signing_key(secret, signed.scope_date, signed.region, signed.service)
    query = _canonical_query(pairs)
    header_block = _canonical_headers(signed, headers)
    for canonical_path in _canonical_paths(path):
        for payload in payloads:
            canonical = "\n".join(
                [
                    method.upper(),
                    canonical_path,
                    query,
                    header_block,
                    ";".join(signed.signed_headers),
                    payload,
                ]
            )
            to_sign = "\n".join(
                [ALGORITHM, signed.amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
            )
            expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
            if hmac.compare_digest(expected, signed.signature):
                return True
    return False


def check_signature(
    method: str,
    path: str,
    query: Query,
    headers: Headers,
    body: bytes,
    *,
    service: str,
    region: str,
    credentials: Mapping[str, str],
    now: datetime | None = None,
    accept_unknown_keys: bool = True,
    account_id: str = LOCAL_ACCOUNT_ID,
) -> SigV4Caller:
    """Check a request's SigV4 signature as API Gateway's IAM authorization does.

    Args:
        method: The HTTP method.
        path: The path as sent on the wire, still percent-encoded (aiohttp's
            `request.raw_path`); a query after `?` is ignored.
        query: The query, raw (`a=1&b=2`) or parsed (name to value or values, or pairs).
        headers: The request's headers, any case, each a value or a list of values.
        body: The request body as received.
        service: The service the signature must be scoped to (`execute-api`).
        region: The region it must be scoped to.
        credentials: Access key id to secret for the keys the gateway can verify.
        now: The time to judge freshness by; default: the clock.
        accept_unknown_keys: Accept a well-formed signature by a key not in
            `credentials` (see the module docstring); otherwise refuse it.
        account_id: The account `SigV4Caller` reports.

    Returns:
        Who signed.

    Raises:
        SignatureRejected: With AWS's error type and message: no signature at all
            (`MissingAuthenticationTokenException`, "Missing Authentication Token"), a
            malformed one, a stale one, a wrong scope, a mismatching HMAC, or an unknown
            key when those are refused.
    """
    header_values = _header_values(headers)
    pairs = _query_pairs(query)
    authorization = " ".join(header_values.get("authorization", [])).strip()
    presigned = not authorization and any(name == "X-Amz-Algorithm" for name, _ in pairs)
    if not authorization and not presigned:
        raise SignatureRejected(
            "MissingAuthenticationTokenException", "Missing Authentication Token"
        )
    signed = _from_query(pairs) if presigned else _from_authorization(authorization, header_values)
    moment = now if now is not None else datetime.now(UTC)
    signed_at = _check_form(signed, service=service, region=region, now=moment)
    secret = credentials.get(signed.access_key)
    if secret is None and not accept_unknown_keys:
        raise SignatureRejected(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    if secret is not None and not _hmac_matches(
        signed,
        secret,
        method=method,
        path=path,
        pairs=pairs,
        headers=header_values,
        body=body,
    ):
        raise SignatureRejected("InvalidSignatureException", _MISMATCH)
    return SigV4Caller(
        access_key=signed.access_key,
        session_token=signed.session_token,
        region=signed.region,
        service=signed.service,
        signed_at=signed_at,
        signed_headers=signed.signed_headers,
        presigned=presigned,
        verified=secret is not None,
        account_id=account_id,
    )
