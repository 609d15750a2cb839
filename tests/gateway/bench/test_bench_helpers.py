"""The benchmark's pure helpers: the arithmetic behind every reported figure."""

from __future__ import annotations

import json

import pytest

from bench.handler_cost import boto_share_us, parse_importtime
from bench.report import check_targets, summarize_rounds
from bench.stats import median, percentile, ratio
from bench.workloads import MESSAGE_BYTES, message


def test_percentile_is_nearest_rank() -> None:
    """p50/p95/p99 of 1..100 are samples that occurred, not interpolations."""
    samples = [float(n) for n in range(100, 0, -1)]
    assert [percentile(samples, f) for f in (0.5, 0.95, 0.99, 1.0)] == [50, 95, 99, 100]


def test_percentile_of_one_sample_and_bad_input() -> None:
    """One sample is every percentile; no samples or a fraction of 0 is an error."""
    assert percentile([7.0], 0.99) == 7.0
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)
    with pytest.raises(ValueError, match="outside"):
        percentile([1.0], 0)


def test_median_odd_even_and_empty() -> None:
    """The middle sample, the mean of the middle two, and an error for none."""
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5
    with pytest.raises(ValueError, match="no samples"):
        median([])


def test_ratio_is_none_without_a_reference() -> None:
    """A missing figure or a zero reference gives no ratio instead of a crash."""
    assert ratio(3.0, 1.5) == 2.0
    assert ratio(None, 1.0) is None
    assert ratio(1.0, None) is None
    assert ratio(1.0, 0) is None


def test_summarize_rounds_takes_each_figures_median() -> None:
    """Each figure's median over the rounds that have it."""
    rounds = [{"p50_ms": 1.0, "p99_ms": 9.0}, {"p50_ms": 3.0}, {"p50_ms": 2.0, "p99_ms": 5.0}]
    assert summarize_rounds(rounds) == {"p50_ms": 2.0, "p99_ms": 7.0}


def test_message_is_exactly_the_size_and_unique() -> None:
    """Every message is 100 bytes of JSON without an action (the $default route)."""
    texts = [message(n) for n in (0, 7, 999, 19_999)]
    assert {len(text.encode()) for text in texts} == {MESSAGE_BYTES}
    assert len(set(texts)) == len(texts)
    assert all("action" not in json.loads(text) for text in texts)


_IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       100 |        100 | site
bench: handler import starts
import time:        50 |         50 |       botocore.vendored
import time:       200 |        250 |     botocore.exceptions
import time:        30 |         30 |     json
import time:       400 |        680 |   websocket_handlers.connections
import time:        10 |         10 |   websocket_handlers
import time:      1000 |       1690 | websocket_handlers.echo
"""


def test_importtime_lines_after_the_mark_only() -> None:
    """Interpreter start-up imports before the mark are not the handler's."""
    imports = parse_importtime(_IMPORTTIME)
    assert imports[0] == (3, 50, "botocore.vendored")
    assert [module for _, _, module in imports][-1] == "websocket_handlers.echo"
    assert "site" not in [module for _, _, module in imports]


def test_boto_share_counts_outermost_boto_imports_once() -> None:
    """botocore.exceptions' cumulative time includes its children: counted once, 250 µs."""
    assert boto_share_us(parse_importtime(_IMPORTTIME)) == 250


def test_targets_met_missed_and_not_measured() -> None:
    """Ratios to the raw server and the peer decide the verdicts; a missing peer is None."""
    summary = {
        "gateway": {
            "latency": {"p50_ms": 1.0, "p99_ms": 4.0},
            "mass": {
                "connections": 1000,
                "opened": 1000,
                "echoed": 999,
                "peak_pss_mb": 120.0,
                "peak_rss_mb": 400.0,
            },
        },
        "raw": {"latency": {"p50_ms": 0.1, "p99_ms": 1.0}},
    }
    handlers = {"handlers": {"$connect": {"beyond_boto3_ms": 12.0}}, "zip_bytes": 13_000}
    verdicts = {check["target"]: check["met"] for check in check_targets(summary, handlers)}
    assert verdicts["echo p50 / raw p50"] is False
    assert verdicts["echo p99 / peer p99"] is None
    assert verdicts["share of connections opened and echoed"] is False
    # The PSS sum decides (each shared page once), not the RSS sum.
    assert verdicts["peak PSS MB of the process tree, all connections open"] is True
    assert verdicts["handler import ms beyond boto3 (worst)"] is True
    assert verdicts["zip bytes"] is True
