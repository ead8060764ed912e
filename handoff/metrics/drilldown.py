"""The contacts behind a number: which tickets make a figure's numerator and denominator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.errors import NotFound, ValidationFailed
from handoff.metrics.context import Context
from handoff.models.metrics import ContactFact as F
from handoff.productconfig import ProductConfig

ESC = F.path == "escalated"
ENGAGED = F.path != "human_only"
RATED = F.csat.in_(("good", "bad"))
D_RATED = F.delayed_csat.in_(("good", "bad"))
TRUE = sa.true()

# figure id -> (who is counted, who is in the numerator)
RULES: dict[str, tuple[Any, Any]] = {
    "deflection_rate": (TRUE, sa.and_(F.path == "ai_only", F.outcome == "resolved")),
    "deflection_attempt_rate": (TRUE, ENGAGED),
    "containment_rate": (ENGAGED, F.outcome == "resolved"),
    "abandonment_rate": (ENGAGED, F.outcome == "abandoned"),
    "resolution_csat": (RATED, F.csat == "good"),
    "resolution_csat_delta": (RATED, F.csat == "good"),
    "resolution_csat_response_rate": (F.csat_offered.is_(True), RATED),
    "delayed_csat": (D_RATED, F.delayed_csat == "good"),
    "delayed_csat_delta": (D_RATED, F.delayed_csat == "good"),
    "delayed_csat_response_rate": (F.delayed_sent.is_(True), D_RATED),
    "model_csat": (F.model_csat.is_not(None), TRUE),
    "context_loss_rate": (ESC, F.flagged.is_(True)),
    "repetition_rate": (ESC, F.repeated.is_(True)),
    "suggested_reasks": (sa.and_(ESC, F.checked.is_(True)), F.reask_suggested.is_(True)),
    "escalated_csat_delta": (sa.and_(ESC, RATED), F.csat == "good"),
    "escalation_rate": (ENGAGED, ESC),
    "refusal_rate": (ENGAGED, F.outcome == "refused"),
    "packet_completeness": (F.packets > 0, F.packets_complete == F.packets),
    "packet_acknowledged_rate": (ESC, F.acknowledged.is_(True)),
    "bot_handle_time": (F.bot_handle_s.is_not(None), TRUE),
    "escalated_handle_time": (sa.and_(ESC, F.handle_s.is_not(None)), TRUE),
    "first_useful_reply_time": (sa.and_(ESC, F.first_useful_reply_s.is_not(None)), TRUE),
    "first_response_latency_p50": (
        sa.and_(F.path != "ai_only", F.first_reply_s.is_not(None)),
        TRUE,
    ),
    "first_response_latency_p99": (
        sa.and_(F.path != "ai_only", F.first_reply_s.is_not(None)),
        TRUE,
    ),
    "repeat_contact_24h": (F.resolved_at.is_not(None), F.repeat_24h.is_(True)),
    "repeat_contact_7d": (F.resolved_at.is_not(None), F.repeat_7d.is_(True)),
    "repeat_contact_30d": (F.resolved_at.is_not(None), F.repeat_30d.is_(True)),
}
SCOPES = ("all", "archetype", "segment", "channel", "path", "intent", "week")
LIMIT = 500


@dataclass(frozen=True)
class DrillRow:
    """One contact behind a figure."""

    contact_key: str
    ticket_id: int | None
    link: str | None
    week: str
    intent: str
    segment: str
    channel: str
    path: str
    in_numerator: bool

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class Drill:
    """The contacts behind one figure, numerator first, capped at ``LIMIT``."""

    figure_id: str
    scope: str
    key: str
    weeks: tuple[str, ...]
    rows: tuple[DrillRow, ...]
    total: int
    numerator: int

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "figure_id": self.figure_id, "scope": self.scope, "key": self.key, "weeks": list(self.weeks),
            "total": self.total, "numerator": self.numerator, "truncated": self.total > len(self.rows),
            "contacts": [r.as_dict() for r in self.rows],
        }  # fmt: skip


def drill(
    session: Session, config: ProductConfig, ctx: Context, figure_id: str, scope: str, key: str
) -> Drill:
    """List the contacts behind ``figure_id`` for one slice over the context's window."""
    if figure_id not in RULES:
        raise NotFound(f"no drill-down for figure {figure_id!r}")
    if scope not in SCOPES:
        raise ValidationFailed(
            "unknown scope", details=[{"path": "$.scope", "message": f"one of {', '.join(SCOPES)}"}]
        )
    counted, numerator = RULES[figure_id]
    weeks = (key,) if scope == "week" else ctx.window
    conditions = [F.week.in_(weeks), counted]
    if scope == "archetype":
        intents = sorted(
            {i for a in config.archetypes.values() for i in a.intents if ctx.line(i) == key}
        )
        conditions.append(F.intent.in_(intents) if key != "unmapped" else F.intent.not_in(
            [i for a in config.archetypes.values() for i in a.intents]))  # fmt: skip
    elif scope in ("segment", "channel", "path", "intent"):
        conditions.append(getattr(F, scope) == key)
    flag = sa.case((numerator, 1), else_=0).label("hit")
    base = sa.select(
        F.contact_key, F.ticket_id, F.week, F.intent, F.segment, F.channel, F.path, flag
    ).where(*conditions)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    hits = (
        session.scalar(sa.select(sa.func.count()).select_from(base.where(numerator).subquery()))
        or 0
    )
    result = session.execute(base.order_by(flag.desc(), F.started_at, F.contact_key).limit(LIMIT))
    rows = tuple(
        DrillRow(
            r.contact_key,
            r.ticket_id,
            config.ticket_link(r.ticket_id) if r.ticket_id else None,
            r.week,
            r.intent,
            r.segment,
            r.channel,
            r.path,
            bool(r.hit),
        )  # fmt: skip
        for r in result
    )
    return Drill(figure_id, scope, key, tuple(weeks), rows, int(total), int(hits))
