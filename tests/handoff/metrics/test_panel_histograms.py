"""The panel's histograms: a run of weeks is merged once per rollup key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from handoff.metrics import panel
from handoff.metrics.context import agg_key
from handoff.models.metrics import MetricRollup, MetricWeekHistogram

COUNTS = [c.name for c in MetricRollup.__table__.c if c.name not in ("week", "intent", "segment", "channel",
                                                         "path", "hist", "missing", "refreshed_at")]  # fmt: skip


def _rollup(week: str, path: str, hist: dict[str, Any]) -> MetricRollup:
    return MetricRollup(
        week=week, intent="returns", segment="pro", channel="chat", path=path, hist=hist,
        missing={}, refreshed_at=datetime(2026, 3, 1, tzinfo=UTC), **dict.fromkeys(COUNTS, 0),
    )  # fmt: skip


def test_a_run_of_weeks_gives_one_histogram_row_per_key(session: Session) -> None:
    """Does a 3-week run come back as one row per rollup key, its weeks' histograms summed?"""
    weeks = ("2026-W05", "2026-W06", "2026-W07")
    session.add_all([
        _rollup("2026-W05", "escalated", {"handle": {"60": 2}, "bot_handle": {}}),
        _rollup("2026-W06", "escalated", {"handle": {"60": 1, "120": 4}, "bot_handle": {"30": 1}}),
        _rollup("2026-W07", "escalated", {"handle": {}, "bot_handle": {}}),
        _rollup("2026-W06", "ai_only", {"bot_handle": {"30": 5}}),
        _rollup("2026-W08", "escalated", {"handle": {"60": 100}}),  # outside the run
        MetricWeekHistogram(week="2026-W08", path="escalated", hist={"handle": {"60": 100}}),
    ])  # fmt: skip
    session.flush()
    rows = panel._histograms(session, {agg_key(weeks): weeks}, ("2026-W08",))
    run = sorted(((r["path"], r["hist"]) for r in rows.by_week[agg_key(weeks)]), key=lambda r: r[0])
    assert run == [
        ("ai_only", {"bot_handle": {"30": 5}}),
        ("escalated", {"handle": {"60": 3, "120": 4}, "bot_handle": {"30": 1}}),
    ]
    assert [(r["path"], r["hist"]) for r in rows.by_week["2026-W08"]] == [
        ("escalated", {"handle": {"60": 100}})
    ]
