"""Incremental equals full: any order of arrivals, refreshed as they come, ends where a rebuild does."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.metrics import rollup
from handoff.models import (
    BotConversation,
    HelpdeskComment,
    HelpdeskTicket,
    HelpdeskUser,
    Packet,
    SatisfactionRating,
)
from handoff.models.detection import DetectionRun
from handoff.models.flags import ReaskFlag
from handoff.models.metrics import ContactFact, DelayedSurvey, MetricRollup, MetricWeekHistogram
from handoff.productconfig import ProductConfig
from tests.handoff.metrics.conftest import at

Arrival = Callable[[Session, datetime], None]


def _conversation(cid: str, intent: str, started: str, ended: str, outcome: str, *,
                  email: str | None = None, customer_id: str | None = None,
                  ticket: int | None = None) -> Arrival:  # fmt: skip
    customer = {k: v for k, v in (("email", email), ("id", customer_id)) if v}

    def arrive(session: Session, when: datetime) -> None:
        session.add(
            BotConversation(
                conversation_id=cid, ticket_id=ticket, customer_key=email, channel="chat",
                intent=intent, outcome=outcome, model_csat=None, bot_version="1",
                started_at=at(started), ended_at=at(ended), body={"customer": customer},
                body_hash=cid, received_at=when,
            )
        )  # fmt: skip

    return arrive


def _packet(pid: int, cid: str | None, ticket: int | None, intent: str, created: str, *,
            email: str) -> Arrival:  # fmt: skip
    def arrive(session: Session, when: datetime) -> None:
        session.add(
            Packet(
                packet_id=f"00000000-0000-0000-0000-{pid:012d}", ticket_id=ticket,
                conversation_id=cid, schema_version="1.0", intent=intent,
                escalation_reason="low_confidence", channel="chat", customer_key=email,
                completeness=1.0, missing_fields=[], body={"customer": {"email": email}},
                body_hash=str(pid), created_at=at(created), received_at=when,
            )
        )  # fmt: skip

    return arrive


def _ticket(tid: int, created: str, *, solved: str | None = None, requester: int | None = None,
            tags: tuple[str, ...] = ()) -> Arrival:  # fmt: skip
    def arrive(session: Session, when: datetime) -> None:
        session.merge(
            HelpdeskTicket(
                id=tid, subject="", status="solved" if solved else "open", channel="web",
                requester_id=requester, segment=None, tags=list(tags), custom_fields=[],
                created_at=at(created), updated_at=at(solved or created),
                solved_at=at(solved) if solved else None, synced_at=when,
            )
        )  # fmt: skip

    return arrive


def _comment(
    cid: int, tid: int, when_said: str, *, role: str = "agent", author: int = 1
) -> Arrival:
    def arrive(session: Session, when: datetime) -> None:
        session.add(
            HelpdeskComment(
                id=cid, ticket_id=tid, author_id=author, author_role=role, public=True,
                body="...", created_at=at(when_said), synced_at=when,
            )
        )  # fmt: skip

    return arrive


def _user(uid: int, email: str | None, external_id: str | None = None) -> Arrival:
    def arrive(session: Session, when: datetime) -> None:
        session.add(
            HelpdeskUser(id=uid, name=None, email=email, external_id=external_id,
                         role="end-user", synced_at=when)
        )  # fmt: skip

    return arrive


def _rating(rid: int, tid: int, score: str, said: str) -> Arrival:
    def arrive(session: Session, when: datetime) -> None:
        session.merge(
            SatisfactionRating(id=rid, ticket_id=tid, score=score, created_at=at(said),
                               updated_at=at(said), synced_at=when)
        )  # fmt: skip

    return arrive


def _flag(tid: int, said: str) -> Arrival:
    def arrive(session: Session, when: datetime) -> None:
        session.add(
            ReaskFlag(ticket_id=tid, active=True, agent_id=7, source="zendesk_field",
                      missing_fields=[], created_at=at(said), updated_at=when)
        )  # fmt: skip

    return arrive


def _detection(tid: int, repetition: bool) -> Arrival:
    def arrive(session: Session, when: datetime) -> None:
        session.merge(
            DetectionRun(ticket_id=tid, detector_version="1", repetition=repetition,
                         explicit_count=int(repetition), implicit_count=0, reask_count=0,
                         computed_at=when)
        )  # fmt: skip

    return arrive


def _survey(tid: int, solved: str, score: str | None) -> Arrival:
    def arrive(session: Session, when: datetime) -> None:
        session.merge(
            DelayedSurvey(ticket_id=tid, solved_at=at(solved), sent_at=at(solved) + timedelta(hours=48),
                          score=score, source="tool", answered_at=when if score else None,
                          recorded_at=when)
        )  # fmt: skip

    return arrive


# An operation with the messy parts real ones send: links left out, late conversations, a
# re-posted packet, a reply that turns a "resolved" conversation into an escalation, a user
# known by external id only until sync fills their email, a lost and later re-synced rating.
ARRIVALS: list[Arrival] = [
    _user(11, None), _user(11, "a@x", "cust-1"),  # webhook first, sync later
    _conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "resolved",
                  customer_id="cust-1", ticket=101),
    _ticket(101, "2026-01-05 09:00", solved="2026-01-05 12:00", requester=11),
    _comment(5001, 101, "2026-01-05 09:00", role="end-user", author=11),
    _comment(5002, 101, "2026-01-05 10:00"),  # a human answers: C1 is escalated
    _rating(7001, 101, "offered", "2026-01-05 12:05"), _rating(7001, 101, "bad", "2026-01-06 08:00"),
    _ticket(102, "2026-01-05 20:00", solved="2026-01-06 09:00", requester=11,
            tags=("intent:order_status",)),  # the same customer again
    _conversation("C2", "returns", "2026-01-06 09:00", "2026-01-06 09:20", "escalated",
                  email="b@x"),  # no ticket_id
    _packet(1, None, 103, "returns", "2026-01-06 09:21", email="b@x"),  # no conversation_id
    _packet(2, None, 103, "returns", "2026-01-06 15:00", email="b@x"),  # escalated again
    _ticket(103, "2026-01-06 09:21", solved="2026-01-07 09:00"),
    _comment(5003, 103, "2026-01-06 09:40"),
    _flag(103, "2026-01-06 09:45"), _detection(103, True),
    _conversation("C3", "order_status", "2026-01-12 09:00", "2026-01-12 09:05", "resolved",
                  email="a@x"),
    _conversation("C4", "returns", "2026-01-13 09:00", "2026-01-13 09:05", "escalated",
                  email="c@x", ticket=104),  # its packet names the conversation only
    _packet(3, "C4", None, "returns", "2026-01-13 09:05", email="c@x"),
    _ticket(104, "2026-01-13 09:05"),
    _ticket(105, "2026-01-14 09:00", solved="2026-01-14 10:00", tags=("intent:returns",)),
    _comment(5004, 105, "2026-01-14 09:30"),
    _survey(105, "2026-01-14 10:00", None),  # an outside tool reports, weeks late, a survey it sent
]  # fmt: skip


def _snapshot(session: Session) -> tuple[list[tuple[Any, ...]], ...]:
    facts = [c for c in ContactFact.__table__.c if c.name != "refreshed_at"]
    rollups = [c for c in MetricRollup.__table__.c if c.name != "refreshed_at"]
    weekly = MetricWeekHistogram.__table__
    return (
        [tuple(r) for r in session.execute(sa.select(*facts).order_by(ContactFact.contact_key))],
        [tuple(r) for r in session.execute(sa.select(*rollups).order_by(*MetricRollup.__table__.primary_key))],
        [tuple(r) for r in session.execute(sa.select(weekly).order_by(*weekly.primary_key))],
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_incremental_refresh_equals_a_full_rebuild(
    session: Session, config: ProductConfig, seed: int
) -> None:
    """After arrivals in any order, refreshed in between, do the facts and rollups equal a rebuild?"""
    rng = random.Random(seed)
    # Keep each row's own updates in order (a rating offered before it is answered).
    order = sorted(range(len(ARRIVALS)), key=lambda i: rng.random())
    users = [i for i in order if i in (0, 1)]
    ratings = [i for i in order if i in (6, 7)]
    order = [(0 if i == users[0] else 1) if i in (0, 1) else i for i in order]
    order = [(6 if i == ratings[0] else 7) if i in (6, 7) else i for i in order]
    clock = datetime(2026, 2, 1, 8, 0, tzinfo=at("2026-01-01 00:00").tzinfo)
    rollup.refresh(session, config, now=clock)
    for n, index in enumerate(order):
        clock += timedelta(minutes=30)
        if index in (1,):
            session.execute(sa.delete(HelpdeskUser).where(HelpdeskUser.id == 11))
        ARRIVALS[index](session, clock)
        session.commit()
        if rng.random() < 0.6 or n == len(order) - 1:
            clock += timedelta(minutes=30)
            assert not rollup.refresh(session, config, now=clock).full
            session.commit()
    incremental = _snapshot(session)
    rollup.refresh(session, config, now=clock + timedelta(hours=1), full=True)
    session.commit()
    full = _snapshot(session)
    assert incremental[0] == full[0]
    assert incremental[1] == full[1]
    assert incremental[2] == full[2]
    paths = {row[0]: row for row in full[0]}
    assert len(paths) == 6  # C1, t:102, C2 (with both packets), C3, C4, t:105


def _weekly(session: Session) -> dict[tuple[str, str], dict[str, Any]]:
    rows = session.execute(sa.select(MetricWeekHistogram)).scalars()
    return {(r.week, r.path): r.hist for r in rows}


def test_a_weeks_histogram_follows_a_contact_that_changes_path(
    session: Session, config: ProductConfig, world: Any
) -> None:
    """When a contact leaves a path, does its week's histogram lose it, and lose the path with its last contact?"""
    world.user(11, "a@x")
    world.ticket(101, "2026-01-05 09:00", solved="2026-01-05 12:00", requester=11)
    world.conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "resolved",
                       email="a@x", ticket=101)  # fmt: skip
    world.conversation("C2", "returns", "2026-01-05 10:00", "2026-01-05 10:03", "resolved",
                       email="b@x")  # fmt: skip
    world.conversation("C3", "returns", "2026-01-13 10:00", "2026-01-13 10:20", "resolved",
                       email="c@x")  # another week, never touched  # fmt: skip
    session.commit()
    clock = at("2026-02-01 08:00")
    rollup.refresh(session, config, now=clock)
    session.commit()
    before = _weekly(session)
    assert before[("2026-W02", "ai_only")]["bot_handle"] == {"600": 1, "180": 1}

    def reply(ticket: int, when: str, now: datetime) -> None:
        comment = session.get(HelpdeskComment, world.comment(ticket, when))
        assert comment is not None
        comment.synced_at = now
        session.commit()

    # A human answers C1's ticket: C1 is escalated, C2 alone stays on the bot's path.
    reply(101, "2026-01-05 09:30", clock + timedelta(minutes=5))
    assert not rollup.refresh(session, config, now=clock + timedelta(minutes=30)).full
    session.commit()
    after = _weekly(session)
    assert after[("2026-W02", "ai_only")]["bot_handle"] == {"180": 1}
    assert after[("2026-W02", "escalated")]["bot_handle"] == {"600": 1}
    assert after[("2026-W03", "ai_only")] == before[("2026-W03", "ai_only")]
    # C2 is escalated too (its conversation now names a ticket a human answered): the week has
    # no bot-only contact left, and no bot-only histogram.
    world.ticket(102, "2026-01-05 10:03")
    conversation = session.scalars(
        sa.select(BotConversation).where(BotConversation.conversation_id == "C2")
    ).one()
    conversation.ticket_id, conversation.received_at = 102, clock + timedelta(hours=1)
    session.commit()
    reply(102, "2026-01-05 10:30", clock + timedelta(hours=1))
    rollup.refresh(session, config, now=clock + timedelta(hours=2))
    session.commit()
    incremental = _weekly(session)
    assert ("2026-W02", "ai_only") not in incremental
    assert incremental[("2026-W02", "escalated")]["bot_handle"] == {"600": 1, "180": 1}
    rollup.refresh(session, config, now=clock + timedelta(hours=3), full=True)
    session.commit()
    assert _weekly(session) == incremental
