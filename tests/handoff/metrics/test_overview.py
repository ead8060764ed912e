"""The overview's card statuses: ok, watch, act, or not enough data, against the thresholds."""

from __future__ import annotations

from handoff.metrics.overview import ACT, NOT_ENOUGH, OK, WATCH, _delta_status, _rate_status
from handoff.metrics.stats import Delta, Rate


def test_rate_status_against_its_limit() -> None:
    """Is a rate over its limit "act", within a fifth of it "watch", and a small sample never judged?"""
    assert _rate_status(Rate(6, 100, 30), 0.05)[0] == ACT
    assert _rate_status(Rate(5, 100, 30), 0.05)[0] == WATCH  # 5.0% is not over 5%, but close
    assert _rate_status(Rate(3, 100, 30), 0.05)[0] == OK
    status, reason = _rate_status(Rate(5, 7, 30), 0.05)
    assert status == NOT_ENOUGH and reason == "n=7, too few to judge (minimum 30)"
    assert _rate_status(None, 0.05)[0] == NOT_ENOUGH


def test_csat_delta_status() -> None:
    """Is -2 points "act", a small drop "watch", no drop "ok", and a thin sample not judged?"""
    base = Rate(800, 1000, 30)
    assert _delta_status(Delta(Rate(78, 100, 30), base, "b"), -2)[0] == ACT
    assert _delta_status(Delta(Rate(79, 100, 30), base, "b"), -2)[0] == WATCH
    assert _delta_status(Delta(Rate(81, 100, 30), base, "b"), -2)[0] == OK
    assert _delta_status(Delta(Rate(1, 7, 30), base, "b"), -2)[0] == NOT_ENOUGH
    assert _delta_status(Delta(Rate(80, 100, 30), Rate(0, 0, 30), "b"), -2) == (
        NOT_ENOUGH,
        "no baseline to compare with",
    )
