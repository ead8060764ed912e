"""Fixtures for the metrics tests: a small product configuration and row builders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from handoff import productconfig
from handoff.models import (
    BotConversation,
    HelpdeskComment,
    HelpdeskTicket,
    HelpdeskUser,
    Packet,
    SatisfactionRating,
)
from handoff.models.detection import DetectionFinding, DetectionRun
from handoff.models.flags import PacketAcknowledgement, ReaskFlag
from handoff.models.metrics import DelayedSurvey

CONFIG = {
    "timezone": "Europe/Berlin",
    "zendesk_agent_url": "https://acme.zendesk.com/agent/tickets/{id}",
    "baseline": {"start": "2025-12-29", "end": "2026-01-04"},  # exactly ISO week 2026-W01
    "archetypes": {
        "order_status": {
            "tier": "repetitive",
            "intents": ["order_status"],
            "required_fields": ["customer", "identifiers"],
        },
        "returns": {"tier": "faq", "intents": ["returns"], "owner": "rita@example.com"},
        "billing_dispute": {"tier": "account_specific", "intents": ["billing_dispute"]},
    },
    "ticket_intent": {"tag_prefix": "intent:"},
    "segment_field": ["ticket:segment", "body:customer.segment"],
    "top_archetypes": 2,
    "min_sample": 2,
    "owners": {"default": "lead@example.com", "rollback": "head@example.com"},
    "unit_costs": {"currency": "EUR", "bot_conversation": 0.6, "human_ticket": 7.5},
}


@pytest.fixture
def config() -> productconfig.ProductConfig:
    """Return the small test configuration."""
    return productconfig.parse(CONFIG, source="tests")


def at(text: str) -> datetime:
    """Parse ``2026-01-05 09:00`` as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class World:
    """Add source rows tersely; every write goes through the session the test commits."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._ids = 1000

    def _next(self) -> int:
        self._ids += 1
        return self._ids

    def user(self, uid: int, email: str | None, role: str = "end-user",
             external_id: str | None = None) -> None:  # fmt: skip
        self.session.add(
            HelpdeskUser(id=uid, name=email, email=email, role=role, external_id=external_id)
        )

    def ticket(self, tid: int, created: str, *, solved: str | None = None, requester: int | None = None,
               segment: str | None = None, channel: str = "chat", tags: list[str] | None = None) -> None:  # fmt: skip
        self.session.add(
            HelpdeskTicket(
                id=tid, subject=f"ticket {tid}", status="solved" if solved else "open",
                channel=channel, requester_id=requester, segment=segment, tags=tags or [],
                custom_fields=[], created_at=at(created),
                updated_at=at(solved or created), solved_at=at(solved) if solved else None,
            )
        )  # fmt: skip

    def conversation(self, cid: str, intent: str, started: str, ended: str, outcome: str, *,
                     email: str | None, ticket: int | None = None, channel: str = "chat",
                     segment: str | None = None, model_csat: float | None = None,
                     customer_id: str | None = None, body: dict[str, Any] | None = None) -> None:  # fmt: skip
        customer: dict[str, Any] = {"email": email} if email else {}
        if customer_id:
            customer["id"] = customer_id
        if segment:
            customer["segment"] = segment
        self.session.add(
            BotConversation(
                conversation_id=cid, ticket_id=ticket, customer_key=email or f"id:{customer_id}",
                channel=channel, intent=intent, outcome=outcome, model_csat=model_csat,
                bot_version="1", started_at=at(started), ended_at=at(ended),
                body={"customer": customer, **(body or {})}, body_hash=cid, received_at=at(ended),
            )
        )  # fmt: skip

    def packet(self, cid: str | None, ticket: int | None, intent: str, created: str, *, email: str,
               channel: str = "chat", missing: list[str] | None = None,
               body: dict[str, Any] | None = None) -> str:  # fmt: skip
        packet_id = f"00000000-0000-0000-0000-{self._next():012d}"
        self.session.add(
            Packet(
                packet_id=packet_id, ticket_id=ticket,
                conversation_id=cid, schema_version="1.0", intent=intent,
                escalation_reason="low_confidence", channel=channel, customer_key=email,
                completeness=1.0, missing_fields=missing or [], body=body or {},
                body_hash=packet_id, created_at=at(created), received_at=at(created),
            )
        )  # fmt: skip
        return packet_id

    def comment(self, ticket: int, when: str, *, role: str = "agent", public: bool = True,
                author: int = 1) -> int:  # fmt: skip
        cid = self._next()
        self.session.add(
            HelpdeskComment(
                id=cid,
                ticket_id=ticket,
                author_id=author,
                author_role=role,
                public=public,
                body="...",
                created_at=at(when),
            )  # fmt: skip
        )
        return cid

    def rating(self, ticket: int, score: str, when: str) -> None:
        self.session.add(
            SatisfactionRating(
                id=self._next(),
                ticket_id=ticket,
                score=score,
                created_at=at(when),
                updated_at=at(when),
            )  # fmt: skip
        )

    def detection(self, ticket: int, *, repetition: bool, reask_comment: int | None = None) -> None:
        self.session.add(
            DetectionRun(
                ticket_id=ticket,
                detector_version="1.0.0",
                repetition=repetition,
                explicit_count=int(repetition),
                implicit_count=0,
                reask_count=int(reask_comment is not None),
                computed_at=at("2026-01-30 00:00"),
            )  # fmt: skip
        )
        if reask_comment is not None:
            self.session.add(
                DetectionFinding(
                    ticket_id=ticket,
                    comment_id=reask_comment,
                    kind="agent_reask",
                    cue="order number",
                    matched_value=None,
                    agent_turn=1,
                    evidence={},
                    detector_version="1.0.0",
                    created_at=at("2026-01-30 00:00"),
                )  # fmt: skip
            )

    def flag(self, ticket: int, when: str) -> None:
        self.session.add(
            ReaskFlag(
                ticket_id=ticket,
                active=True,
                agent_id=7,
                source="sidebar",
                missing_fields=["order_id"],
                created_at=at(when),
                updated_at=at(when),
            )  # fmt: skip
        )

    def ack(self, ticket: int, when: str) -> None:
        self.session.add(PacketAcknowledgement(ticket_id=ticket, agent_id=7, created_at=at(when)))

    def delayed(self, ticket: int, solved: str, score: str | None) -> None:
        sent = at(solved) + timedelta(hours=50)
        self.session.add(
            DelayedSurvey(
                ticket_id=ticket,
                solved_at=at(solved),
                sent_at=sent,
                score=score,
                source="link" if score else None,
                answered_at=sent + timedelta(hours=1) if score else None,
            )  # fmt: skip
        )


@pytest.fixture
def world(session: Session) -> World:
    """Return the row builder on the test session."""
    return World(session)
