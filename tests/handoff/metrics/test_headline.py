"""CSAT-protected deflection: when an archetype's deflection counts as a win."""

from __future__ import annotations

from handoff.metrics.context import Figure
from handoff.metrics.panel import _protection
from handoff.metrics.stats import Delta, Rate


def delta(
    good: int, n: int, base_good: int, base_n: int, fid: str = "resolution_csat_delta"
) -> Figure:
    return Figure(
        fid, "archetype", "x", "w", delta=Delta(Rate(good, n, 30), Rate(base_good, base_n, 30), "b")
    )


def test_protected_needs_both_deltas_above_minus_two() -> None:
    """Is -1.5 points protected, -2.0 not, and -2 on the delayed side enough to lose it?"""
    # 80/100 vs 815/1000 = -1.5 points; 80/100 vs 820/1000 = -2.0 points
    assert _protection(delta(80, 100, 815, 1000), delta(80, 100, 815, 1000, "d"), -2)[0] is True
    assert _protection(delta(80, 100, 820, 1000), delta(80, 100, 800, 1000, "d"), -2)[0] is False
    assert _protection(delta(80, 100, 800, 1000), delta(80, 100, 820, 1000, "d"), -2)[0] is False


def test_delayed_without_baseline_and_small_samples() -> None:
    """Is a line with no delayed baseline, or on too few ratings, "not judged" (never a verdict)?"""
    protected, reason = _protection(delta(80, 100, 800, 1000), delta(40, 50, 0, 0, "d"), -2)
    assert protected is None and "no baseline" in reason
    # -50 points on 10 ratings is noise: not judged rather than not protected.
    assert _protection(delta(3, 10, 800, 1000), delta(80, 100, 800, 1000, "d"), -2)[0] is None
    assert (
        _protection(delta(8, 10, 800, 1000), delta(40, 50, 400, 500, "d"), -2)[0] is None
    )  # n=10 < 30
    assert _protection(delta(80, 100, 800, 1000), delta(8, 10, 400, 500, "d"), -2)[0] is None


def test_a_drop_on_too_few_ratings_is_not_judged() -> None:
    """Does a -20 point delta on 7 ratings read "not judged", never "not protected"?"""
    protected, reason = _protection(delta(4, 7, 800, 1000), delta(80, 100, 800, 1000, "d"), -2)
    assert protected is None and "too few ratings" in reason
    # The same drop on enough ratings is a loss.
    assert _protection(delta(60, 100, 800, 1000), delta(80, 100, 800, 1000, "d"), -2)[0] is False
