"""Secrets for the functions: values put into the embedded SSM and Secrets Manager by ARN.

A function that reads a secret (the example authorizer reads its token-signing secret)
is given the secret's ARN in an environment variable, as the Terraform module gives it;
the module never holds the value. Locally the user supplies the value once
(`--secret ARN=VALUE`), and the gateway stores it in its embedded moto so that the
function's unchanged `GetParameter` or `GetSecretValue` call with that ARN returns it:

- `arn:aws:ssm:<region>:<account>:parameter/<name>`: a `SecureString` parameter
  `/<name>` (SSM's ARN for `/a/b` is `...:parameter/a/b`). moto resolves an ARN only in
  its own account, `123456789012`, so the ARN must name that account.
- `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>`: a secret
  whose name is the ARN's last part, which is what moto falls back to when a full ARN
  (whose random suffix it did not make) matches no secret. Any account works.

Each value goes to the ARN's own region, where the function's client (made for that
region, as `websocket_handlers.tokens.read_secret` does) looks for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local_gateway.sigv4 import LOCAL_ACCOUNT_ID

__all__ = ["SecretRef", "SecretStoreError", "parse_secret_arn", "store_secrets"]

_SSM_ARN = re.compile(
    r"^arn:aws(-cn|-us-gov)?:ssm:(?P<region>[a-z]{2}(-[a-z]+)+-\d):(?P<account>\d{12})"
    r":parameter(?P<name>/[A-Za-z0-9_.\-/]+)$"
)
_SECRETSMANAGER_ARN = re.compile(
    r"^arn:aws(-cn|-us-gov)?:secretsmanager:(?P<region>[a-z]{2}(-[a-z]+)+-\d):\d{12}"
    r":secret:(?P<name>[A-Za-z0-9/_+=.@-]+)$"
)


class SecretStoreError(ValueError):
    """A secret the gateway cannot store: not an SSM parameter or Secrets Manager ARN."""


@dataclass(frozen=True)
class SecretRef:
    """Where a secret's value goes in the embedded services.

    Attributes:
        service: `ssm` or `secretsmanager`.
        region: The ARN's region.
        name: The parameter's or secret's name there.
    """

    service: str
    region: str
    name: str


def parse_secret_arn(arn: str) -> SecretRef:
    """Read an SSM parameter or Secrets Manager secret ARN.

    Raises:
        SecretStoreError: The ARN is neither, or is an SSM parameter in another account
            than the local one.
    """
    ssm = _SSM_ARN.match(arn)
    if ssm is not None:
        if ssm["account"] != LOCAL_ACCOUNT_ID:
            raise SecretStoreError(
                f"secret {arn!r}: the local SSM resolves parameter ARNs in account "
                f"{LOCAL_ACCOUNT_ID} only; use that account in the ARN"
            )
        return SecretRef(service="ssm", region=ssm["region"], name=ssm["name"])
    secret = _SECRETSMANAGER_ARN.match(arn)
    if secret is not None:
        return SecretRef(service="secretsmanager", region=secret["region"], name=secret["name"])
    raise SecretStoreError(
        f"secret {arn!r} must be an SSM parameter ARN "
        "(arn:aws:ssm:REGION:ACCOUNT:parameter/NAME) or a Secrets Manager secret ARN "
        "(arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX)"
    )


def _client(service: str, *, endpoint: str, region: str) -> Any:
    import boto3  # noqa: PLC0415 - only with --secret: the gateway's start-up does not wait for it

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def store_secrets(secrets: Mapping[str, str], *, endpoint: str) -> None:
    """Put each ARN's value into the embedded SSM or Secrets Manager at `endpoint`.

    A value stored earlier under the same ARN is replaced.

    Raises:
        SecretStoreError: An ARN is not one `parse_secret_arn` accepts, or a value is empty.
    """
    for arn, value in secrets.items():
        ref = parse_secret_arn(arn)
        if not value:
            raise SecretStoreError(f"secret {arn!r} has an empty value")
        client = _client(ref.service, endpoint=endpoint, region=ref.region)
        if ref.service == "ssm":
            client.put_parameter(Name=ref.name, Value=value, Type="SecureString", Overwrite=True)
            continue
        try:
            client.create_secret(Name=ref.name, SecretString=value)
        except client.exceptions.ResourceExistsException:
            client.put_secret_value(SecretId=ref.name, SecretString=value)
