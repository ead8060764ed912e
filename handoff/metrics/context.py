"""What every family shares: the rollup query, the window, archetype lines and slicing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.sql import Select

from handoff.metrics.stats import Delta, Quantile, Rate, make_quantile, merge
from handoff.models.metrics import MetricRollup
from handoff.productconfig import LONG_TAIL, UNMAPPED, ProductConfig
from handoff.weeks import monday, week_label

DIMS = ("week", "intent", "segment", "channel", "path")
SCOPES = ("all", "archetype", "segment", "channel", "path")
Row = Mapping[Any, Any]


def agg_key(weeks: Sequence[str]) -> str:
    """Name a run of weeks summed in SQL, distinct from any single week's label."""
    return f"agg:{weeks[0]}..{weeks[-1]}:{len(weeks)}" if weeks else "agg:none"


def rollup_query(
    columns: Sequence[str],
    weeks: Iterable[str],
    *,
    by: Sequence[str] = ("intent", "segment", "channel", "path"),
    label: str | None = None,
) -> Select[Any]:
    """Sum rollup columns over ``weeks``, grouped by ``by``.

    With ``label`` the weeks are summed together (the database does the work across weeks) and
    every row carries ``label`` as its week; without it each week stays a group of its own.
    """
    dims = [getattr(MetricRollup, d) for d in by if d != "week"]
    week = sa.literal(label).label("week") if label else MetricRollup.week
    sums = [sa.func.sum(getattr(MetricRollup, c)).label(c) for c in columns]
    query = sa.select(week, *dims, *sums).where(MetricRollup.week.in_(sorted(set(weeks))))
    return query.group_by(*dims) if label else query.group_by(MetricRollup.week, *dims)


def json_query(column: str, weeks: Iterable[str]) -> Select[Any]:
    """Select a JSON column (histograms, missing fields) per rollup key as text, for ``loads``."""
    dims = [getattr(MetricRollup, d) for d in DIMS]
    return sa.select(*dims, as_text(getattr(MetricRollup, column))).where(
        MetricRollup.week.in_(sorted(set(weeks)))
    )


def as_text(column: Any) -> sa.ColumnElement[str]:
    """Read a JSON column as its text, so that ``loads`` decodes it instead of the driver."""
    return sa.cast(column, sa.Text).label(column.key)


def loads(text: str | None) -> Any:
    """Decode a JSON column read by ``as_text`` (orjson: 4-5x the standard library's speed)."""
    return None if text is None else orjson.loads(text)


def weeks_ending(week: str, count: int) -> tuple[str, ...]:
    """Return ``count`` consecutive ISO weeks ending with ``week``, oldest first."""
    end = monday(week)
    return tuple(week_label(end - timedelta(weeks=i)) for i in reversed(range(count)))


def last_complete_week(config: ProductConfig, now: datetime) -> str:
    """Return the latest ISO week that has ended in the configured zone."""
    local = now.astimezone(config.zone).date()
    return week_label(local - timedelta(days=local.weekday() + 1))


def window_label(weeks: Sequence[str]) -> str:
    """Name a run of weeks: ``2026-W07..2026-W10``."""
    if not weeks:
        return ""
    return weeks[0] if len(weeks) == 1 else f"{weeks[0]}..{weeks[-1]}"


