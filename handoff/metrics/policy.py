"""Family 4: hallucinated-policy incidents by class and policy accuracy.

``handoff/policy/`` owns the golden set, the checks and ``policy_incidents``; its ``report``
module counts them (deduplicated quotes, statements checked against the version in
force when they were said). We ask it for the panel's window and shape the answer as figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from handoff.metrics.context import Context, Figure
from handoff.policy import report
from handoff.weeks import monday

P0 = "P0"


@dataclass(frozen=True)
class Policy:
    """Incident counts per week, class and severity, the P0 count, and policy accuracy."""

    available: bool
    figures: tuple[Figure, ...]
    p0: int
    note: str | None


def _bounds(ctx: Context) -> tuple[datetime, datetime]:
    """Return the window's first and last instants (configured zone) as UTC."""
    zone = ctx.config.zone
    start = datetime.combine(monday(ctx.window[0]), datetime.min.time(), zone)
    end = datetime.combine(monday(ctx.window[-1]) + timedelta(days=7), datetime.min.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def compute(session: Session, ctx: Context) -> Policy:
    """Count incidents by week, class and severity over the window, and the accuracy of citations."""
    start, end = _bounds(ctx)
    counts = report.policy_incidents(session, start, end, ctx.config.zone)
    figures = [
        Figure(
            "policy_incidents",
            "week_class",
            f"{c.week}/{c.policy_class}/{c.severity}",
            c.week,
            count=c.count,
        )
        for c in counts
    ]
    accuracy = report.policy_accuracy(session, start, end)
    figures.append(
        Figure(
            "policy_accuracy",
            "all",
            "",
            ctx.label,
            rate=ctx.rate(accuracy.matching, accuracy.statements),
        )
    )
    p0 = sum(c.count for c in counts if c.severity == P0)
    return Policy(True, tuple(figures), p0, None)
