"""The benchmark's summary: medians over rounds, ratios, targets, and the printed table.

Pure functions over the collected results, so the arithmetic is tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bench.stats import median, ratio

__all__ = [
    "Target",
    "check_targets",
    "format_handler_table",
    "format_table",
    "summarize_rounds",
]

# (workload, figure, unit) of each row of the servers' table.
ROWS = [
    ("start_up", "first_connection_s", "s"),
    ("latency", "p50_ms", "ms"),
    ("latency", "p95_ms", "ms"),
    ("latency", "p99_ms", "ms"),
    ("noop", "p50_ms", "ms"),
    ("noop", "p99_ms", "ms"),
    ("scale_out", "naps", "naps"),
    ("throughput", "messages_per_s", "msg/s"),
    ("connect_rate", "cycles_per_s", "conn/s"),
    ("mass", "opened", "conns"),
    ("mass", "echoed", "echoes"),
    ("mass", "peak_pss_mb", "MB"),
    ("mass", "peak_rss_mb", "MB"),
]


def summarize_rounds(rounds: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """The median of each figure over the rounds that produced it."""
    names = {name for figures in rounds for name in figures}
    return {
        name: median([figures[name] for figures in rounds if name in figures])
        for name in sorted(names)
    }


@dataclass(frozen=True, kw_only=True)
class Target:
    """A target the gateway should meet: a bound on one of its figures or a ratio of them."""

    name: str
    at_most: float | None = None
    at_least: float | None = None

    def met(self, value: float | None) -> bool | None:
        """Whether `value` is within bounds; None when it could not be measured."""
        if value is None:
            return None
        if self.at_most is not None and value > self.at_most:
            return False
        return not (self.at_least is not None and value < self.at_least)


def _figure(summary: Mapping[str, Any], server: str, workload: str, figure: str) -> float | None:
    return summary.get(server, {}).get(workload, {}).get(figure)


def _versus(summary: Mapping[str, Any], reference: str, workload: str, figure: str) -> float | None:
    """The gateway's figure divided by the reference server's."""
    return ratio(
        _figure(summary, "gateway", workload, figure),
        _figure(summary, reference, workload, figure),
    )


def check_targets(summary: Mapping[str, Any], handlers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each target, the measured value it applies to, and whether it is met.

    Args:
        summary: Medians per server and workload (`summarize_rounds` of each).
        handlers: The handler-cost figures (`bench.handler_cost.handler_cost`).
    """
    mass = summary.get("gateway", {}).get("mass", {})
    all_served = None
    if mass:
        all_served = min(mass["opened"], mass["echoed"]) / mass["connections"]
    checks = [
        (
            Target(name="start to first accepted connection, s", at_most=1),
            _figure(summary, "gateway", "start_up", "first_connection_s"),
        ),
        (
            Target(name="no-op route p50 / raw p50 (the gateway's own overhead)", at_most=3),
            ratio(
                _figure(summary, "gateway", "noop", "p50_ms"),
                _figure(summary, "raw", "latency", "p50_ms"),
            ),
        ),
        (
            Target(name="echo p50 / raw p50", at_most=5),
            _versus(summary, "raw", "latency", "p50_ms"),
        ),
        (
            Target(name="echo p99 / peer p99", at_most=0.5),
            _versus(summary, "peer", "latency", "p99_ms"),
        ),
        (
            Target(name="throughput / peer", at_least=2),
            _versus(summary, "peer", "throughput", "messages_per_s"),
        ),
        (
            Target(name="connect rate / peer", at_least=2),
            _versus(summary, "peer", "connect_rate", "cycles_per_s"),
        ),
        (
            Target(name="concurrent 200 ms waits take about one (naps)", at_most=1.5),
            _figure(summary, "gateway", "scale_out", "naps"),
        ),
        (Target(name="share of connections opened and echoed", at_least=1), all_served),
        (
            Target(name="peak PSS MB of the process tree, all connections open", at_most=300),
            _figure(summary, "gateway", "mass", "peak_pss_mb"),
        ),
        (
            Target(name="handler import ms beyond boto3 (worst)", at_most=20),
            max(figures["beyond_boto3_ms"] for figures in handlers["handlers"].values()),
        ),
        (Target(name="zip bytes", at_most=20 * 1024 - 1), handlers["zip_bytes"]),
    ]
    return [
        {"target": target.name, "value": value, "met": target.met(value)}
        for target, value in checks
    ]


def _cell(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def format_table(summary: Mapping[str, Any], servers: Sequence[str]) -> str:
    """Medians per server and the gateway's ratio to the raw server and the peer."""
    header = ["figure", "unit", *servers, "gw/raw", "gw/peer"]
    lines = [header]
    for workload, figure, unit in ROWS:
        values = [_figure(summary, server, workload, figure) for server in servers]
        lines.append(
            [
                f"{workload}.{figure}",
                unit,
                *map(_cell, values),
                _cell(_versus(summary, "raw", workload, figure)),
                _cell(_versus(summary, "peer", workload, figure)),
            ]
        )
    return _columns(lines)


_HANDLER_FIGURES = ("import_ms", "boto_share_ms", "own_ms", "beyond_boto3_ms", "cpu_ms", "wall_ms")


def format_handler_table(handlers: Mapping[str, Mapping[str, Any]]) -> str:
    """Cold import (boto3's share apart) and warm CPU per invocation of each handler."""
    lines = [
        [
            "handler",
            "import ms",
            "boto3 share",
            "own ms",
            "beyond boto3 ms",
            "warm CPU ms",
            "warm wall ms",
        ]
    ]
    for figures in handlers.values():
        lines.append(
            [
                figures["handler"],
                *(_cell(figures[name]) for name in _HANDLER_FIGURES),
            ]
        )
    return _columns(lines)


def _columns(lines: Sequence[Sequence[str]]) -> str:
    """Aligned text columns: names left, numbers right."""
    widths = [max(len(row[column]) for row in lines) for column in range(len(lines[0]))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in lines
    )