@dataclass(frozen=True)
class Context:
    """One panel computation: the config, the weeks in view, the baseline and the archetype lines."""

    config: ProductConfig
    window: tuple[str, ...]
    baseline: tuple[str, ...]
    series: tuple[str, ...]
    lines: Mapping[str, str] = field(default_factory=dict)
    as_of: datetime | None = None

    @property
    def min_n(self) -> int:
        """Return the minimum sample size."""
        return self.config.min_sample

    @property
    def label(self) -> str:
        """Name the window."""
        return window_label(self.window)

    @property
    def baseline_label(self) -> str:
        """Name the baseline period."""
        c = self.config
        return f"baseline {c.baseline_start.isoformat()}..{c.baseline_end.isoformat()} ({window_label(self.baseline)})"

    def matured(self, window: timedelta) -> tuple[str, ...]:
        """Return the window shifted back until its last week has had ``window`` to show repeats."""
        end = self.window[-1]
        limit = self.as_of or datetime.max.replace(tzinfo=self.config.zone)
        while True:
            closes = datetime.combine(
                monday(end) + timedelta(days=7), datetime.min.time(), self.config.zone
            )
            if closes + window <= limit:
                return weeks_ending(end, len(self.window))
            end = week_label(monday(end) - timedelta(days=7))

    def line(self, intent: str) -> str:
        """Return the archetype line an intent is reported on (top N, long tail or unmapped)."""
        archetype = self.config.archetype_of(intent)
        if archetype is None:
            return UNMAPPED
        return self.lines.get(archetype, LONG_TAIL)

    def key(self, scope: str, row: Row) -> str:
        """Return a row's slice value for a scope."""
        if scope == "all":
            return ""
        if scope == "archetype":
            return self.line(row["intent"])
        return str(row[scope])

    def rate(self, numerator: float, denominator: float) -> Rate:
        """Build a rate with the configured minimum sample."""
        return Rate(int(numerator), int(denominator), self.min_n)

    def quantile(self, histogram: Mapping[int, int], q: float = 0.5) -> Quantile:
        """Build a quantile with the configured minimum sample."""
        return make_quantile(histogram, q, self.min_n)

    def delta(self, current: Rate, baseline: Rate) -> Delta:
        """Build a delta against the baseline period."""
        return Delta(current, baseline, self.baseline_label)


def archetype_lines(config: ProductConfig, contacts: Mapping[str, int]) -> dict[str, str]:
    """Give the top N archetypes by contacts their own line; the others share ``long_tail``."""
    ranked = sorted(contacts.items(), key=lambda kv: (-kv[1], kv[0]))
    top = {name for name, _ in ranked[: config.top_archetypes]}
    return {name: (name if name in top else LONG_TAIL) for name in config.archetypes}


class WeekRows(list[Row]):
    """Rollup rows with an index by week, so a family slices one week without scanning all."""

    def __init__(self, rows: Iterable[Row]) -> None:
        super().__init__(rows)
        self.by_week: dict[str, list[Row]] = {}
        for row in self:
            self.by_week.setdefault(row["week"], []).append(row)


def _in_weeks(rows: Sequence[Row], weeks: Iterable[str]) -> Iterable[Row]:
    """Yield the rows of these weeks, through the index when there is one."""
    index = getattr(rows, "by_week", None)
    if index is not None:
        weeks = tuple(weeks)
        summed = index.get(agg_key(weeks))
        if summed is not None:
            yield from summed
            return
        for week in dict.fromkeys(weeks):
            yield from index.get(week, ())
        return
    wanted = set(weeks)
    yield from (row for row in rows if row["week"] in wanted)


def sums(
    rows: Iterable[Row], columns: Sequence[str], *, keep: Callable[[Row], bool] = lambda r: True
) -> dict[str, float]:
    """Add the columns of the rows ``keep`` accepts."""
    total: Counter[str] = Counter()
    for row in rows:
        if keep(row):
            for c in columns:
                total[c] += row[c] or 0
    return {c: total[c] for c in columns}


def sliced(
    ctx: Context,
    rows: Sequence[Row],
    columns: Sequence[str],
    weeks: Iterable[str],
    scopes: Sequence[str] = SCOPES,
    keep: Callable[[Row], bool] = lambda r: True,
) -> dict[tuple[str, str], dict[str, float]]:
    """Sum columns over ``weeks`` per (scope, slice value)."""
    out: dict[tuple[str, str], Counter[str]] = {}
    for row in _in_weeks(rows, weeks):
        if not keep(row):
            continue
        for scope in scopes:
            bucket = out.setdefault((scope, ctx.key(scope, row)), Counter())
            for c in columns:
                bucket[c] += row[c] or 0
    return {k: {c: v[c] for c in columns} for k, v in sorted(out.items())}


