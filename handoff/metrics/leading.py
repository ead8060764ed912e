"""Leading indicators: bot handle time, escalated handle time against baseline, repeat contacts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import Select

from handoff.metrics.context import (
    Context,
    Figure,
    Row,
    rollup_query,
    sliced,
    sliced_hist,
)
from handoff.metrics.facts import REPEAT_WINDOWS

COLUMNS = ("resolved", "repeat_24h", "repeat_7d", "repeat_30d")
SCOPES = ("all", "archetype", "segment", "channel")


def query(weeks: Iterable[str], **grouping: Any) -> Select[Any]:
    """Sum resolved contacts and their repeats per rollup key over ``weeks``."""
    return rollup_query(COLUMNS, weeks, **grouping)


@dataclass(frozen=True)
class Leading:
    """Leading indicators for the window, weekly trends, and the weeks bot handle time rose."""

    figures: tuple[Figure, ...]
    series: tuple[Figure, ...]
    bot_handle_rising_weeks: int


def _path(name: str):  # type: ignore[no-untyped-def,unused-ignore]
    return lambda row: row["path"] == name


def _engaged(row: Row) -> bool:
    return bool(row["path"] != "human_only")


def compute(ctx: Context, rows: Sequence[Row], hist_rows: Sequence[Row]) -> Leading:
    """Turn rollup rows and histograms into medians, the baseline comparison and repeat rates."""
    figures: list[Figure] = []
    for (scope, key), h in sliced_hist(
        ctx, hist_rows, "bot_handle", ctx.window, SCOPES, _engaged
    ).items():
        figures.append(Figure("bot_handle_time", scope, key, ctx.label, quantile=ctx.quantile(h)))
    base = sliced_hist(ctx, hist_rows, "handle", ctx.baseline, SCOPES, _path("human_only"))
    for (scope, key), h in sliced_hist(
        ctx, hist_rows, "handle", ctx.window, SCOPES, _path("escalated")
    ).items():
        current = ctx.quantile(h)
        baseline = ctx.quantile(base.get((scope, key), {}))
        note = None
        if current.seconds is not None and baseline.seconds:
            change = current.seconds / baseline.seconds - 1
            note = f"{change * 100:+.1f}% vs {ctx.baseline_label} median"
        figures.append(
            Figure(
                "escalated_handle_time",
                scope,
                key,
                ctx.label,
                quantile=current,
                baseline=baseline,
                note=note,
            )
        )
    for name, window in REPEAT_WINDOWS.items():
        weeks = ctx.matured(window)
        label = f"{weeks[0]}..{weeks[-1]}" if len(weeks) > 1 else weeks[0]
        for scope in ("all", "archetype", "path"):
            for (sc, key), s in sliced(ctx, rows, COLUMNS, weeks, (scope,)).items():
                if sc == "path" and key == "human_only":
                    continue
                figure_id = name.replace("repeat_", "repeat_contact_")
                figures.append(
                    Figure(figure_id, sc, key, label, rate=ctx.rate(s[name], s["resolved"]))
                )
    series = []
    medians = []
    for week in ctx.series:
        bot = sliced_hist(ctx, hist_rows, "bot_handle", [week], ("all",), _engaged).get(
            ("all", ""), {}
        )
        handle_hist = sliced_hist(
            ctx, hist_rows, "handle", [week], ("all",), _path("escalated")
        ).get(("all", ""), {})
        bq, hq = ctx.quantile(bot), ctx.quantile(handle_hist)
        series.append(Figure("bot_handle_time", "week", week, week, quantile=bq))
        series.append(Figure("escalated_handle_time", "week", week, week, quantile=hq))
        medians.append(bq.seconds)
    rising = 0
    for before, after in zip(medians, medians[1:], strict=False):
        rising = rising + 1 if before is not None and after is not None and after > before else 0
    return Leading(tuple(figures), tuple(series), rising)
