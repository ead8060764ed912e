"""Family 3: context fidelity: context loss (agent flags), repetition (detector), escalated CSAT."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import Select

from handoff.metrics.context import Context, Figure, Row, rollup_query, sliced

COLUMNS = (
    "escalated",
    "flagged",
    "checked",
    "repeated",
    "reask_suggested",
    "csat_good",
    "csat_bad",
)
SCOPES = ("all", "archetype", "segment", "channel")
TRACK_POINTS = 2.0  # context loss and repetition should agree within 2 points


def query(weeks: Iterable[str], **grouping: Any) -> Select[Any]:
    """Sum escalations, flags, detector results and ratings per rollup key over ``weeks``."""
    return rollup_query(COLUMNS, weeks, **grouping)


@dataclass(frozen=True)
class WeekPair:
    """Context loss and repetition side by side for one week, and whether they track."""

    week: str
    context_loss: Figure
    repetition: Figure

    @property
    def gap_points(self) -> float | None:
        """Return |repetition - context loss| in points."""
        a, b = self.context_loss.rate, self.repetition.rate
        if a is None or b is None or a.value is None or b.value is None:
            return None
        return abs(a.value - b.value) * 100

    @property
    def tracks(self) -> bool | None:
        """True when the two measures agree within 2 points."""
        gap = self.gap_points
        return None if gap is None else gap <= TRACK_POINTS


@dataclass(frozen=True)
class HandoffFidelity:
    """Context-fidelity figures for the window and the weekly side-by-side."""

    figures: tuple[Figure, ...]
    weeks: tuple[WeekPair, ...]


def _escalated(row: Row) -> bool:
    return bool(row["path"] == "escalated")


def compute(ctx: Context, rows: Sequence[Row]) -> HandoffFidelity:
    """Turn rollup rows into context-loss, repetition, re-ask and escalated-CSAT figures."""
    figures: list[Figure] = []
    base = sliced(ctx, rows, COLUMNS, ctx.baseline, ("all", "archetype", "segment", "channel"))
    for (scope, key), s in sliced(ctx, rows, COLUMNS, ctx.window, SCOPES, keep=_escalated).items():
        unchecked = int(s["escalated"] - s["checked"])
        b = base.get((scope, key)) or dict.fromkeys(COLUMNS, 0)
        escalated_csat = ctx.rate(s["csat_good"], s["csat_good"] + s["csat_bad"])
        figures += [
            Figure("context_loss_rate", scope, key, ctx.label, rate=ctx.rate(s["flagged"], s["escalated"])),
            Figure("repetition_rate", scope, key, ctx.label, rate=ctx.rate(s["repeated"], s["escalated"]),
                   note=f"{unchecked} escalation(s) not yet checked by the detector" if unchecked else None),
            Figure("suggested_reasks", scope, key, ctx.label, rate=ctx.rate(s["reask_suggested"], s["checked"])),
            Figure("escalated_csat_delta", scope, key, ctx.label,
                   delta=ctx.delta(escalated_csat, ctx.rate(b["csat_good"], b["csat_good"] + b["csat_bad"]))),
        ]  # fmt: skip
    pairs = []
    for week in ctx.series:
        found = sliced(ctx, rows, COLUMNS, [week], ("all",), keep=_escalated).get(("all", ""))
        s = found or dict.fromkeys(COLUMNS, 0)
        pairs.append(
            WeekPair(
                week,
                Figure(
                    "context_loss_rate",
                    "week",
                    week,
                    week,
                    rate=ctx.rate(s["flagged"], s["escalated"]),
                ),
                Figure(
                    "repetition_rate",
                    "week",
                    week,
                    week,
                    rate=ctx.rate(s["repeated"], s["escalated"]),
                ),
            )
        )
    return HandoffFidelity(tuple(figures), tuple(pairs))