def sliced_hist(
    ctx: Context,
    rows: Sequence[Row],
    name: str,
    weeks: Iterable[str],
    scopes: Sequence[str] = SCOPES,
    keep: Callable[[Row], bool] = lambda r: True,
) -> dict[tuple[str, str], dict[int, int]]:
    """Merge one histogram over ``weeks`` per (scope, slice value)."""
    parts: dict[tuple[str, str], list[Mapping[str, int]]] = {}
    for row in _in_weeks(rows, weeks):
        if not keep(row):
            continue
        histogram = (row["hist"] or {}).get(name) or {}
        for scope in scopes:
            parts.setdefault((scope, ctx.key(scope, row)), []).append(histogram)
    return {k: merge(v) for k, v in sorted(parts.items())}


@dataclass(frozen=True)
class Figure:
    """One reported number: its spec id, its slice, its window, and what kind of number it is."""

    id: str
    scope: str
    key: str
    window: str
    rate: Rate | None = None
    delta: Delta | None = None
    quantile: Quantile | None = None
    count: int | None = None
    amount: float | None = None
    note: str | None = None
    baseline: Quantile | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form of the figure."""
        out: dict[str, Any] = {
            "id": self.id,
            "scope": self.scope,
            "key": self.key,
            "window": self.window,
        }
        if self.rate is not None:
            out["rate"] = self.rate.as_dict()
        if self.delta is not None:
            out["delta"] = self.delta.as_dict()
        if self.quantile is not None:
            out["quantile"] = {"q": self.quantile.q, **self.quantile.as_dict()}
        if self.baseline is not None:
            out["baseline"] = {"q": self.baseline.q, **self.baseline.as_dict()}
        if self.count is not None:
            out["count"] = self.count
        if self.amount is not None:
            out["amount"] = round(self.amount, 4)
        if self.note:
            out["note"] = self.note
        return out

    def as_row(self) -> dict[str, Any]:
        """Return a flat CSV row: value, counts, interval, sample verdict, baseline."""
        row: dict[str, Any] = {
            "id": self.id, "scope": self.scope, "key": self.key, "window": self.window,
            "value": None, "numerator": None, "denominator": None, "ci95_low": None,
            "ci95_high": None, "n": None, "baseline_value": None, "baseline_n": None,
            "baseline_period": None, "sufficient": None, "note": self.note,
        }  # fmt: skip
        if self.rate is not None:
            d = self.rate.as_dict()
            row.update(value=d["value"], numerator=d["numerator"], denominator=d["denominator"],
                       ci95_low=d["ci95_low"], ci95_high=d["ci95_high"], n=d["denominator"],
                       sufficient=d["sufficient"], note=self.note or d["note"])  # fmt: skip
        elif self.delta is not None:
            d = self.delta.as_dict()
            row.update(value=d["points"], numerator=d["current"]["numerator"],
                       denominator=d["current"]["denominator"], ci95_low=d["ci95_low"],
                       ci95_high=d["ci95_high"], n=d["n_current"],
                       baseline_value=d["baseline"]["value"], baseline_n=d["n_baseline"],
                       baseline_period=d["baseline_period"], sufficient=d["sufficient"],
                       note=self.note or d["note"])  # fmt: skip
        elif self.quantile is not None:
            d = self.quantile.as_dict()
            row.update(
                value=d["seconds"],
                n=d["n"],
                sufficient=d["sufficient"],
                note=self.note or d["note"],
            )
        elif self.amount is not None:
            # A mean or a cost: the amount is the value, the count (if any) its sample.
            row.update(value=round(self.amount, 4), n=self.count)
        elif self.count is not None:
            row.update(value=self.count, n=self.count)
        return row
