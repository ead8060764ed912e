"""The overview a lead reads first: the headline and the handoff KPIs as cards with a status.

A card's status compares the figure on the rolling window (the same window the action triggers
use) with its configured threshold:

* ``act``: the cadence's trigger for this figure has fired with enough data, so an action is
  (or, at the next evaluation, will be) open; the reason names the archetypes. Triggers are per
  archetype, so a card over its limit overall with no archetype crossing it on enough data
  says ``watch`` and why, and a card whose figure has no trigger (escalated CSAT) never says
  ``act``;
* ``watch``: not past it, but heading there (a rate above 80% of its limit, a CSAT delta below
  zero, a handle time above its baseline), or past it with no action to take yet;
* ``ok``: neither;
* ``not_enough_data``: the sample is below the configured minimum (or there is no baseline to
  compare with), so the figure is shown greyed and judged by nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.metrics import actions, fidelity
from handoff.metrics.context import Figure
from handoff.metrics.names import FIGURES
from handoff.metrics.panel import Panel
from handoff.metrics.stats import Delta, Rate
from handoff.models.metrics import Action
from handoff.productconfig import ProductConfig

OK, WATCH, ACT, NOT_ENOUGH = "ok", "watch", "act", "not_enough_data"
STATUS_WORDS = {OK: "OK", WATCH: "Watch", ACT: "Act", NOT_ENOUGH: "Not enough data"}
WATCH_SHARE = 0.8  # a rate above 80% of its limit is worth watching
KPIS = ("context_loss_rate", "repetition_rate", "escalated_csat_delta", "escalated_handle_time")


@dataclass(frozen=True)
class Point:
    """One week of a card's trend: the value (or a gap) and whether its sample is large enough."""

    week: str
    value: float | None
    n: int
    sufficient: bool


@dataclass(frozen=True)
class Card:
    """One KPI as a lead reads it: value, change, trend and status against the threshold."""

    figure_id: str
    name: str
    definition: str
    kind: str  # "rate" (a share), "points" (a CSAT delta) or "duration" (seconds)
    value: float | None
    interval: tuple[float, float] | None
    n: int
    min_n: int
    change: float | None  # points for rates and deltas; a fraction for durations
    change_interval: tuple[float, float] | None
    change_against: str
    threshold: float
    threshold_text: str
    status: str
    reason: str
    trend: tuple[Point, ...]

    @property
    def status_word(self) -> str:
        """Say the status in words (colour is never the only signal)."""
        return STATUS_WORDS[self.status]


@dataclass(frozen=True)
class ArchetypeLine:
    """One archetype of the CSAT-protected deflection headline."""

    archetype: str
    deflection: Rate | None
    status: str
    verdict: str
    text: str
    reason: str


@dataclass(frozen=True)
class Change:
    """One line of "what changed since last week"."""

    text: str
    status: str


@dataclass(frozen=True)
class Overview:
    """Everything the overview page shows."""

    window: tuple[str, ...]
    deflection: Rate | None
    headline: tuple[ArchetypeLine, ...]
    cards: tuple[Card, ...]
    changes: tuple[Change, ...]
    min_n: int


def _rate_status(rate: Rate | None, limit: float) -> tuple[str, str]:
    if rate is None or rate.value is None or not rate.sufficient:
        n = rate.denominator if rate else 0
        return NOT_ENOUGH, f"n={n}, too few to judge (minimum {rate.min_n if rate else '?'})"
    if rate.value > limit:
        return ACT, f"above the {limit * 100:g}% limit"
    if rate.value > limit * WATCH_SHARE:
        return WATCH, f"close to the {limit * 100:g}% limit"
    return OK, f"below the {limit * 100:g}% limit"


def _delta_status(delta: Delta | None, review: float) -> tuple[str, str]:
    if delta is None or delta.points is None:
        return NOT_ENOUGH, "no baseline to compare with"
    if not delta.sufficient:
        return NOT_ENOUGH, (
            f"n={delta.current.denominator} ratings now, {delta.baseline.denominator} in the "
            f"baseline, too few to judge (minimum {delta.current.min_n})"
        )
    if delta.points <= review:
        return ACT, f"at or below {review:g} points"
    if delta.points < 0:
        return WATCH, "below the baseline"
    return OK, "at or above the baseline"


