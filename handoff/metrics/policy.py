"""Family 4: hallucinated-policy incidents by class, and policy accuracy, from the policy area's tables.

The policy engineer owns ``handoff/policy/`` and its tables. We read ``policy_incidents`` when it
exists, finding its time, class and severity columns by name, and say plainly when it does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.metrics import sources
from handoff.metrics.common import Context, Figure, monday

TIME_COLUMNS = ("occurred_at", "stated_at", "detected_at", "created_at")
CLASS_COLUMNS = ("policy_class", "incident_class", "class", "category")
SEVERITY_COLUMNS = ("severity", "priority", "level")
CHECK_TABLES = ("policy_checks", "policy_statements")
MISSING = "the policy area's tables (policy_incidents) are not in this database yet; no figure is computed"


@dataclass(frozen=True)
class Policy:
    """Incident counts per week and class, P0 count, accuracy if checks exist, or why not."""

    available: bool
    figures: tuple[Figure, ...]
    p0: int
    note: str | None


def _pick(table: sa.Table, names: Sequence[str]) -> sa.Column | None:
    for name in names:
        if name in table.c:
            return table.c[name]
    return None


def compute(session: Session, ctx: Context) -> Policy:
    """Count incidents per week and class over the window (reflecting the table when present)."""
    if not sources.has_table(session, "policy_incidents"):
        return Policy(False, (), 0, MISSING)
    table = sa.Table("policy_incidents", sa.MetaData(), autoload_with=session.connection())
    when, klass = _pick(table, TIME_COLUMNS), _pick(table, CLASS_COLUMNS)
    severity = _pick(table, SEVERITY_COLUMNS)
    if when is None or klass is None:
        return Policy(False, (), 0, "policy_incidents has no recognisable time or class column")
    start = datetime.combine(monday(ctx.window[0]), datetime.min.time(), ctx.config.zone)
    end = datetime.combine(
        monday(ctx.window[-1]) + timedelta(days=7), datetime.min.time(), ctx.config.zone
    )
    columns = [when, klass] + ([severity] if severity is not None else [])
    query = sa.select(*columns).where(
        when >= start.astimezone(tz=None).replace(tzinfo=None),
        when < end.astimezone(tz=None).replace(tzinfo=None),
    )
    counts: dict[tuple[str, str], int] = {}
    p0 = 0
    for row in session.execute(query):
        stamp = row[0] if row[0].tzinfo else row[0].replace(tzinfo=UTC)
        key = (ctx.config.week_of(stamp), str(row[1]))
        counts[key] = counts.get(key, 0) + 1
        if severity is not None and str(row[2]).upper() == "P0":
            p0 += 1
    figures = [
        Figure("policy_incidents", "week_class", f"{w}/{c}", w, count=n)
        for (w, c), n in sorted(counts.items())
    ]
    return Policy(
        True, tuple(figures), p0, None if severity is not None else "no severity column: P0 unknown"
    )
