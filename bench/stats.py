"""Summaries of measured samples: percentiles, medians and ratios between servers.

Pure functions, so the report's arithmetic is tested without running a benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["median", "percentile", "ratio"]


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample with `fraction` of them at or below.

    Nearest rank never interpolates, so p99 of 500 round trips is a time one round trip
    really took.

    Raises:
        ValueError: `samples` is empty or `fraction` is outside (0, 1].
    """
    if not samples:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction {fraction} is outside (0, 1]")
    ordered = sorted(samples)
    return ordered[math.ceil(fraction * len(ordered)) - 1]


def median(samples: Sequence[float]) -> float:
    """The middle sample, or the mean of the two middle ones.

    Raises:
        ValueError: `samples` is empty.
    """
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def ratio(value: float | None, reference: float | None) -> float | None:
    """`value / reference`, or None when either is missing or the reference is zero."""
    if value is None or reference is None or reference == 0:
        return None
    return value / reference
