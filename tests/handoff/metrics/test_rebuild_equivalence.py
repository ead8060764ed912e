"""The set-based SQL rebuild gives, row for row, what the per-contact Python path gives."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.metrics import rebuild, rollup
from handoff.models import (
    BotConversation,
    HelpdeskComment,
    HelpdeskTicket,
    HelpdeskUser,
    Packet,
    SatisfactionRating,
    TicketMetric,
)
from handoff.models.delivery_state import HelpdeskObject
from handoff.models.detection import DetectionFinding, DetectionRun
from handoff.models.flags import PacketAcknowledgement, ReaskFlag
from handoff.models.metrics import ContactFact, DelayedSurvey, MetricRollup, MetricWeekHistogram
from handoff.productconfig import ProductConfig

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
INTENTS = ["order_status", "returns", "billing_dispute", "gift_cards", "", "Returns"]
BOT_USER = 900  # recorded by setup as the bot's Zendesk user: never an agent


def _pick(rng: random.Random, *options: Any) -> Any:
    return options[rng.randrange(len(options))]


def _identity_value(rng: random.Random, n: int) -> Any:
    """A customer id or email as bots send them, including the shapes Python reads its own way."""
    return _pick(
        rng, f"cust-{n}", f"cust-{n}", n + 1, 0, "", None, True, 1.5, {"x": 1}, [n],
    )  # fmt: skip


def _email(rng: random.Random, n: int) -> Any:
    return _pick(
        rng, f"c{n}@x.example", f"C{n}@X.example", f" c{n}@x.example ", f"ç{n}@x.example",
        "", None, n, f"c{n}@x.example",
    )  # fmt: skip


def _at(rng: random.Random, moment: datetime) -> Any:
    iso = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return _pick(
        rng, iso + "Z", iso + ".25+02:00", iso, iso + ".123456z", iso + ".1234567Z",
        moment.strftime("%Y-%m-%d %H:%M:%S") + "-05:30", "2026-02-30T10:00:00Z", "yesterday",
        12345, None, iso + "+0100",
    )  # fmt: skip


def _body(rng: random.Random, n: int, start: datetime) -> dict[str, Any]:
    customer: dict[str, Any] = {}
    if rng.random() < 0.7:
        customer["email"] = _email(rng, n)
    if rng.random() < 0.4:
        customer["id"] = _identity_value(rng, n)
    if rng.random() < 0.2:
        customer["external_id"] = _identity_value(rng, n)
    if rng.random() < 0.6:
        customer["segment"] = _pick(rng, "pro", "free", "", None, 0, False, "vip")
    body: dict[str, Any] = {"customer": customer} if rng.random() < 0.9 else {"customer": "x"}
    if rng.random() < 0.2:
        body["requester"] = {"email": _email(rng, n + 1), "external_id": _identity_value(rng, n)}
    if rng.random() < 0.6:
        body["transcript"] = [
            {
                "role": _pick(rng, "customer", "bot", "customer"),
                "at": _at(rng, start + timedelta(minutes=k)),
            }
            for k in range(rng.randrange(0, 4))
        ] + ([] if rng.random() < 0.8 else ["text", None])
    if rng.random() < 0.3:
        body["csat"] = _pick(
            rng, {"score": 5}, {"score": 2}, {"score": "good_with_comment"}, {"score": "Bad"},
            {"score": True}, {"score": None}, {}, {"score": "meh"}, {"score": 4.5}, "good",
        )  # fmt: skip
    if rng.random() < 0.3:
        body["refusal"] = {"valid_question": _pick(rng, True, False, None, "yes", 1)}
    if rng.random() < 0.3:
        body["tools_called"] = _pick(rng, ["lookup", "refund"], ["b", "a", "b"], [], ["x", 3], "ab")
    if rng.random() < 0.2:
        body["model_csat"] = _pick(rng, 0.5, 3, True, "0.9", None)
    return body


def _world(session: Session, seed: int) -> None:
    """Write a random operation with the messy shapes real ones have."""
    rng = random.Random(seed)
    ids = iter(range(10_000, 100_000))
    session.add(
        HelpdeskObject(key=f"user:bot{seed}", zendesk_id=str(BOT_USER), detail={}, updated_at=T0)
    )
    for uid in range(1, 13):
        session.add(
            HelpdeskUser(
                id=uid, name=None, role="end-user",
                email=_pick(rng, f"c{uid}@x.example", f"C{uid}@x.example", None, "", f"é{uid}@x"),
                external_id=_pick(rng, f"cust-{uid}", None, ""),
            )
        )  # fmt: skip
    tickets: list[int] = []
    conversations: list[str] = []
    for n in range(60):
        start = T0 + timedelta(
            hours=rng.randrange(0, 24 * 50),
            minutes=rng.randrange(60),
            seconds=rng.randrange(60),
            microseconds=_pick(rng, 0, 0, 250_000, 999_999),
        )
        tid = 1000 + n
        has_ticket = rng.random() < 0.8
        if has_ticket:
            tickets.append(tid)
            tags: Any = [t for t in (
                _pick(rng, "intent:order_status", "intent:returns", "intent:", None, "vip"),
                "closed_by_merge" if rng.random() < 0.08 else None,
                _pick(rng, None, 7, "intent:gift_cards"),
            ) if t is not None]  # fmt: skip
            if rng.random() < 0.03:
                tags = {"intent:returns": 1}
            solved = (
                start + timedelta(minutes=rng.randrange(5, 5000)) if rng.random() < 0.8 else None
            )
            session.add(
                HelpdeskTicket(
                    id=tid, subject="", status="solved" if solved else "open",
                    channel=_pick(rng, "web", "email", None, ""), requester_id=_pick(rng, None, 0, *range(1, 14)),
                    segment=_pick(rng, None, "", "pro", "business"), tags=tags, custom_fields=[],
                    created_at=start + timedelta(seconds=rng.randrange(0, 120)), updated_at=start,
                    solved_at=solved,
                )
            )  # fmt: skip
            if rng.random() < 0.3:
                session.add(
                    TicketMetric(
                        ticket_id=tid, solved_at=start + timedelta(hours=3),
                        reply_time_minutes=_pick(rng, None, 0, 17, 90),
                    )
                )  # fmt: skip
            moment = start
            for _ in range(rng.randrange(0, 5)):
                moment += timedelta(seconds=rng.randrange(0, 4000))
                comment = next(ids)
                session.add(
                    HelpdeskComment(
                        id=comment, ticket_id=tid, author_id=_pick(rng, 1, 2, BOT_USER, 5, None),
                        author_role=_pick(rng, "agent", "admin", "end-user", None, "agent"),
                        public=rng.random() < 0.85, body="", created_at=moment,
                    )
                )  # fmt: skip
                if rng.random() < 0.2:
                    session.add(
                        DetectionFinding(
                            ticket_id=tid, comment_id=comment, kind="agent_reask", cue="x",
                            matched_value=None, agent_turn=1, evidence={}, detector_version="1",
                            created_at=moment,
                        )
                    )  # fmt: skip
            for _ in range(rng.randrange(0, 3)):
                session.add(
                    SatisfactionRating(
                        id=next(ids), ticket_id=tid,
                        score=_pick(rng, "good", "bad", "offered", "Good_with_comment", "unoffered", "OFFERED"),
                        created_at=start, updated_at=start + timedelta(hours=rng.randrange(0, 3)),
                    )
                )  # fmt: skip
            if rng.random() < 0.3:
                session.add(
                    DetectionRun(
                        ticket_id=tid, detector_version="1", repetition=rng.random() < 0.5,
                        explicit_count=0, implicit_count=0, reask_count=_pick(rng, 0, 1, 2),
                        computed_at=start,
                    )
                )  # fmt: skip
            if rng.random() < 0.2:
                session.add(
                    ReaskFlag(
                        ticket_id=tid, active=rng.random() < 0.7, agent_id=7, source="sidebar",
                        missing_fields=[], created_at=start + timedelta(minutes=rng.randrange(0, 300)),
                        updated_at=start,
                    )
                )  # fmt: skip
            if rng.random() < 0.15:
                session.add(PacketAcknowledgement(
                    ticket_id=tid, agent_id=7, created_at=start + timedelta(minutes=rng.randrange(0, 300))))  # fmt: skip
            if rng.random() < 0.15:
                session.add(
                    DelayedSurvey(
                        ticket_id=tid, solved_at=start, sent_at=start + timedelta(hours=50),
                        score=_pick(rng, "good", "bad", None), source="link",
                    )
                )  # fmt: skip
        if rng.random() < 0.75:
            cid = f"conv-{seed}-{n}-{_pick(rng, 'a', 'B', 'z')}"
            conversations.append(cid)
            email = _email(rng, n % 9)
            stored = _pick(
                rng, email if isinstance(email, str) else None, f"id:cust-{n % 9}", None, ""
            )
            ticket_link: int | None = None
            if rng.random() < 0.6:
                ticket_link = _pick(rng, tid, tid, tid, 0, 5000 + n, *(tickets[-3:] or [tid]))
            session.add(
                BotConversation(
                    conversation_id=cid, ticket_id=ticket_link, customer_key=stored,
                    channel=_pick(rng, "chat", "web", None, ""), intent=_pick(rng, *INTENTS),
                    outcome=_pick(rng, "resolved", "escalated", "abandoned", "refused", "escalated"),
                    model_csat=_pick(rng, None, 0.8, 0.25), bot_version="1", started_at=start,
                    ended_at=_pick(rng, None, start + timedelta(minutes=rng.randrange(1, 40))),
                    body=_body(rng, n % 9, start), body_hash=cid, received_at=start,
                )
            )  # fmt: skip
        for _ in range(_pick(rng, 0, 0, 1, 1, 2)):
            conv_link = _pick(rng, None, conversations[-1] if conversations else None,
                              f"missing-{n}", *(conversations[-4:] or [None]))  # fmt: skip
            ticket_link = _pick(rng, None, tid, tid, *(tickets[-3:] or [tid]))
            created = start + timedelta(minutes=rng.randrange(0, 60))
            email = _email(rng, n % 9)
            session.add(
                Packet(
                    packet_id=f"00000000-0000-0000-0000-{next(ids):012d}", ticket_id=ticket_link,
                    conversation_id=conv_link, schema_version="1.0",
                    intent=_pick(rng, *INTENTS[:4]), escalation_reason="low_confidence",
                    channel=_pick(rng, "chat", None), customer_key=_pick(rng, email if isinstance(email, str) else None, None),
                    completeness=1.0,
                    missing_fields=_pick(rng, [], ["identifiers"], ["customer", "summary"], ["x"], [], [1]),
                    body=_body(rng, n % 9, start), body_hash=str(n), created_at=created,
                    received_at=created,
                )
            )  # fmt: skip
    session.commit()


def _facts(session: Session) -> list[dict[str, Any]]:
    columns = [c for c in ContactFact.__table__.c if c.name != "refreshed_at"]
    return [
        dict(r._mapping)
        for r in session.execute(sa.select(*columns).order_by(ContactFact.contact_key))
    ]


def _rollups(session: Session) -> list[dict[str, Any]]:
    columns = [c for c in MetricRollup.__table__.c if c.name != "refreshed_at"]
    order = [
        MetricRollup.week,
        MetricRollup.intent,
        MetricRollup.segment,
        MetricRollup.channel,
        MetricRollup.path,
    ]
    return [dict(r._mapping) for r in session.execute(sa.select(*columns).order_by(*order))]


def _histograms(session: Session) -> list[tuple[Any, ...]]:
    query = sa.select(MetricWeekHistogram.week, MetricWeekHistogram.path, MetricWeekHistogram.hist)
    return [
        tuple(r)
        for r in session.execute(query.order_by(MetricWeekHistogram.week, MetricWeekHistogram.path))
    ]


def _same(a: list[dict[str, Any]], b: list[dict[str, Any]], what: str) -> None:
    """Equal row for row; float sums to rounding (the order of addition differs)."""
    assert [r.get("contact_key", r.get("week")) for r in a] == [
        r.get("contact_key", r.get("week")) for r in b
    ], what
    for left, right in zip(a, b, strict=True):
        for name, value in left.items():
            other = right[name]
            if isinstance(value, float) and isinstance(other, float):
                assert math.isclose(value, other, rel_tol=1e-9, abs_tol=1e-9), (
                    what,
                    name,
                    left,
                    right,
                )
            else:
                assert value == other, (what, name, left, right)


def _both(session: Session, config: ProductConfig) -> None:
    rollup.refresh(session, config, now=NOW, full=True, python=True)
    session.commit()
    expected = (_facts(session), _rollups(session), _histograms(session))
    result = rollup.refresh(session, config, now=NOW, full=True)
    session.commit()
    got = (_facts(session), _rollups(session), _histograms(session))
    assert result.contacts == len(got[0])
    _same(expected[0], got[0], "facts")
    _same(expected[1], got[1], "rollups")
    assert expected[2] == got[2]


@pytest.mark.parametrize("seed", range(8))
def test_sql_rebuild_equals_the_python_path(
    session: Session, config: ProductConfig, seed: int
) -> None:
    """Random operations with odd shapes: is every fact, rollup and histogram the same?"""
    _world(session, seed)
    _both(session, config)
    assert len(_facts(session)) > 20


def test_plain_operations_are_built_in_sql_not_python(
    session: Session, config: ProductConfig
) -> None:
    """Does the SQL build ordinary contacts itself, handing only odd ones to Python?"""
    start = T0
    for n in range(5):
        session.add(
            HelpdeskTicket(id=n + 1, subject="", status="solved", channel="web", requester_id=None,
                           segment="pro", tags=["intent:returns"], custom_fields=[], created_at=start,
                           updated_at=start, solved_at=start + timedelta(hours=2))
        )  # fmt: skip
        session.add(
            BotConversation(
                conversation_id=f"c{n}", ticket_id=n + 1 if n % 2 else None, customer_key=f"u{n}@x",
                channel="chat", intent="order_status", outcome="escalated" if n % 2 else "resolved",
                model_csat=None, bot_version="1", started_at=start, ended_at=start + timedelta(minutes=3),
                body={"customer": {"email": f"U{n}@x"}, "transcript": [
                    {"role": "customer", "at": "2026-01-05T07:59:00Z"}]},
                body_hash=str(n), received_at=start,
            )
        )  # fmt: skip
    session.add(
        Packet(packet_id="00000000-0000-0000-0000-000000000001", ticket_id=None, conversation_id=None,
               schema_version="1.0", intent="returns", escalation_reason="x", channel="chat",
               customer_key="u9@x", completeness=1.0, missing_fields=[], body={}, body_hash="p",
               created_at=start, received_at=start)
    )  # fmt: skip
    session.commit()
    rebuild.clear(session)
    count, in_python = rebuild.build_facts(session, config, NOW)
    assert in_python == 1  # the packet naming no conversation (linked by identity and time)
    assert count == 9  # 5 conversations (2 with their ticket), 3 lone tickets, 1 packet


def test_indexes_come_back_when_the_rebuild_fails(session: Session, config: ProductConfig) -> None:
    """If the rebuild stops half-way, are facts and their indexes still there (all rolled back)?"""
    _world(session, 3)
    rollup.refresh(session, config, now=NOW, full=True)
    session.commit()
    before = len(_facts(session))
    inspector = sa.inspect(session.get_bind())
    indexes = {i["name"] for i in inspector.get_indexes("contact_facts")}
    original = rebuild.remark_repeats

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("stopped")

    rebuild.remark_repeats = broken  # type: ignore[assignment]
    try:
        with pytest.raises(RuntimeError):
            rollup.refresh(session, config, now=NOW, full=True)
    finally:
        rebuild.remark_repeats = original  # type: ignore[assignment]
    session.rollback()
    assert len(_facts(session)) == before
    inspector = sa.inspect(session.get_bind())
    assert {i["name"] for i in inspector.get_indexes("contact_facts")} == indexes
