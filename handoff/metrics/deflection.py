"""Family 1: deflection, attempt, containment and abandonment, per archetype and slice."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import Select

from handoff.metrics.context import Context, Figure, Row, rollup_query, sliced

COLUMNS = ("contacts", "engaged", "ai_resolved", "contained", "abandoned", "refused")
SCOPES = ("all", "archetype", "segment", "channel")


def query(weeks: Iterable[str], **grouping: Any) -> Select[Any]:
    """Sum contact outcomes per rollup key over ``weeks``."""
    return rollup_query(COLUMNS, weeks, **grouping)


@dataclass(frozen=True)
class Deflection:
    """Deflection figures for the window, with each archetype's target band, and the weekly trend."""

    figures: tuple[Figure, ...]
    bands: tuple[tuple[str, str, float, float, str], ...]  # line, tier, low, high, verdict
    series: tuple[Figure, ...]


def compute(ctx: Context, rows: Sequence[Row]) -> Deflection:
    """Turn rollup rows into deflection, attempt, containment and abandonment rates."""
    figures: list[Figure] = []
    bands = []
    for (scope, key), s in sliced(ctx, rows, COLUMNS, ctx.window, SCOPES).items():
        deflection = ctx.rate(s["ai_resolved"], s["contacts"])
        figures += [
            Figure("deflection_rate", scope, key, ctx.label, rate=deflection),
            Figure(
                "deflection_attempt_rate",
                scope,
                key,
                ctx.label,
                rate=ctx.rate(s["engaged"], s["contacts"]),
            ),
            Figure(
                "containment_rate",
                scope,
                key,
                ctx.label,
                rate=ctx.rate(s["contained"], s["engaged"]),
            ),
            Figure(
                "abandonment_rate",
                scope,
                key,
                ctx.label,
                rate=ctx.rate(s["abandoned"], s["engaged"]),
            ),
        ]
        archetype = ctx.config.archetypes.get(key) if scope == "archetype" else None
        if archetype is not None and deflection.value is not None:
            low, high = archetype.target_band
            if not deflection.sufficient:
                verdict = "insufficient sample"
            elif deflection.value < low:
                verdict = "below band"
            elif deflection.value > high:
                verdict = "above band"
            else:
                verdict = "in band"
            bands.append((key, archetype.tier, low, high, verdict))
    series = []
    for week in ctx.series:
        week_sums = sliced(ctx, rows, COLUMNS, [week], ("all",)).get(("all", ""))
        if week_sums is not None:
            s = week_sums
            series.append(
                Figure(
                    "deflection_rate",
                    "week",
                    week,
                    week,
                    rate=ctx.rate(s["ai_resolved"], s["contacts"]),
                )
            )
    return Deflection(tuple(figures), tuple(bands), tuple(series))
