"""Lambda functions and layers: what the Lambda API refuses, and one plan the provider keeps.

The AWS provider checks little of a function at plan (its schema has no
validation for environment keys or log levels), so these are refused when
CreateFunction, UpdateFunctionConfiguration, PutFunctionConcurrency or
PublishLayerVersion is called, at apply; the stand-in refuses them there too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from local_gateway.standin.account import AccountState
from local_gateway.standin.cty import UNKNOWN
from local_gateway.standin.rules import (
    Change,
    Violation,
    apply_rule,
    force_new,
    plan_adjustment,
)

__all__ = [
    "ENVIRONMENT_KEY",
    "ENVIRONMENT_MAX_BYTES",
    "FUNCTION_NAME_MAX_LENGTH",
    "RESERVED_ENVIRONMENT_KEYS",
    "UNRESERVED_CONCURRENCY_FLOOR",
    "environment_accepted",
    "function_name_length",
    "log_levels_need_json",
    "package_file_exists",
    "reserved_concurrency_leaves_unreserved",
    "tracing_config_kept",
]

_CREATE_FUNCTION = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html"
_ENVIRONMENT_DOCS = (
    "https://docs.aws.amazon.com/lambda/latest/api/API_Environment.html and "
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html "
    '("Defined runtime environment variables", "Reserved environment variables")'
)
_LOG_LEVEL_DOCS = (
    "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html "
    '("To use log-level filtering, your function must be configured to use the JSON log format")'
)
_CONCURRENCY_DOCS = (
    "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html "
    '("You can reserve up to the Unreserved account concurrency value minus 100") and '
    "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html "
    '("New AWS accounts have reduced concurrency and memory quotas")'
)
_PROVIDER_FUNCTION = (
    "hashicorp/terraform-provider-aws internal/service/lambda/function.go "
    "(resourceFunctionCreate/Update read `filename` with os.ReadFile at apply; "
    "`tracing_config` is Optional and Computed)"
)
_PROVIDER_LAYER = (
    "hashicorp/terraform-provider-aws internal/service/lambda/layer_version.go "
    "(resourceLayerVersionPublish reads `filename` at apply)"
)

# CreateFunction, FunctionName: "If you specify only the function name, it is
# limited to 64 characters in length." (the provider allows 140, an ARN's length).
FUNCTION_NAME_MAX_LENGTH = 64
_BARE_FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]+")

# Environment, Variables: "Key Pattern: [a-zA-Z]([a-zA-Z0-9_])+" (at least 2 characters).
ENVIRONMENT_KEY = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")
# "The total size of all environment variables doesn't exceed 4 KB"; Lambda
# measures the variables as one compact JSON object ("String measured: {...}").
ENVIRONMENT_MAX_BYTES = 4096
# "Reserved environment variables": "The keys for these environment variables
# are reserved and cannot be set in your function configuration." Lambda sets
# them itself; AWS_LAMBDA_EXEC_WRAPPER, AWS_LAMBDA_LOG_LEVEL and the like are
# not on the list. TZ is left out: the page has listed it both as reserved and
# among the variables a function may set, and a rule stricter than Lambda
# would refuse a configuration that works.
RESERVED_ENVIRONMENT_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)

# Unreserved concurrency Lambda keeps for functions without a reservation:
# 100, or the whole quota in an account whose quota is lower (new accounts
# report "below its minimum value of [10]").
UNRESERVED_CONCURRENCY_FLOOR = 100

# A function is replaced, not renamed (`ForceNew` in function.go).
force_new("aws_lambda_function", "function_name", "package_type")

# The attributes whose change makes the provider call UpdateFunctionCode, which
# reads the zip again (needsFunctionCodeUpdate in function.go).
_CODE_ATTRIBUTES = ("filename", "source_code_hash", "architectures")


def _block(values: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """The single nested block `name` of `values`, or {} when it is absent or unknown."""
    blocks = (values or {}).get(name)
    if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict):
        return blocks[0]
    return {}


def _refused(operation: str, name: str, message: str, source: str) -> Violation:
    """The diagnostic the provider shows when a Lambda API call fails with `message`."""
    return Violation(
        summary=f"{operation} Lambda Function ({name})",
        detail=f"InvalidParameterValueException: {message}",
        source=source,
    )


def _operation(change: Change) -> str:
    return "creating" if change.action == "create" else "updating"


@apply_rule("aws_lambda_function")
def function_name_length(change: Change, _account: AccountState) -> Iterable[Violation]:
    """A function's own name (not an ARN) is at most 64 characters.

    Source: Lambda API reference, CreateFunction, FunctionName.
    """
    name = change.after.get("function_name")
    if change.action != "create" or not isinstance(name, str):
        return
    if _BARE_FUNCTION_NAME.fullmatch(name) and len(name) > FUNCTION_NAME_MAX_LENGTH:
        yield Violation(
            summary=f"creating Lambda Function ({name})",
            detail=(
                "ValidationException: 1 validation error detected: Value at 'functionName' "
                f"failed to satisfy constraint: Member must have length less than or equal "
                f"to {FUNCTION_NAME_MAX_LENGTH} ({len(name)} characters)"
            ),
            source=_CREATE_FUNCTION,
        )


@apply_rule("aws_lambda_function")
def environment_accepted(change: Change, _account: AccountState) -> Iterable[Violation]:
    """Environment keys match Lambda's pattern, are not reserved, and all fit in 4 KB.

    Source: Lambda API reference, Environment ("Key Pattern"); developer guide,
    "Working with Lambda environment variables" (reserved keys, 4 KB in total).
    """
    variables = _block(change.planned, "environment").get("variables")
    if not isinstance(variables, dict):
        return
    name = change.after.get("function_name")
    operation = _operation(change)
    bad = sorted(key for key in variables if not ENVIRONMENT_KEY.fullmatch(key))
    if bad:
        yield Violation(
            summary=f"{operation} Lambda Function ({name})",
            detail=(
                "ValidationException: 1 validation error detected: Value at "
                "'environment.variables' failed to satisfy constraint: Map keys must satisfy "
                "constraint: [Member must satisfy regular expression pattern: "
                f"[a-zA-Z]([a-zA-Z0-9_])+] (keys: {', '.join(bad)})"
            ),
            source=_ENVIRONMENT_DOCS,
        )
    reserved = sorted(RESERVED_ENVIRONMENT_KEYS.intersection(variables))
    if reserved:
        yield _refused(
            operation,
            str(name),
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided contains reserved keys that are "
            f"currently not supported for modification. Reserved keys used in this request: "
            f"{', '.join(reserved)}",
            _ENVIRONMENT_DOCS,
        )
    if UNKNOWN in variables.values():
        return
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode()) > ENVIRONMENT_MAX_BYTES:
        yield _refused(
            operation,
            str(name),
            "Lambda was unable to configure your environment variables because the "
            "environment variables you have provided exceeded the 4KB limit. "
            f"String measured: {measured}",
            _ENVIRONMENT_DOCS,
        )


@apply_rule("aws_lambda_function")
def log_levels_need_json(change: Change, _account: AccountState) -> Iterable[Violation]:
    """Application and system log levels are accepted only with the JSON log format.

    Source: Lambda developer guide, "Log-level filtering"; the API answers
    with the message below (quoted in aws/aws-cdk#28045).
    """
    logging = _block(change.planned, "logging_config")
    levels = [logging.get("application_log_level"), logging.get("system_log_level")]
    if logging.get("log_format") == "JSON" or not any(levels):
        return
    yield _refused(
        _operation(change),
        str(change.after.get("function_name")),
        f'LogLevel is not supported when LogFormat is set to "{logging.get("log_format")}". '
        'Remove LogLevel from your request or change the LogFormat to "Json" and try again.',
        _LOG_LEVEL_DOCS,
    )


def _reads_package(change: Change) -> bool:
    """Whether applying `change` makes the provider read its zip file again."""
    if change.action == "create":
        return True
    if change.action == "delete" or change.type_name == "aws_lambda_layer_version":
        return False
    prior, planned = change.prior or {}, change.planned or {}
    return any(prior.get(key) != planned.get(key) for key in _CODE_ATTRIBUTES)


@apply_rule("aws_lambda_function", "aws_lambda_layer_version")
def package_file_exists(change: Change, _account: AccountState) -> Iterable[Violation]:
    """The zip named by `filename` must exist where Terraform applies, not only where it planned.

    The provider reads the file when it uploads the code (on create, and on
    update when the code changes); it does not compare it with
    `source_code_hash`, which only tells Terraform to update. So a plan saved
    on one machine and applied on another needs the same file at the same path.

    Source: the AWS provider's function.go and layer_version.go ("reading ZIP
    file (%s): %s" around os.ReadFile).
    """
    filename = change.after.get("filename")
    if not isinstance(filename, str) or not _reads_package(change):
        return
    if not Path(filename).expanduser().is_file():
        layer = change.type_name == "aws_lambda_layer_version"
        yield Violation(
            summary=f"reading ZIP file ({filename}): open {filename}: no such file or directory",
            detail=(
                "The provider reads the zip when it uploads the code, at apply: a plan saved "
                "where the zip was built needs the same file at the same path where it is applied."
            ),
            source=_PROVIDER_LAYER if layer else _PROVIDER_FUNCTION,
        )


def _reservation(values: dict[str, Any] | None) -> int:
    """A function's reserved concurrency; 0 when it has none (null or the provider's -1)."""
    reserved = (values or {}).get("reserved_concurrent_executions")
    if isinstance(reserved, (int, float)) and reserved > 0:
        return int(reserved)
    return 0


def _has_reservation(values: dict[str, Any] | None) -> bool:
    reserved = (values or {}).get("reserved_concurrent_executions")
    return isinstance(reserved, (int, float)) and reserved >= 0


@apply_rule("aws_lambda_function")
def reserved_concurrency_leaves_unreserved(
    change: Change, account: AccountState
) -> Iterable[Violation]:
    """Reservations in a region must leave 100 unreserved executions, or the whole of a lower quota.

    The provider calls PutFunctionConcurrency after creating the function, or
    when the reservation changes. A new account's quota may be 10, so there
    it cannot reserve any.

    Source: Lambda developer guide, "Configuring reserved concurrency" and
    "Lambda quotas"; the error is PutFunctionConcurrency's.
    """
    if not _has_reservation(change.planned):
        return
    if change.action == "update" and _reservation(change.prior) == _reservation(change.planned):
        return
    name = change.after.get("function_name")
    others = sum(
        _reservation(record["state"])
        for key, record in account.of_type("aws_lambda_function", change.region).items()
        if key != name
    )
    quota = account.concurrency_quota()
    floor = min(UNRESERVED_CONCURRENCY_FLOOR, quota)
    if quota - others - _reservation(change.planned) < floor:
        yield Violation(
            summary=f"setting Lambda Function ({name}) concurrency",
            detail=(
                "operation error Lambda: PutFunctionConcurrency, "
                "InvalidParameterValueException: Specified ReservedConcurrentExecutions for "
                "function decreases account's UnreservedConcurrentExecution below its minimum "
                f"value of [{floor}]. (Account quota {quota} in {change.region}, "
                f"{others} reserved by other functions.)"
            ),
            source=_CONCURRENCY_DOCS,
        )


@plan_adjustment("aws_lambda_function")
def tracing_config_kept(change: Change) -> dict[str, Any]:
    """A `tracing_config` left out of the configuration keeps the mode the function has.

    `tracing_config` is Optional and Computed in the provider (legacy SDK), so
    removing the block plans no change: the function keeps tracing, and the
    provider sends a TracingConfig only when the block is set. Only setting
    `mode = "PassThrough"` (Lambda's default) switches Active tracing off.

    Source: the AWS provider's function.go, schema of `tracing_config`
    (Optional: true, Computed: true) and resourceFunctionUpdate.
    """
    planned = dict(change.planned or {})
    if change.prior is None or (change.config or {}).get("tracing_config"):
        return planned
    kept = change.prior.get("tracing_config")
    if kept:
        planned["tracing_config"] = kept
    return planned
