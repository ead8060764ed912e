"""Rates with Wilson intervals, deltas against a baseline, and medians from fixed-bucket histograms."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Return the Wilson score interval of a proportion, or None when there is no observation."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Rate:
    """A proportion with its counts, 95% Wilson interval, and whether the sample can be acted on."""

    numerator: int
    denominator: int
    min_n: int

    @property
    def value(self) -> float | None:
        """Return the proportion, or None on an empty denominator."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def interval(self) -> tuple[float, float] | None:
        """Return the 95% Wilson interval."""
        return wilson(self.numerator, self.denominator)

    @property
    def sufficient(self) -> bool:
        """True when the denominator reaches the configured minimum sample."""
        return self.denominator >= self.min_n

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form: value, counts, interval and the sample verdict."""
        interval = self.interval
        return {
            "value": _round(self.value),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ci95_low": _round(interval[0]) if interval else None,
            "ci95_high": _round(interval[1]) if interval else None,
            "sufficient": self.sufficient,
            "note": None
            if self.sufficient
            else f"sample too small (n={self.denominator} < {self.min_n})",
        }


@dataclass(frozen=True)
class Delta:
    """A difference in points between a rate and its baseline, with both samples and a 95% interval.

    The interval is Newcombe's hybrid score interval built from the two Wilson intervals.
    """

    current: Rate
    baseline: Rate
    baseline_label: str

    @property
    def points(self) -> float | None:
        """Return current minus baseline, in percentage points."""
        if self.current.value is None or self.baseline.value is None:
            return None
        # Rounded so that exactly -2 points is -2.0, not -1.9999999999999996, at the threshold.
        return round((self.current.value - self.baseline.value) * 100, 9)

    @property
    def interval(self) -> tuple[float, float] | None:
        """Return the 95% interval of the difference, in points."""
        c, b = self.current.interval, self.baseline.interval
        if c is None or b is None or self.current.value is None or self.baseline.value is None:
            return None
        d = self.current.value - self.baseline.value
        low = d - math.sqrt((self.current.value - c[0]) ** 2 + (b[1] - self.baseline.value) ** 2)
        high = d + math.sqrt((c[1] - self.current.value) ** 2 + (self.baseline.value - b[0]) ** 2)
        return (low * 100, high * 100)

    @property
    def sufficient(self) -> bool:
        """True when both samples reach the minimum."""
        return self.current.sufficient and self.baseline.sufficient

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form: points, interval, both samples and the baseline it is taken against."""
        interval = self.interval
        note = None
        if not self.sufficient:
            note = (
                f"sample too small (n={self.current.denominator} now, "
                f"{self.baseline.denominator} in baseline; minimum {self.current.min_n})"
            )
        return {
            "points": _round(self.points, 2),
            "ci95_low": _round(interval[0], 2) if interval else None,
            "ci95_high": _round(interval[1], 2) if interval else None,
            "current": self.current.as_dict(),
            "baseline": self.baseline.as_dict(),
            "baseline_period": self.baseline_label,
            "n_current": self.current.denominator,
            "n_baseline": self.baseline.denominator,
            "sufficient": self.sufficient,
            "note": note,
        }


# Histogram buckets for durations (seconds). Widths grow with the value so a bucket is at most
# ~8% of its lower edge beyond the first minutes; the reported median is a bucket's lower edge.
_STEPS: tuple[tuple[int, int], ...] = (
    (3600, 60),  # under 1 h: 1-minute buckets
    (86400, 300),  # under 1 day: 5 minutes
    (7 * 86400, 3600),  # under 1 week: 1 hour
    (35 * 86400, 6 * 3600),  # under 5 weeks: 6 hours
)
_LAST_WIDTH = 86400  # beyond: 1 day
RESOLUTION_NOTE = (
    "medians and percentiles come from weekly histograms: 1-minute buckets under 1 h, "
    "5 minutes under 1 day, 1 hour under 1 week, 6 hours under 5 weeks, then 1 day; "
    "the value shown is the lower edge of the bucket holding the rank"
)


def bucket(seconds: float) -> int:
    """Return the lower edge (seconds) of the bucket holding ``seconds``."""
    value = max(0, int(seconds))
    for limit, width in _STEPS:
        if value < limit:
            return value - value % width
    return value - value % _LAST_WIDTH


def bucket_width(edge: int) -> int:
    """Return the width of the bucket starting at ``edge``."""
    for limit, width in _STEPS:
        if edge < limit:
            return width
    return _LAST_WIDTH


def merge(histograms: Iterable[Mapping[Any, int]]) -> dict[int, int]:
    """Add histograms (JSON keys are strings) into one."""
    total: dict[Any, int] = {}
    get = total.get
    for histogram in histograms:
        for edge, count in histogram.items():
            total[edge] = get(edge, 0) + count
    # Keys become integers once per distinct key, not once per cell ("60" and 60 add up).
    out: dict[int, int] = {}
    for edge, count in total.items():
        key = int(edge)
        out[key] = out.get(key, 0) + count
    return out


def quantile(histogram: Mapping[int, int], q: float) -> float | None:
    """Return a quantile: the median averages the two middle ranks, like ``statistics.median``."""
    n = sum(histogram.values())
    if n == 0:
        return None
    edges = sorted(histogram)

    def at(rank: int) -> int:
        """Return the bucket edge holding the 1-based ``rank``."""
        seen = 0
        for edge in edges:
            seen += histogram[edge]
            if seen >= rank:
                return edge
        return edges[-1]

    if q == 0.5:
        if n % 2:
            return float(at(n // 2 + 1))
        return (at(n // 2) + at(n // 2 + 1)) / 2
    return float(at(max(1, math.ceil(q * n))))  # nearest rank


@dataclass(frozen=True)
class Quantile:
    """A median (or other quantile) of durations, with its sample and resolution."""

    q: float
    histogram: tuple[tuple[int, int], ...]
    min_n: int

    @property
    def n(self) -> int:
        """Return the number of observations."""
        return sum(c for _, c in self.histogram)

    @property
    def seconds(self) -> float | None:
        """Return the quantile in seconds."""
        return quantile(dict(self.histogram), self.q)

    @property
    def sufficient(self) -> bool:
        """True when the sample reaches the minimum."""
        return self.n >= self.min_n

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        seconds = self.seconds
        return {
            "seconds": seconds,
            "hours": _round(seconds / 3600 if seconds is not None else None, 3),
            "n": self.n,
            "resolution_seconds": bucket_width(int(seconds)) if seconds is not None else None,
            "sufficient": self.sufficient,
            "note": None if self.sufficient else f"sample too small (n={self.n} < {self.min_n})",
        }


def make_quantile(histogram: Mapping[int, int], q: float, min_n: int) -> Quantile:
    """Freeze a histogram into a Quantile."""
    return Quantile(q, tuple(sorted(histogram.items())), min_n)


def _round(value: float | None, digits: int = 4) -> float | None:
    """Round for output (the dataclasses keep exact values)."""
    return None if value is None else round(value, digits)
