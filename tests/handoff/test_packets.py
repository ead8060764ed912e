"""Packets in the core: completeness, idempotent storage, delivery queueing, assembly."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handoff import packets
from handoff.errors import Conflict, NotFound, ValidationFailed
from handoff.models import OutboxItem, Packet
from tests import factories
from tests.conftest import FIXED_NOW


def test_full_packet_is_complete_and_a_bare_one_lists_what_it_lacks():
    """Does completeness reward every optional field and name the missing ones?"""
    assert packets.completeness(factories.packet()).score == 1.0
    bare = {
        k: v
        for k, v in factories.packet().items()
        if k
        in (
            "schema_version",
            "packet_id",
            "ticket_id",
            "bot",
            "intent",
            "summary",
            "escalation",
            "transcript",
        )
    }
    result = packets.completeness(bare)
    assert "identifiers" in result.missing and "customer" in result.missing
    assert result.score == pytest.approx(
        1 - len(result.missing) / len(packets.COMPLETENESS_FIELDS), abs=1e-4
    )


def test_empty_lists_count_as_missing():
    """Is an empty identifiers list treated as missing rather than present?"""
    assert "identifiers" in packets.completeness(factories.packet(identifiers=[])).missing


def test_accept_stores_and_queues_delivery_once(session):
    """Does accepting a packet store it and queue exactly one delivery in the same transaction?"""
    doc = factories.packet()
    first = packets.accept_packet(session, doc, now=FIXED_NOW)
    again = packets.accept_packet(session, dict(doc), now=FIXED_NOW)
    session.commit()
    assert first.created and not again.created and again.packet.id == first.packet.id
    items = session.scalars(sa.select(OutboxItem)).all()
    assert [(i.kind, i.ticket_id, i.payload) for i in items] == [
        ("packet_note", 1001, {"packet_id": doc["packet_id"]})
    ]


def test_same_id_other_body_conflicts_and_keeps_the_first(session):
    """Does reusing a packet_id with another body raise Conflict and leave the stored one alone?"""
    doc = factories.packet()
    packets.accept_packet(session, doc, now=FIXED_NOW)
    session.commit()
    with pytest.raises(Conflict):
        packets.accept_packet(
            session, {**doc, "summary": "A different summary entirely."}, now=FIXED_NOW
        )
    session.rollback()
    assert packets.get_packet(session, doc["packet_id"]).body["summary"] == doc["summary"]


def test_invalid_packet_writes_nothing(session):
    """Does a schema failure leave no packet and no outbox row behind?"""
    with pytest.raises(ValidationFailed) as info:
        packets.accept_packet(session, factories.packet(summary=""), now=FIXED_NOW)
    assert info.value.details[0]["path"] == "$.summary"
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Packet)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboxItem)) == 0


def test_server_fields_sent_by_the_bot_are_ignored(session):
    """Is a bot-supplied completeness ignored, so it cannot claim a perfect score?"""
    doc = factories.packet(identifiers=[], completeness={"score": 1.0, "missing": []})
    stored = packets.accept_packet(session, doc, now=FIXED_NOW).packet
    assert stored.completeness < 1.0 and "completeness" not in stored.body


def test_latest_packet_for_a_ticket(session):
    """Does a ticket with two packets return the later one, and an unknown ticket NotFound?"""
    packets.accept_packet(
        session, factories.packet(created_at="2026-03-01T10:00:00Z"), now=FIXED_NOW
    )
    later = factories.packet(created_at="2026-03-02T10:00:00Z")
    packets.accept_packet(session, later, now=FIXED_NOW)
    assert packets.packet_for_ticket(session, 1001).packet_id == later["packet_id"]
    with pytest.raises(NotFound):
        packets.packet_for_ticket(session, 9999)
    with pytest.raises(NotFound):
        packets.packet_for_ticket(session, 2**64)  # beyond any database integer: not a crash


def test_customer_key_prefers_email_lowercased():
    """Is the customer identified by lower-cased email before the bot's own id?"""
    assert (
        packets.customer_key(factories.packet(customer={"id": "c1", "email": "Dana@Example.com"}))
        == "dana@example.com"
    )
    assert packets.customer_key(factories.packet(customer={"id": "c1"})) == "id:c1"


