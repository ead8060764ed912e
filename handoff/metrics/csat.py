"""Family 2: CSAT at three latencies (resolution, delayed, model-scored) and their deltas by slice."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import Select

from handoff.metrics.context import Context, Figure, Row, rollup_query, sliced

COLUMNS = (
    "csat_good", "csat_bad", "csat_offered", "dcsat_good", "dcsat_bad", "dcsat_sent",
    "model_csat_sum", "model_csat_n",
)  # fmt: skip
SCOPES = ("all", "archetype", "segment", "channel", "path")
MODEL_NOTE = "a fast proxy from the bot's own score (mean, 0-1); no baseline exists before the bot"


def query(weeks: Iterable[str], **grouping: Any) -> Select[Any]:
    """Sum ratings and survey counts per rollup key over ``weeks``."""
    return rollup_query(COLUMNS, weeks, **grouping)


@dataclass(frozen=True)
class Csat:
    """CSAT figures for the window and the weekly trend of resolution and delayed CSAT."""

    figures: tuple[Figure, ...]
    series: tuple[Figure, ...]

    def delta(self, figure_id: str, scope: str, key: str) -> Figure | None:
        """Return one delta figure by slice."""
        for f in self.figures:
            if (f.id, f.scope, f.key) == (figure_id, scope, key):
                return f
        return None


def compute(ctx: Context, rows: Sequence[Row]) -> Csat:
    """Turn rollup rows into CSAT rates, response rates and deltas against the baseline."""
    now = sliced(ctx, rows, COLUMNS, ctx.window, SCOPES)
    base = sliced(ctx, rows, COLUMNS, ctx.baseline, SCOPES)
    figures: list[Figure] = []
    for (scope, key), s in now.items():
        b = base.get((scope, key)) if scope != "path" else base.get(("all", ""))
        b = b or dict.fromkeys(COLUMNS, 0)
        resolution = ctx.rate(s["csat_good"], s["csat_good"] + s["csat_bad"])
        delayed = ctx.rate(s["dcsat_good"], s["dcsat_good"] + s["dcsat_bad"])
        figures += [
            Figure("resolution_csat", scope, key, ctx.label, rate=resolution),
            Figure("resolution_csat_response_rate", scope, key, ctx.label,
                   rate=ctx.rate(s["csat_good"] + s["csat_bad"], s["csat_offered"])),
            Figure("resolution_csat_delta", scope, key, ctx.label,
                   delta=ctx.delta(resolution, ctx.rate(b["csat_good"], b["csat_good"] + b["csat_bad"]))),
            Figure("delayed_csat", scope, key, ctx.label, rate=delayed),
            Figure("delayed_csat_response_rate", scope, key, ctx.label,
                   rate=ctx.rate(s["dcsat_good"] + s["dcsat_bad"], s["dcsat_sent"])),
            Figure("delayed_csat_delta", scope, key, ctx.label,
                   delta=ctx.delta(delayed, ctx.rate(b["dcsat_good"], b["dcsat_good"] + b["dcsat_bad"]))),
        ]  # fmt: skip
        if s["model_csat_n"]:
            figures.append(
                Figure("model_csat", scope, key, ctx.label, amount=s["model_csat_sum"] / s["model_csat_n"],
                       count=int(s["model_csat_n"]), note=MODEL_NOTE)
            )  # fmt: skip
    series = []
    for week in ctx.series:
        week_sums = sliced(ctx, rows, COLUMNS, [week], ("all",)).get(("all", ""))
        if week_sums is not None:
            s = week_sums
            series.append(
                Figure(
                    "resolution_csat",
                    "week",
                    week,
                    week,
                    rate=ctx.rate(s["csat_good"], s["csat_good"] + s["csat_bad"]),
                )
            )
            series.append(
                Figure(
                    "delayed_csat",
                    "week",
                    week,
                    week,
                    rate=ctx.rate(s["dcsat_good"], s["dcsat_good"] + s["dcsat_bad"]),
                )
            )
    return Csat(tuple(figures), tuple(series))
