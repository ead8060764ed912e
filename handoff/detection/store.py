"""Keep findings in the database: recompute a ticket when its comments change or the detector does.

The functions add and flush; the caller (webhook, sync job, CLI) commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.delivery.objects import nonagent_user_ids
from handoff.detection.engine import (
    DETECTOR_VERSION,
    EXPLICIT,
    IMPLICIT,
    REASK,
    Finding,
    detect_ticket,
    has_repetition,
)
from handoff.models.detection import DetectionFinding, DetectionRun
from handoff.models.helpdesk import HelpdeskComment
from handoff.models.packets import BotConversation, Packet
from handoff.packets import latest_packet_for_ticket


@dataclass(frozen=True)
class StaleSweep:
    """What ``recompute_stale`` did: tickets recomputed and findings written."""

    tickets: int
    findings: int


def _comment_id(value: int | str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def findings_for_ticket(session: Session, ticket_id: int) -> list[DetectionFinding]:
    """Return the ticket's stored findings, oldest first."""
    return list(
        session.scalars(
            sa.select(DetectionFinding)
            .where(DetectionFinding.ticket_id == ticket_id)
            .order_by(DetectionFinding.created_at, DetectionFinding.id)
        )
    )


def _conversation(session: Session, ticket_id: int) -> BotConversation | None:
    """Return the ticket's first bot conversation (the contact may have no packet)."""
    query = (
        sa.select(BotConversation)
        .where(BotConversation.ticket_id == ticket_id)
        .order_by(BotConversation.started_at, BotConversation.id)
        .limit(1)
    )
    return session.scalars(query).first()


def _first_handoff(session: Session, ticket_id: int, packet: Packet) -> datetime:
    """Return the ticket's first escalation: its first packet, or an earlier escalated conversation end."""
    first_packet = session.scalar(
        sa.select(sa.func.min(Packet.created_at)).where(Packet.ticket_id == ticket_id)
    )
    conversations = sa.or_(
        BotConversation.ticket_id == ticket_id,
        BotConversation.conversation_id == packet.conversation_id,
    )
    escalated = session.scalar(
        sa.select(sa.func.min(BotConversation.ended_at)).where(
            conversations, BotConversation.outcome == "escalated"
        )
    )
    moments = [m for m in (first_packet, escalated, packet.created_at) if m is not None]
    return min(moments)


def recompute_ticket(session: Session, ticket_id: int, now: datetime) -> list[Finding]:
    """Replace the ticket's findings with a fresh pass over its packet and comments; flush.

    An escalation without a packet is measured too (explicit cues need no packet): the bot's
    conversation stands in for it and the handoff is when the conversation ended.
    """
    session.execute(sa.delete(DetectionFinding).where(DetectionFinding.ticket_id == ticket_id))
    packet = latest_packet_for_ticket(session, ticket_id)
    conversation = _conversation(session, ticket_id) if packet is None else None
    if packet is None and conversation is None:
        # No bot touched it (or nothing of the bot has arrived yet): nothing to measure.
        session.execute(sa.delete(DetectionRun).where(DetectionRun.ticket_id == ticket_id))
        session.flush()
        return []
    comments = session.scalars(
        sa.select(HelpdeskComment)
        .where(HelpdeskComment.ticket_id == ticket_id)
        .order_by(HelpdeskComment.created_at, HelpdeskComment.id)
    ).all()
    non_agents = nonagent_user_ids(session)
    if packet is not None:
        # The handoff is the first escalation as the bot's conversation shows it; a packet
        # stamped later (or a second escalation) does not move it.
        findings = detect_ticket(
            {k: v for k, v in packet.body.items() if k != "created_at"},
            comments,
            handoff_at=_first_handoff(session, ticket_id, packet),
            non_agents=non_agents,
        )
    else:
        assert conversation is not None
        findings = detect_ticket(
            {k: v for k, v in conversation.body.items() if k != "created_at"},
            comments,
            handoff_at=conversation.ended_at or conversation.started_at,
            non_agents=non_agents,
        )
    session.add_all(
        DetectionFinding(
            ticket_id=ticket_id,
            comment_id=_comment_id(f.comment_id),
            kind=f.kind,
            cue=f.cue,
            matched_value=f.matched_value,
            agent_turn=f.agent_turn,
            evidence=f.evidence(),
            detector_version=DETECTOR_VERSION,
            created_at=now,
        )
        for f in findings
    )
    run = session.get(DetectionRun, ticket_id)
    if run is None:
        run = DetectionRun(ticket_id=ticket_id)
        session.add(run)
    run.detector_version = DETECTOR_VERSION
    run.repetition = has_repetition(findings)
    run.explicit_count = sum(f.kind == EXPLICIT for f in findings)
    run.implicit_count = sum(f.kind == IMPLICIT for f in findings)
    run.reask_count = sum(f.kind == REASK for f in findings)
    run.computed_at = now
    session.flush()
    return findings


def stale_ticket_ids(session: Session, limit: int | None = None) -> list[int]:
    """List escalated tickets whose findings or last run are not from this detector version."""
    old_findings = sa.select(DetectionFinding.ticket_id).where(
        DetectionFinding.detector_version != DETECTOR_VERSION
    )
    old_runs = sa.select(DetectionRun.ticket_id).where(
        DetectionRun.detector_version != DETECTOR_VERSION
    )
    # Escalated tickets never looked at are stale too: the sweep doubles as a backfill.
    never_run = (
        sa.select(Packet.ticket_id)
        .where(Packet.ticket_id.is_not(None))
        .where(~sa.exists().where(DetectionRun.ticket_id == Packet.ticket_id))
    )
    never_run_conversations = (
        sa.select(BotConversation.ticket_id)
        .where(BotConversation.ticket_id.is_not(None))
        .where(~sa.exists().where(DetectionRun.ticket_id == BotConversation.ticket_id))
    )
    union = sa.union(old_findings, old_runs, never_run, never_run_conversations).subquery()
    query = sa.select(union.c[0]).order_by(union.c[0])
    if limit is not None:
        query = query.limit(limit)
    return [int(ticket_id) for ticket_id in session.scalars(query)]


def recompute_stale(session: Session, now: datetime, limit: int | None = None) -> StaleSweep:
    """Recompute every ticket whose stored findings come from an older detector version; flush."""
    ids: Sequence[int] = stale_ticket_ids(session, limit)
    written = 0
    for ticket_id in ids:
        written += len(recompute_ticket(session, ticket_id, now))
    return StaleSweep(len(ids), written)
