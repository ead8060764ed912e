"""Contacts as the panel specification reads them: path, links, identity, the bot never an agent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.metrics import panel, rollup
from handoff.models import HelpdeskComment
from handoff.models.metrics import ContactFact
from handoff.productconfig import ProductConfig
from tests.handoff.metrics.conftest import World, at

NOW = datetime(2026, 2, 4, 9, 30, tzinfo=UTC)
BOT_USER = 900


def _facts(session: Session, config: ProductConfig) -> dict[str, ContactFact]:
    rollup.refresh(session, config, now=NOW, full=True)
    session.flush()
    return {f.contact_key: f for f in session.scalars(sa.select(ContactFact))}


def test_a_human_reply_makes_a_bot_resolved_contact_escalated(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Is a conversation the bot called resolved, then answered by an agent, escalated and not deflected?"""
    world.conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "resolved",
                       email="a@x", ticket=101)  # fmt: skip
    world.ticket(101, "2026-01-05 09:00", solved="2026-01-05 12:00")
    world.comment(101, "2026-01-05 09:00", role="end-user")  # the opening message
    world.comment(101, "2026-01-05 10:10")  # a human agent answers publicly
    session.commit()
    facts = _facts(session, config)
    fact = facts["c:C1"]
    assert (fact.path, fact.outcome) == ("escalated", "escalated")
    assert fact.handoff_at == at("2026-01-05 09:10")
    assert fact.handle_s == 2 * 3600 + 50 * 60
    assert fact.first_reply_s == 3600
    report = panel.build(session, config, now=NOW, view="monthly", end_week="2026-W05")
    deflection = report.find("deflection_rate", "all", "")
    assert deflection is not None and deflection.rate is not None
    assert deflection.rate.numerator == 0


def test_the_bots_own_comments_are_no_agent_turn(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Do the configured bot user's public comments neither escalate a contact nor count as its first reply?"""
    config = replace(config, bot_user_ids=frozenset({BOT_USER}))
    world.conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "resolved",
                       email="a@x", ticket=101)  # fmt: skip
    world.ticket(101, "2026-01-05 09:00")
    world.comment(101, "2026-01-05 09:05", author=BOT_USER)
    world.conversation("C2", "order_status", "2026-01-06 09:00", "2026-01-06 09:20", "escalated",
                       email="b@x", ticket=102)  # fmt: skip
    world.ticket(102, "2026-01-06 09:00")
    world.comment(102, "2026-01-06 09:25", author=BOT_USER)  # the bot again, after the handoff
    world.comment(102, "2026-01-06 10:20")  # the first human reply: 60 min after the handoff
    session.commit()
    facts = _facts(session, config)
    assert facts["c:C1"].path == "ai_only"
    assert facts["c:C2"].first_reply_s == 3600


def test_the_window_skips_non_agent_authors() -> None:
    """Does a bot comment neither take an agent turn nor close the repetition window?"""
    from handoff.detection.window import to_comment, window

    comments = [
        {"id": i, "author_role": "agent", "author_id": BOT_USER, "public": True, "body": "bot",
         "created_at": f"2026-01-05T10:0{i}:00Z"}
        for i in range(4)
    ] + [{"id": 9, "author_role": "end-user", "author_id": 5, "public": True, "body": "again",
          "created_at": "2026-01-05T10:09:00Z"}]  # fmt: skip
    parsed = [to_comment(c, i) for i, c in enumerate(comments)]
    handoff = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert [i.comment.id for i in window(parsed, handoff, {BOT_USER})] == [9]
    assert 9 not in [i.comment.id for i in window(parsed, handoff)]


def test_repetition_counts_every_escalation(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Is the repetition rate's denominator every escalation, packet or not?"""
    world.conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "escalated",
                       email="a@x", ticket=101)  # fmt: skip
    world.packet("C1", 101, "order_status", "2026-01-05 09:10", email="a@x")
    world.ticket(101, "2026-01-05 09:00")
    world.detection(101, repetition=True)
    world.conversation("C2", "order_status", "2026-01-06 09:00", "2026-01-06 09:10", "escalated",
                       email="b@x", ticket=102)  # fmt: skip
    world.ticket(102, "2026-01-06 09:00")  # no packet: the bot left it out
    session.commit()
    _facts(session, config)
    report = panel.build(session, config, now=NOW, view="monthly", end_week="2026-W05")
    figure = report.find("repetition_rate", "all", "")
    assert figure is not None and figure.rate is not None
    assert (figure.rate.numerator, figure.rate.denominator) == (1, 2)


