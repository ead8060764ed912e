"""Core queries for the panel and the sidebar: incidents by week and class, accuracy, a ticket's incidents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.models.policy import PolicyCheck, PolicyIncident
from handoff.policy.checks import CAPABILITY
from handoff.policy.golden import current


@dataclass(frozen=True)
class IncidentCount:
    """``policy_incidents``: distinct incidents of one ISO week, class and severity."""

    week: str
    policy_class: str
    severity: str
    count: int


@dataclass(frozen=True)
class Accuracy:
    """``policy_accuracy``: policy-citing statements that matched the version in force, with counts."""

    matching: int
    statements: int

    @property
    def rate(self) -> float | None:
        """Return matching / statements, or None without statements."""
        return self.matching / self.statements if self.statements else None


def _window(column: Any, start: datetime | None, end: datetime | None) -> list[Any]:
    out = []
    if start is not None:
        out.append(column >= start)
    if end is not None:
        out.append(column < end)
    return out


def policy_incidents(
    session: Session,
    start: datetime | None = None,
    end: datetime | None = None,
    zone: tzinfo | None = None,
) -> list[IncidentCount]:
    """Count incidents said in [start, end) per week, class and severity (a quote stored twice counts once).

    With ``zone`` the week is the ISO week of the statement in that zone (the panel's weeks);
    without it, the week stored with the incident.
    """
    query = sa.select(
        PolicyIncident.week,
        PolicyIncident.said_at,
        PolicyIncident.policy_class,
        PolicyIncident.severity,
        PolicyIncident.dedup_key,
    ).where(*_window(PolicyIncident.said_at, start, end))
    keys: dict[tuple[str, str, str], set[str]] = {}
    for stored, said_at, policy_class, severity, dedup in session.execute(query):
        week = stored
        if zone is not None:
            year, number, _ = said_at.astimezone(zone).isocalendar()
            week = f"{year}-W{number:02d}"
        keys.setdefault((week, policy_class, severity), set()).add(dedup)
    return [IncidentCount(w, c, s, len(d)) for (w, c, s), d in sorted(keys.items())]


def policy_accuracy(
    session: Session, start: datetime | None = None, end: datetime | None = None
) -> Accuracy:
    """Count policy-citing statements said in [start, end) and those that matched (claimed actions excluded)."""
    matched = sa.case((PolicyCheck.matched, PolicyCheck.dedup_key), else_=None)
    query = sa.select(
        sa.func.count(sa.distinct(matched)), sa.func.count(sa.distinct(PolicyCheck.dedup_key))
    ).where(PolicyCheck.origin != CAPABILITY, *_window(PolicyCheck.said_at, start, end))
    matching, total = session.execute(query).one()
    return Accuracy(int(matching or 0), int(total or 0))


@dataclass(frozen=True)
class TicketIncident:
    """One policy incident of a ticket, worded for an agent."""

    key: str
    name: str
    policy_class: str
    severity: str
    said: str | None
    policy: str | None
    said_at: datetime
    statement: str | None
    source: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form the API serves."""
        return {
            "key": self.key,
            "name": self.name,
            "class": self.policy_class,
            "severity": self.severity,
            "said": self.said,
            "policy": self.policy,
            "said_at": self.said_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "statement": self.statement,
            "source": self.source,
            "message": self.message,
        }


def incidents_for_ticket(session: Session, ticket_id: int) -> list[TicketIncident]:
    """Return a ticket's incidents ready to show an agent, oldest first, each quote once."""
    rows = session.scalars(
        sa.select(PolicyIncident)
        .where(PolicyIncident.ticket_id == ticket_id)
        .order_by(PolicyIncident.said_at, PolicyIncident.id)
    )
    golden = current(session)
    names = {k: f.name for k, f in golden.facts.items()} if golden else {}
    seen: set[str] = set()
    items = []
    for row in rows:
        if row.dedup_key in seen:
            continue
        seen.add(row.dedup_key)
        if row.policy_class == "capability":
            message = f"the bot claimed an action it cannot back up: {row.policy_value}"
        else:
            since = f" (in force since {row.version_from:%Y-%m-%d})" if row.version_from else ""
            message = f"the bot said {row.said_value}; the policy in force then{since} says {row.policy_value}"
        items.append(
            TicketIncident(
                key=row.key,
                name=names.get(row.key, row.key),
                policy_class=row.policy_class,
                severity=row.severity,
                said=row.said_value,
                policy=row.policy_value,
                said_at=row.said_at,
                statement=row.statement,
                source=f"{row.source_kind}:{row.source_id}",
                message=message,
            )
        )
    return items