def _sum_rates(points: Sequence[Rate]) -> Rate | None:
    if not points:
        return None
    return Rate(
        sum(r.numerator for r in points), sum(r.denominator for r in points), points[0].min_n
    )


def _rate_card(
    panel: Panel, config: ProductConfig, figure_id: str, weekly: Sequence[Figure]
) -> Card:
    """A share with a limit: context loss, repetition; its change is against the previous window."""
    f = panel.find(figure_id)
    rate = f.rate if f else None
    limit = config.threshold(figure_id)
    status, reason = _rate_status(rate, limit)
    size = len(panel.window)
    rates = [w.rate for w in weekly if w.rate is not None]
    before = _sum_rates(rates[-2 * size : -size]) if len(rates) >= 2 * size else None
    change = interval = None
    if rate is not None and before is not None and before.denominator:
        delta = Delta(rate, before, "previous weeks")
        change, interval = delta.points, delta.interval
    return Card(
        figure_id, FIGURES[figure_id].name, FIGURES[figure_id].definition, "rate",
        rate.value if rate else None, rate.interval if rate else None,
        rate.denominator if rate else 0, config.min_sample, change, interval,
        f"the {size} weeks before", limit, f"limit {limit * 100:g}%", status, reason,
        tuple(Point(w.key, w.rate.value, w.rate.denominator, w.rate.sufficient)
              for w in weekly if w.rate is not None),
    )  # fmt: skip


