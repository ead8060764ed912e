"""Assemble the panel and the handoff report from the families; flatten them for CSV and JSON."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.metrics import csat, deflection, fidelity, leading, operational, policy
from handoff.metrics.context import (
    DIMS,
    Context,
    Figure,
    Row,
    WeekRows,
    agg_key,
    archetype_lines,
    as_text,
    json_query,
    last_complete_week,
    loads,
    weeks_ending,
    window_label,
)
from handoff.metrics.facts import REPEAT_WINDOWS
from handoff.metrics.stats import RESOLUTION_NOTE
from handoff.models.metrics import MetricWeekHistogram
from handoff.policy.review import trust_figures
from handoff.productconfig import ProductConfig

VIEWS = {"weekly": 1, "monthly": 4, "quarterly": 13}
SERIES_WEEKS = {"weekly": 12, "monthly": 12, "quarterly": 26, "rolling": 12}


@dataclass(frozen=True)
class Headline:
    """One archetype's CSAT-protected deflection line."""

    archetype: str
    deflection: Figure
    resolution_delta: Figure | None
    delayed_delta: Figure | None
    protected: bool | None
    reason: str

    @property
    def text(self) -> str:
        """Render the line the spec asks for."""

        def pts(f: Figure | None) -> str:
            points = f.delta.points if f and f.delta else None
            return "n/a" if points is None else f"{points:+.1f} pts"

        rate = self.deflection.rate
        value = "n/a" if rate is None or rate.value is None else f"{rate.value * 100:.1f}%"
        return (
            f"{self.archetype}: deflection {value} with resolution CSAT delta "
            f"{pts(self.resolution_delta)} and delayed CSAT delta {pts(self.delayed_delta)}"
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "archetype": self.archetype,
            "text": self.text,
            "protected": self.protected,
            "reason": self.reason,
            "deflection": self.deflection.as_dict(),
            "resolution_csat_delta": self.resolution_delta.as_dict()
            if self.resolution_delta
            else None,
            "delayed_csat_delta": self.delayed_delta.as_dict() if self.delayed_delta else None,
        }