def test_a_conversation_and_its_packet_without_ids_are_one_contact(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Are a conversation without ticket_id and its packet without conversation_id one contact?"""
    world.conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "escalated",
                       email="a@x")  # fmt: skip
    world.packet(None, 101, "order_status", "2026-01-05 09:11", email="a@x")
    world.ticket(101, "2026-01-05 09:11", solved="2026-01-05 11:11")
    # Another customer's packet at the same moment stays a contact of its own.
    world.packet(None, 102, "order_status", "2026-01-05 09:11", email="b@x")
    world.ticket(102, "2026-01-05 09:11")
    session.commit()
    facts = _facts(session, config)
    assert set(facts) == {"c:C1", next(k for k in facts if k.startswith("p:"))}
    assert facts["c:C1"].ticket_id == 101
    assert facts["c:C1"].packets == 1
    assert facts["c:C1"].handle_s == 2 * 3600 + 60


def test_identity_joins_bot_id_external_id_and_email(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Is a bot contact known only by customer id the same customer as that user's later ticket?"""
    world.user(11, "a@x", external_id="cust-7")
    world.conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "resolved",
                       email=None, customer_id="cust-7")  # fmt: skip
    world.ticket(101, "2026-01-05 15:00", requester=11, tags=["intent:order_status"])
    session.commit()
    facts = _facts(session, config)
    assert facts["c:C1"].repeat_24h is True
    assert facts["t:101"].customer_key == "id:cust-7"


def test_an_orphan_packet_starts_at_the_customers_first_message(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Does a packet whose conversation never came start at its transcript's first customer message?"""
    transcript = [
        {"role": "bot", "text": "Hi", "at": "2026-01-05T08:59:00Z"},
        {"role": "customer", "text": "Where is my order?", "at": "2026-01-05T09:00:00Z"},
    ]
    world.packet(None, 101, "order_status", "2026-01-05 09:12", email="a@x",
                 body={"transcript": transcript})  # fmt: skip
    world.ticket(101, "2026-01-05 09:12")
    session.commit()
    (fact,) = _facts(session, config).values()
    assert fact.started_at == at("2026-01-05 09:00")
    assert fact.bot_handle_s == 12 * 60


def test_what_the_bot_sends_is_counted(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Do widget CSAT (no ticket), a refusal's validity and the tools called reach the contact's facts?"""
    world.conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "resolved",
                       email="a@x", body={"csat": {"score": 5}, "tools_called": ["order_lookup"]})  # fmt: skip
    world.conversation("C2", "order_status", "2026-01-05 10:00", "2026-01-05 10:10", "resolved",
                       email="b@x", body={"csat": {"score": "offered"}})  # fmt: skip
    world.conversation("C3", "returns", "2026-01-05 11:00", "2026-01-05 11:01", "refused",
                       email="c@x", body={"refusal": {"valid_question": True}})  # fmt: skip
    session.commit()
    facts = _facts(session, config)
    assert (facts["c:C1"].csat, facts["c:C1"].csat_offered, facts["c:C1"].tools) == (
        "good",
        True,
        ["order_lookup"],
    )
    assert (facts["c:C2"].csat, facts["c:C2"].csat_offered) == (None, True)
    assert facts["c:C3"].refused_valid is True
    report = panel.build(session, config, now=NOW, view="monthly", end_week="2026-W05")
    refusal = report.find("refusal_rate", "all", "")
    assert refusal is not None and refusal.rate is not None
    assert (refusal.rate.numerator, refusal.rate.denominator, refusal.note) == (1, 3, None)


def test_the_repetition_window_opens_at_the_conversations_escalation(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Does a repetition between the bot's escalation and a packet stamped later count?"""
    from handoff.detection.store import recompute_ticket
    from handoff.models.detection import DetectionRun

    world.conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "escalated",
                       email="a@x", ticket=101)  # fmt: skip
    world.packet("C1", 101, "order_status", "2026-01-05 09:30", email="a@x")  # stamped late
    world.ticket(101, "2026-01-05 09:10")
    said = world.comment(101, "2026-01-05 09:15", role="end-user")
    session.flush()
    session.execute(
        sa.update(HelpdeskComment)
        .where(HelpdeskComment.id == said)
        .values(body="As I already told the bot, my order number is A-12345.")
    )
    recompute_ticket(session, 101, NOW)
    run = session.get(DetectionRun, 101)
    assert run is not None and run.repetition is True


def test_zendesks_reply_time_wins_unless_it_counted_the_bot(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Is Zendesk's reply_time_in_minutes the first reply, except where the bot spoke before the first human?"""
    from handoff.models import TicketMetric

    config = replace(config, bot_user_ids=frozenset({BOT_USER}))
    for tid, cid, bot in ((101, "C1", False), (102, "C2", True)):
        world.conversation(cid, "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "escalated",
                           email=f"{cid}@x", ticket=tid)  # fmt: skip
        world.ticket(tid, "2026-01-05 09:10")
        if bot:
            world.comment(tid, "2026-01-05 09:12", author=BOT_USER)
        world.comment(tid, "2026-01-05 09:40")
        session.add(TicketMetric(ticket_id=tid, reply_time_minutes=2))
    session.commit()
    facts = _facts(session, config)
    assert facts["c:C1"].first_reply_s == 120  # Zendesk's figure
    assert facts["c:C2"].first_reply_s == 30 * 60  # Zendesk counted the bot: ours
