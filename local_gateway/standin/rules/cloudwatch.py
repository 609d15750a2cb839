"""CloudWatch alarms and dashboards: what PutMetricAlarm and PutDashboard refuse.

The provider's schema says that `alarm_name`, `period` and `dashboard_body` are
a string, a number and a string; CloudWatch's API decides which of them it
takes, when the alarm or the dashboard is put, at apply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from local_gateway.standin.account import AccountState
from local_gateway.standin.cty import UNKNOWN
from local_gateway.standin.rules import Change, Violation, apply_rule, force_new

__all__ = [
    "ALARM_ACTIONS_MAX",
    "ALARM_NAME_MAX_LENGTH",
    "ALARM_WINDOW_MAX_SECONDS",
    "DASHBOARD_NAME",
    "alarm_accepted",
    "dashboard_accepted",
]

_PUT_METRIC_ALARM = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"
)
_PUT_DASHBOARD = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html and "
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html"
)

# PutMetricAlarm: AlarmName "Length Constraints: Minimum length of 1. Maximum
# length of 255."; AlarmActions and OKActions "Maximum number of 5 items";
# EvaluationPeriods: "An alarm's total current evaluation period can be no
# longer than one day, so this number multiplied by Period cannot be more than
# 86,400 seconds."; Period: "Valid values are 10, 20, 30, and any multiple of 60."
ALARM_NAME_MAX_LENGTH = 255
ALARM_ACTIONS_MAX = 5
ALARM_WINDOW_MAX_SECONDS = 86_400
_SHORT_PERIODS = (10, 20, 30)

# PutDashboard, DashboardName: "The maximum length is 255, and valid characters
# are A-Z, a-z, 0-9, "-", and "_"."
DASHBOARD_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")

# A new name is a new alarm or dashboard: the provider replaces rather than renames.
force_new("aws_cloudwatch_metric_alarm", "alarm_name")
force_new("aws_cloudwatch_dashboard", "dashboard_name")


def _known(value: Any) -> bool:
    return value is not None and value is not UNKNOWN


def _put_failed(kind: str, name: Any, detail: str, source: str) -> Violation:
    return Violation(summary=f"putting CloudWatch {kind} ({name})", detail=detail, source=source)


@apply_rule("aws_cloudwatch_metric_alarm")
def alarm_accepted(change: Change, _account: AccountState) -> Iterable[Violation]:
    """PutMetricAlarm refuses a name over 255 characters, more than 5 actions of a kind,
    a period that is not 10, 20, 30 or a multiple of 60, and a window over a day."""
    if change.planned is None:
        return
    values = change.planned
    name = values.get("alarm_name")
    if isinstance(name, str) and not 1 <= len(name) <= ALARM_NAME_MAX_LENGTH:
        yield _put_failed(
            "Metric Alarm",
            name[:40],
            "ValidationError: 1 validation error detected: Value at 'alarmName' failed to "
            f"satisfy constraint: Member must have length less than or equal to "
            f"{ALARM_NAME_MAX_LENGTH} (got {len(name)})",
            _PUT_METRIC_ALARM,
        )
    for attribute, member in (("alarm_actions", "alarmActions"), ("ok_actions", "oKActions")):
        actions = values.get(attribute)
        if isinstance(actions, list | set | tuple) and len(actions) > ALARM_ACTIONS_MAX:
            yield _put_failed(
                "Metric Alarm",
                name,
                f"ValidationError: 1 validation error detected: Value at '{member}' failed to "
                f"satisfy constraint: Member must have length less than or equal to "
                f"{ALARM_ACTIONS_MAX} (got {len(actions)})",
                _PUT_METRIC_ALARM,
            )
    period, evaluations = values.get("period"), values.get("evaluation_periods")
    if _known(period) and period not in _SHORT_PERIODS and period % 60 != 0:
        yield _put_failed(
            "Metric Alarm",
            name,
            f"ValidationError: Period {period} is not valid: use 10, 20, 30 or a multiple of 60",
            _PUT_METRIC_ALARM,
        )
    if _known(period) and _known(evaluations) and period * evaluations > ALARM_WINDOW_MAX_SECONDS:
        yield _put_failed(
            "Metric Alarm",
            name,
            f"ValidationError: Period ({period}) times EvaluationPeriods ({evaluations}) "
            f"must not exceed {ALARM_WINDOW_MAX_SECONDS} seconds (one day)",
            _PUT_METRIC_ALARM,
        )


def _body_problem(body: str) -> str | None:
    """Why PutDashboard would refuse `body`, or None."""
    try:
        document = json.loads(body)
    except ValueError:
        return "the dashboard body is not valid JSON"
    if not isinstance(document, dict):
        return "the dashboard body must be a JSON object"
    widgets = document.get("widgets")
    if not isinstance(widgets, list):
        return "should have required property 'widgets' (an array of widget objects)"
    if not all(isinstance(widget, dict) and "type" in widget for widget in widgets):
        return "each widget must be an object with a 'type'"
    return None


@apply_rule("aws_cloudwatch_dashboard")
def dashboard_accepted(change: Change, _account: AccountState) -> Iterable[Violation]:
    """PutDashboard refuses a name outside A-Z a-z 0-9 - _ (1-255) and a body that is not
    a JSON object with a `widgets` array of widget objects."""
    if change.planned is None:
        return
    name, body = change.planned.get("dashboard_name"), change.planned.get("dashboard_body")
    if isinstance(name, str) and not DASHBOARD_NAME.fullmatch(name):
        yield _put_failed(
            "Dashboard",
            name[:40],
            "InvalidParameterInput: The dashboard name must be 1 to 255 of A-Z, a-z, 0-9, "
            f"'-' and '_': {name!r}",
            _PUT_DASHBOARD,
        )
    problem = _body_problem(body) if isinstance(body, str) else None
    if problem:
        yield _put_failed(
            "Dashboard",
            name,
            f"InvalidParameterInput: The dashboard body is invalid: {problem}",
            _PUT_DASHBOARD,
        )
