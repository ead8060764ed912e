"""Bot conversations: every engagement, stored so deflection and containment have a denominator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff import schemas
from handoff.detection.store import recompute_ticket
from handoff.errors import NotFound, ValidationFailed
from handoff.models import BotConversation
from handoff.packets import canonical_hash, customer_key, parse_time


@dataclass(frozen=True)
class Recorded:
    """The stored conversation and what this call did to it: created, updated or unchanged."""

    conversation: BotConversation
    change: str


def record_conversation(session: Session, document: Any, *, now: datetime) -> Recorded:
    """Create or update a bot conversation by ``conversation_id`` (bots post again as it ends)."""
    errors = schemas.validate(schemas.CONVERSATION, document)
    if errors:
        raise ValidationFailed(
            f"the conversation has {len(errors)} schema error(s)",
            details=[e.as_dict() for e in errors],
        )
    started = parse_time(document["started_at"], "$.started_at")
    ended = parse_time(document["ended_at"], "$.ended_at") if "ended_at" in document else None
    digest = canonical_hash(document)
    row = session.scalar(
        sa.select(BotConversation).where(
            BotConversation.conversation_id == document["conversation_id"]
        )
    )
    if row is not None and row.body_hash == digest:
        return Recorded(row, "unchanged")
    change = "created" if row is None else "updated"
    if row is None:
        row = BotConversation(conversation_id=document["conversation_id"])
        session.add(row)
    # JSON Schema counts 42.0 as an integer; the column holds 42.
    row.ticket_id = int(document["ticket_id"]) if document.get("ticket_id") is not None else None
    row.customer_key = customer_key(document)
    row.channel = document.get("channel")
    row.intent = document["intent"]["name"]
    row.outcome = document["outcome"]
    row.model_csat = document.get("model_csat")
    row.bot_version = (document.get("bot") or {}).get("version")
    row.started_at = started
    row.ended_at = ended
    row.body = document
    row.body_hash = digest
    row.received_at = now
    session.flush()
    if row.ticket_id is not None and change != "unchanged":
        # The conversation sets the handoff (and stands in for a missing packet): measure again.
        recompute_ticket(session, row.ticket_id, now)
    return Recorded(row, change)


def get_conversation(session: Session, conversation_id: str) -> BotConversation:
    """Return a conversation by id or raise NotFound."""
    row = session.scalar(
        sa.select(BotConversation).where(BotConversation.conversation_id == conversation_id)
    )
    if row is None:
        raise NotFound(f"no conversation with conversation_id {conversation_id}")
    return row
