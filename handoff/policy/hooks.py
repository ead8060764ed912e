"""Entry points the intake calls after storing a packet or a conversation: queue its check, never block it.

The check runs in the delivery worker (outbox kind ``policy_check``), not in the request: the
packet and its queued check are written in the intake's one transaction, a failing check is
retried with backoff like any delivery, and one that keeps failing stays ``failed`` with its
error in ``handoff worker status`` and ``GET /api/v1/deliveries``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from handoff.models import BotConversation, Packet
from handoff.outbox import Queued, enqueue

OUTBOX_KIND = "policy_check"
PACKET = "packet"
CONVERSATION = "conversation"


def packet_check(packet_id: str) -> Queued:
    """The outbox row that checks a new packet's policy quotes."""
    return Queued(
        OUTBOX_KIND, f"{OUTBOX_KIND}:{PACKET}:{packet_id}", {"source": PACKET, "id": packet_id}
    )


def packet_follow_ups(packet_id: str) -> list[Queued]:
    """What the intake queues with a new packet, beside its delivery: its policy check."""
    return [packet_check(packet_id)]


def after_packet(session: Session, packet: Packet, now: datetime) -> None:
    """Queue the policy check of a packet stored without it (its id is new: no lookup needed); the commit flushes it."""
    check = packet_check(packet.packet_id)
    enqueue(session, kind=check.kind, key=check.key, payload=check.payload, now=now,
            known_new=True, flush=False)  # fmt: skip


def after_conversation(session: Session, conversation: BotConversation, now: datetime) -> None:
    """Queue the policy check of a just-recorded conversation, once per version of its body; flush."""
    key = (
        f"{OUTBOX_KIND}:{CONVERSATION}:{conversation.conversation_id}:{conversation.body_hash[:16]}"
    )
    enqueue(session, kind=OUTBOX_KIND, key=key[:200],
            payload={"source": CONVERSATION, "id": conversation.conversation_id}, now=now)  # fmt: skip