def test_build_packet_extracts_identifiers_and_frustration():
    """Does build_packet pull order numbers and emails from the customer's words and flag frustration?"""
    doc = packets.build_packet(
        transcript=[
            {"role": "customer", "text": "Order #88231 never came. Email me at Sam@Example.org"},
            {"role": "bot", "text": "I can check order 55555 for you."},
            {"role": "customer", "text": "This is ridiculous, I want a real person"},
        ],
        intent="order_status",
        summary="Order 88231 not delivered; customer asks for a human.",
        escalation_reason="customer_request",
        bot_name="Ava",
        ticket_id=7,
        now=FIXED_NOW,
    )
    assert doc["identifiers"] == [
        {"kind": "order_id", "value": "88231"},
        {"kind": "email", "value": "sam@example.org"},
    ]
    assert doc["sentiment"]["frustration"] is True and "ridiculous" in doc["sentiment"]["signals"]
    assert packets.validate_packet(doc) == []


def test_build_packet_refuses_a_bad_field():
    """Does build_packet raise with the path of a bad field instead of returning an invalid packet?"""
    with pytest.raises(ValidationFailed) as info:
        packets.build_packet(
            transcript=[{"role": "customer", "text": "hi"}],
            intent="order_status",
            summary="Customer greeted and left.",
            escalation_reason="bored",
            bot_name="Ava",
            ticket_id=7,
            now=FIXED_NOW,
        )
    assert info.value.details[0]["path"] == "$.escalation.reason"


def test_a_nul_character_is_a_schema_error_with_its_path(session):
    """Is a NUL in any string refused with its path, since PostgreSQL's JSON cannot hold it?"""
    doc = factories.packet()
    doc["transcript"][0]["text"] = "where is\x00 my order"
    with pytest.raises(ValidationFailed) as info:
        packets.accept_packet(session, doc, now=FIXED_NOW)
    assert [d["path"] for d in info.value.details] == ["$.transcript[0].text"]


def test_a_timestamp_with_no_utc_equivalent_is_refused_with_its_path(session):
    """Is a valid-looking date before the first representable instant a 422, not a crash?"""
    with pytest.raises(ValidationFailed) as info:
        packets.accept_packet(
            session, factories.packet(created_at="0001-01-01T00:00:00+05:00"), now=FIXED_NOW
        )
    assert info.value.details[0]["path"] == "$.created_at"


def test_the_answer_for_a_packet_just_written_is_its_view_without_encoding_the_body_again():
    """Does the intake's answer, built around the body's canonical JSON, read as packet_view?"""
    import json

    doc = factories.packet(summary="Kundin wartet seit neun Tagen — «Rückerstattung» 🙂")
    written: list[packets.NewPacket] = []
    accepted = packets.intake(doc, now=FIXED_NOW, write=lambda new: written.append(new) or 1,
                              session=lambda: pytest.fail("a new packet reads nothing"))  # fmt: skip
    assert accepted.created and accepted.packet.body_json == written[0].body_json
    answer = packets.packet_json(accepted.packet)
    assert json.loads(answer) == packets.packet_view(accepted.packet)
    assert answer.startswith(accepted.packet.body_json[:-1])  # the body is not encoded again
    assert json.loads(answer)["received_at"] == "2026-03-02T09:30:00Z"


def test_the_intake_looks_for_nul_itself_unless_told_the_text_was_checked():
    """Does the intake refuse a NUL the JSON guard did not see (a document built in Python), writing nothing?"""
    doc = factories.packet()
    doc["summary"] = "order\x00 lost"
    writes: list[packets.NewPacket] = []

    def write(new: packets.NewPacket) -> int:
        writes.append(new)
        return 1

    with pytest.raises(ValidationFailed) as info:
        packets.intake(doc, now=FIXED_NOW, write=write, session=lambda: None)  # type: ignore[arg-type,return-value]
    assert [d["path"] for d in info.value.details] == ["$.summary"] and not writes
