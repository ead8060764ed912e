"""Entry points the intake calls after storing a packet or a conversation: check it, never block it."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from handoff.models import BotConversation, Packet
from handoff.policy.checks import check_conversation, check_packet

log = logging.getLogger(__name__)


def after_packet(session: Session, packet: Packet, now: datetime) -> None:
    """Check a just-accepted packet in a savepoint; a failing check is logged, the packet still stored."""
    try:
        with session.begin_nested():
            check_packet(session, packet, now)
    except Exception:  # the packet must reach the agent even when the policy check breaks
        log.exception("policy check failed packet_id=%s", packet.packet_id)


def after_conversation(session: Session, conversation: BotConversation, now: datetime) -> None:
    """Check a just-recorded conversation in a savepoint; a failure is logged, not raised."""
    try:
        with session.begin_nested():
            check_conversation(session, conversation, now)
    except Exception:  # recording the conversation matters more than checking it
        log.exception("policy check failed conversation_id=%s", conversation.conversation_id)