def escalated_csat_weeks(session: Session, weeks: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Return (good, rated) CSAT of escalated contacts per week."""
    query = fidelity.query(weeks, by=("week", "path"))
    out: dict[str, tuple[int, int]] = {}
    for row in session.execute(query):
        if row.path != "escalated":
            continue
        good, bad = int(row.csat_good or 0), int(row.csat_bad or 0)
        g0, n0 = out.get(row.week, (0, 0))
        out[row.week] = (g0 + good, n0 + good + bad)
    return out


def _csat_card(panel: Panel, config: ProductConfig, weekly: dict[str, tuple[int, int]]) -> Card:
    fid = "escalated_csat_delta"
    f = panel.find(fid)
    delta = f.delta if f else None
    review = config.threshold("csat_review_points")
    status, reason = _delta_status(delta, review)
    trend = []
    base = delta.baseline.value if delta else None
    for week in panel.handoff.weeks:
        good, rated = weekly.get(week.week, (0, 0))
        value = None if base is None or not rated else (good / rated - base) * 100
        trend.append(Point(week.week, value, rated, rated >= config.min_sample))
    return Card(
        fid, FIGURES[fid].name, FIGURES[fid].definition, "points",
        delta.points if delta else None, delta.interval if delta else None,
        delta.current.denominator if delta else 0, config.min_sample,
        delta.points if delta else None, delta.interval if delta else None,
        "baseline", review, f"review at {review:g} pts", status, reason, tuple(trend),
    )  # fmt: skip


def _handle_card(panel: Panel, config: ProductConfig) -> Card:
    fid = "escalated_handle_time"
    f = panel.find(fid)
    current = f.quantile if f else None
    base = f.baseline if f else None
    increase = config.threshold("escalated_handle_time_increase")
    change = None
    if current and base and current.seconds is not None and base.seconds:
        change = current.seconds / base.seconds - 1
    if current is None or current.seconds is None or not current.sufficient:
        status, reason = (
            NOT_ENOUGH,
            f"n={current.n if current else 0}, too few to judge (minimum {config.min_sample})",
        )
    elif base is None or not base.seconds or not base.sufficient:
        status, reason = NOT_ENOUGH, "no baseline handle time to compare with"
    elif change is not None and change > increase:
        status, reason = ACT, f"more than {increase * 100:g}% over the baseline"
    elif change is not None and change > 0:
        status, reason = WATCH, "slower than the baseline"
    else:
        status, reason = OK, "at or under the baseline"
    trend = tuple(
        Point(s.key, s.quantile.seconds, s.quantile.n, s.quantile.sufficient)
        for s in panel.leading.series
        if s.id == fid and s.quantile is not None
    )
    return Card(
        fid, FIGURES[fid].name, FIGURES[fid].definition, "duration",
        current.seconds if current else None, None, current.n if current else 0,
        config.min_sample, change, None, "baseline", increase,
        f"act above baseline +{increase * 100:g}%", status, reason, trend,
    )  # fmt: skip


def _headline(panel: Panel) -> tuple[ArchetypeLine, ...]:
    lines = []
    for h in panel.headline:
        if h.protected is True:
            status, verdict = OK, "protected"
        elif h.protected is False:
            status, verdict = ACT, "not protected"
        else:
            status, verdict = NOT_ENOUGH, "not judged"
        lines.append(
            ArchetypeLine(h.archetype, h.deflection.rate, status, verdict, h.text, h.reason)
        )
    return tuple(lines)


def _changes(cards: Sequence[Card], session: Session, now: datetime) -> tuple[Change, ...]:
    """Say what moved between the last two weeks, and which actions opened or closed this week."""
    out: list[Change] = []
    for card in cards:
        known = [p for p in card.trend if p.value is not None]
        if len(known) < 2 or known[-1].week != card.trend[-1].week:
            continue
        before, after = known[-2], known[-1]
        if card.kind == "duration":
            moved = f"{_hours(before.value)} → {_hours(after.value)}"
        elif card.kind == "points":
            moved = f"{before.value:+.1f} → {after.value:+.1f} pts"
        else:
            moved = f"{before.value * 100:.1f}% → {after.value * 100:.1f}%"  # type: ignore[operator]
        small = "" if after.sufficient else f" (n={after.n}, too few to judge)"
        out.append(Change(f"{card.name}: {moved} ({before.week} to {after.week}){small}",
                          card.status if after.sufficient else NOT_ENOUGH))  # fmt: skip
    since = now - timedelta(days=7)
    query = sa.select(Action).where(sa.or_(Action.opened_at >= since, Action.closed_at >= since))
    for a in session.scalars(query.order_by(Action.id)):
        about = (a.archetype or a.intent or "all").replace("_", " ")
        if a.closed_at is not None and a.closed_at >= since:
            out.append(Change(f"Action #{a.id} ({a.kind.replace('_', ' ')}, {about}) closed", OK))
        if a.opened_at >= since:
            out.append(
                Change(
                    f"Action #{a.id} opened: {a.kind.replace('_', ' ')} for {about}, owner {a.owner}",
                    ACT,
                )
            )
    return tuple(out)


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


# The cadence's trigger for each card's figure (actions.candidates), if it has one.
CARD_TRIGGERS = {
    "context_loss_rate": "context_loss_rate>",
    "repetition_rate": "repetition_rate>",
    "escalated_handle_time": "escalated_handle_time>",
}


def _with_actions(card: Card, fired: Sequence[actions.Candidate]) -> Card:
    """Say ``act`` only where an action is warranted: the figure's trigger fired on enough data."""
    prefix = CARD_TRIGGERS.get(card.figure_id)
    where = sorted({c.key.replace("_", " ") or "all" for c in fired
                    if prefix and c.trigger.startswith(prefix)})  # fmt: skip
    if where:
        return replace(card, status=ACT, reason=f"{card.reason}; action for {', '.join(where)}")
    if card.status != ACT:
        return card
    if prefix is None:
        why = "the cadence opens no action on this figure (CSAT actions follow resolution CSAT)"
    else:
        why = "no archetype crosses it with enough contacts to open an action"
    return replace(card, status=WATCH, reason=f"{card.reason} overall; {why}")


def build(session: Session, config: ProductConfig, panel: Panel, *, now: datetime) -> Overview:
    """Word the rolling-window panel as the overview's headline, cards and changes."""
    weeks = [p.week for p in panel.handoff.weeks]
    cards = (
        _rate_card(panel, config, "context_loss_rate", [p.context_loss for p in panel.handoff.weeks]),
        _rate_card(panel, config, "repetition_rate", [p.repetition for p in panel.handoff.weeks]),
        _csat_card(panel, config, escalated_csat_weeks(session, weeks)),
        _handle_card(panel, config),
    )  # fmt: skip
    fired = [c for c in actions.candidates(panel, config) if c.sufficient]
    judged = tuple(_with_actions(card, fired) for card in cards)
    overall = panel.find("deflection_rate")
    return Overview(
        panel.window, overall.rate if overall else None, _headline(panel), judged,
        _changes(judged, session, now), config.min_sample,
    )  # fmt: skip