@dataclass(frozen=True)
class Panel:
    """Everything the panel and the handoff report show for one view."""

    view: str
    as_of: datetime
    window: tuple[str, ...]
    rolling: tuple[str, ...]
    baseline: tuple[str, ...]
    lines: dict[str, str]
    headline: tuple[Headline, ...]
    deflection: deflection.Deflection
    csat: csat.Csat
    handoff: fidelity.HandoffFidelity
    leading: leading.Leading
    operational: operational.Operational
    policy: policy.Policy
    notes: tuple[str, ...]

    def figures(self) -> list[Figure]:
        """Every figure of the window, in family order."""
        return [
            *self.deflection.figures, *self.csat.figures, *self.handoff.figures,
            *self.leading.figures, *self.operational.figures, *self.policy.figures,
        ]  # fmt: skip

    def series(self) -> list[Figure]:
        """Every weekly trend point."""
        pairs = [f for p in self.handoff.weeks for f in (p.context_loss, p.repetition)]
        return [*self.deflection.series, *self.csat.series, *pairs, *self.leading.series]

    def find(self, figure_id: str, scope: str = "all", key: str = "") -> Figure | None:
        """Return one figure by id and slice."""
        for f in self.figures():
            if (f.id, f.scope, f.key) == (figure_id, scope, key):
                return f
        return None

    def rows(self) -> list[dict[str, Any]]:
        """Flatten every figure and trend point to CSV rows with the spec's ids."""
        return [f.as_row() for f in self.figures()] + [f.as_row() for f in self.series()]

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form of the whole panel."""
        return {
            "view": self.view,
            "as_of": self.as_of.isoformat(),
            "window": window_label(self.window),
            "rolling_window": window_label(self.rolling),
            "baseline": window_label(self.baseline),
            "archetype_lines": self.lines,
            "headline": [h.as_dict() for h in self.headline],
            "figures": [f.as_dict() for f in self.figures()],
            "series": [f.as_dict() for f in self.series()],
            "context_loss_vs_repetition": [
                {"week": p.week, "gap_points": p.gap_points, "tracks": p.tracks}
                for p in self.handoff.weeks
            ],
            "deflection_bands": [
                {"archetype": a, "tier": t, "low": lo, "high": hi, "verdict": v}
                for a, t, lo, hi, v in self.deflection.bands
            ],
            "most_missing_fields": [
                {"field": k, "count": n} for k, n in self.operational.most_missing
            ],
            "intent_escalation_alerts": list(self.operational.intent_alerts),
            "bot_handle_time_rising_weeks": self.leading.bot_handle_rising_weeks,
            "unavailable": [{"id": i, "reason": r} for i, r in self.operational.unavailable]
            + (
                []
                if self.policy.available
                else [{"id": "policy_incidents", "reason": self.policy.note}]
            ),
            "notes": list(self.notes),
        }


def _protection(res: Figure | None, dly: Figure | None, limit: float) -> tuple[bool | None, str]:
    """Judge one archetype: not protected when a judged delta is at or below the limit, protected
    when both are judged and above it, otherwise not judged.

    A delta is judged only when it has a baseline and both samples reach the minimum: a delta
    on a handful of ratings, or with no baseline, reads "not judged", never either verdict.
    """

    def judged(f: Figure | None) -> float | None:
        if f is None or f.delta is None or f.delta.points is None:
            return None
        if f.delta.baseline.denominator == 0 or not f.delta.sufficient:
            return None
        return f.delta.points

    found = {"resolution": judged(res), "delayed": judged(dly)}
    low = [name for name, p in found.items() if p is not None and p <= limit]
    if low:
        return False, f"{' and '.join(low)} CSAT delta at or below {limit:g} points"
    missing = [name for name, p in found.items() if p is None]
    if missing:
        return None, (
            f"not judged: the {' and '.join(missing)} CSAT delta has no baseline or too few ratings"
        )
    return True, "both CSAT deltas above the limit"


def _headline(ctx: Context, deflect: deflection.Deflection, sat: csat.Csat) -> tuple[Headline, ...]:
    """Build one CSAT-protected deflection line per archetype line."""
    limit = ctx.config.threshold("protected_csat_points")
    lines = []
    for f in deflect.figures:
        if f.id != "deflection_rate" or f.scope != "archetype":
            continue
        res = sat.delta("resolution_csat_delta", "archetype", f.key)
        dly = sat.delta("delayed_csat_delta", "archetype", f.key)
        protected, reason = _protection(res, dly, limit)
        lines.append(Headline(f.key, f, res, dly, protected, reason))
    return tuple(lines)


def _json_rows(
    session: Session, column: str, runs: dict[str, tuple[str, ...]]
) -> list[dict[str, Any]]:
    """Read a JSON column (summed in Python) for runs of weeks, each row labelled with its run."""
    rows: list[dict[str, Any]] = []
    for label, weeks in runs.items():
        for r in session.execute(json_query(column, weeks)):
            row = r._asdict()
            row[column], row["week"] = loads(row[column]), label
            rows.append(row)
    return rows


def _histograms(
    session: Session, runs: dict[str, tuple[str, ...]], series: tuple[str, ...]
) -> WeekRows:
    """Histograms of each run of weeks merged once per rollup key, and per week × path for the trends.

    A run's weeks are merged here, once per key, so every slice merges one histogram per key
    whatever the run's length (a quarter is 13 weeks: merging per slice cost more than the SQL).
    Bucket edges stay JSON's strings: ``stats.merge`` turns them into integers once per slice.
    """
    merged: dict[tuple[str, ...], dict[str, dict[str, int]]] = {}
    for label, weeks in runs.items():
        for r in session.execute(json_query("hist", weeks)):
            into = merged.setdefault((label, r.intent, r.segment, r.channel, r.path), {})
            for name, histogram in (loads(r.hist) or {}).items():
                total = into.get(name)
                if total is None:
                    into[name] = histogram  # decoded just now: this merge owns it
                    continue
                get = total.get
                for edge, count in histogram.items():
                    total[edge] = get(edge, 0) + count
    rows: list[dict[str, Any]] = [
        {**dict(zip(("week", *DIMS[1:]), key, strict=True)), "hist": hist}
        for key, hist in merged.items()
    ]
    hist = as_text(MetricWeekHistogram.hist)
    query = sa.select(MetricWeekHistogram.week, MetricWeekHistogram.path, hist)
    for r in session.execute(query.where(MetricWeekHistogram.week.in_(series))):
        rows.append({"week": r.week, "path": r.path, "hist": loads(r.hist) or {}})
    return WeekRows(rows)


def build(
    session: Session,
    config: ProductConfig,
    *,
    now: datetime,
    view: str = "monthly",
    end_week: str | None = None,
) -> Panel:
    """Compute the panel for a view (weekly, monthly, quarterly) ending at the last complete week."""
    if view not in VIEWS and view != "rolling":
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    end = end_week or last_complete_week(config, now)
    size = int(config.threshold("rolling_weeks")) if view == "rolling" else VIEWS[view]
    window = weeks_ending(end, size)
    rolling = weeks_ending(end, int(config.threshold("rolling_weeks")))
    series = weeks_ending(end, SERIES_WEEKS[view])
    baseline = tuple(config.baseline_weeks())
    probe = Context(config, window, baseline, series, as_of=now)
    # The database sums each run of weeks a figure needs (window, baseline, matured repeat
    # windows); only the trend lines are read week by week, and then only per path.
    runs = {
        agg_key(w): w
        for w in (window, baseline, rolling, *(probe.matured(d) for d in REPEAT_WINDOWS.values()))
    }

    def gather(query: Any) -> WeekRows:
        rows: list[Row] = []
        for label, weeks in runs.items():
            rows += [r._mapping for r in session.execute(query(weeks, label=label))]
        rows += [r._mapping for r in session.execute(query(series, by=("week", "path")))]
        return WeekRows(rows)

    rows = gather(deflection.query)
    by_archetype: dict[str, int] = {}
    for row in rows.by_week.get(agg_key(window), []):
        archetype = config.archetype_of(row["intent"])
        if archetype:
            by_archetype[archetype] = by_archetype.get(archetype, 0) + int(row["contacts"])
    lines = archetype_lines(config, by_archetype)
    ctx = Context(config, window, baseline, series, lines, as_of=now)
    hist_rows = _histograms(session, {agg_key(window): window, agg_key(baseline): baseline}, series)
    deflect = deflection.compute(ctx, rows)
    sat = csat.compute(ctx, gather(csat.query))
    seam = fidelity.compute(ctx, gather(fidelity.query))
    lead = leading.compute(ctx, gather(leading.query), hist_rows)
    ops = operational.compute(ctx, gather(operational.query), hist_rows,
                              _json_rows(session, "missing", {agg_key(window): window}),
                              _trust(session, window))  # fmt: skip
    pol = policy.compute(session, ctx)
    notes = [
        RESOLUTION_NOTE,
        "baseline: whole ISO weeks inside the configured period; CSAT and handle-time deltas compare "
        "the same archetype (or segment/channel) in those weeks",
        "delayed CSAT has a baseline only if delayed surveys were answered in the baseline weeks",
    ]
    return Panel(
        view, now, window, rolling, baseline, lines, _headline(ctx, deflect, sat),
        deflect, sat, seam, lead, ops, pol, tuple(notes),
    )  # fmt: skip


def _trust(session: Session, window: Sequence[str]) -> list[operational.Trust]:
    """Return the QA review's trust figures over the window's weeks."""
    found = trust_figures(session, window)
    return [
        operational.Trust(name, ratio.numerator, ratio.denominator)
        for name, ratio in (
            ("sampled_hallucination_rate", found.sampled_hallucination_rate),
            ("grounding_citation_rate", found.grounding_citation_rate),
            ("unwarranted_confidence_rate", found.unwarranted_confidence_rate),
        )
    ]


def context(
    session: Session,
    config: ProductConfig,
    *,
    now: datetime,
    view: str = "monthly",
    end_week: str | None = None,
) -> Context:
    """Return the window, baseline and archetype lines a view uses (for drill-downs)."""
    end = end_week or last_complete_week(config, now)
    size = int(config.threshold("rolling_weeks")) if view == "rolling" else VIEWS.get(view, 4)
    window = weeks_ending(end, size)
    by_archetype: dict[str, int] = {}
    for row in session.execute(deflection.query(window)):
        archetype = config.archetype_of(row.intent)
        if archetype:
            by_archetype[archetype] = by_archetype.get(archetype, 0) + int(row.contacts)
    baseline = tuple(config.baseline_weeks())
    series = weeks_ending(end, SERIES_WEEKS.get(view, 12))
    return Context(
        config, window, baseline, series, archetype_lines(config, by_archetype), as_of=now
    )
