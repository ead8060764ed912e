"""Re-ask flags and packet acknowledgements in the core."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handoff import flags
from handoff.errors import ValidationFailed
from handoff.models import OutboxItem
from handoff.models.flags import ReaskFlag
from handoff.packets import accept_packet
from tests.factories import packet


def _outbox(session):
    return session.scalars(sa.select(OutboxItem).order_by(OutboxItem.id)).all()


def test_setting_a_flag_stores_agent_packet_and_queues_the_mirror(session, clock):
    """Does a flag keep who set it, when, on which packet, and queue value=True in the outbox?"""
    stored = accept_packet(session, packet(ticket_id=42), now=clock()).packet
    flag = flags.set_flag(session, ticket_id=42, agent_id=7, now=clock())
    session.commit()
    assert (flag.active, flag.agent_id, flag.source, flag.packet_id) == (
        True,
        7,
        "sidebar",
        stored.packet_id,
    )
    assert flag.created_at == clock()
    mirror = [item for item in _outbox(session) if item.kind == "reask_flag"]
    assert [(m.key, m.payload, m.ticket_id) for m in mirror] == [
        (f"reask_flag:42:{flag.id}:set", {"ticket_id": 42, "value": True}, 42)
    ]


def test_details_update_the_active_flag_without_a_second_mirror(session, clock):
    """Does choosing missing fields and a note after the click update the same flag?"""
    first = flags.set_flag(session, ticket_id=5, agent_id=7, now=clock())
    clock.advance(minutes=1)
    second = flags.set_flag(
        session,
        ticket_id=5,
        agent_id=7,
        now=clock(),
        missing_fields=["transcript", "identifiers", "identifiers"],
        note="  customer gave the order number twice  ",
    )
    session.commit()
    assert second.id == first.id
    assert second.missing_fields == ["identifiers", "transcript"]
    assert second.note == "customer gave the order number twice"
    assert len(_outbox(session)) == 1


def test_unknown_sections_and_long_notes_are_refused(session, clock):
    """Are a made-up section name and an over-long note refused with details?"""
    with pytest.raises(ValidationFailed) as caught:
        flags.set_flag(session, ticket_id=5, agent_id=1, now=clock(), missing_fields=["nope"])
    assert caught.value.details[0]["path"] == "missing_fields"
    with pytest.raises(ValidationFailed):
        flags.set_flag(session, ticket_id=5, agent_id=1, now=clock(), note="x" * 2001)


def test_clearing_keeps_history_and_queues_the_clear(session, clock):
    """Does undo keep the row as cleared, by whom and when, and queue value=False?"""
    flag = flags.set_flag(session, ticket_id=9, agent_id=7, now=clock())
    clock.advance(minutes=2)
    cleared = flags.clear_flag(session, ticket_id=9, agent_id=8, now=clock())
    session.commit()
    assert cleared is not None and cleared.id == flag.id
    assert (cleared.active, cleared.cleared_by, cleared.cleared_at) == (False, 8, clock())
    assert flags.active_flag(session, 9) is None
    assert [(m.key, m.payload["value"]) for m in _outbox(session)] == [
        (f"reask_flag:9:{flag.id}:set", True),
        (f"reask_flag:9:{flag.id}:clear", False),
    ]
    assert flags.clear_flag(session, ticket_id=9, agent_id=8, now=clock()) is None


def test_flag_again_after_undo_adds_a_new_flag(session, clock):
    """Does setting the flag after an undo add a new row with its own mirror key?"""
    first = flags.set_flag(session, ticket_id=9, agent_id=7, now=clock())
    flags.clear_flag(session, ticket_id=9, agent_id=7, now=clock())
    again = flags.set_flag(session, ticket_id=9, agent_id=7, now=clock())
    session.commit()
    assert again.id != first.id
    assert [f.id for f in flags.flags_for_ticket(session, 9)] == [again.id, first.id]
    assert len(_outbox(session)) == 3


def test_one_active_flag_per_ticket_is_enforced_by_the_database(session, clock):
    """Does the database refuse a second active flag for the same ticket?"""
    flags.set_flag(session, ticket_id=3, agent_id=1, now=clock())
    session.commit()
    session.add(
        ReaskFlag(
            ticket_id=3,
            active=True,
            source="sidebar",
            missing_fields=[],
            created_at=clock(),
            updated_at=clock(),
        )  # fmt: skip
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()
    session.rollback()


def test_a_flag_from_zendesk_is_recorded_and_never_mirrored_back(session, clock):
    """Does the checkbox set in Zendesk create a flag without queueing anything?"""
    flags.record_flag_from_helpdesk(session, ticket_id=11, value=True, agent_id=70, now=clock())
    session.commit()
    flag = flags.active_flag(session, 11)
    assert flag is not None and (flag.source, flag.agent_id) == ("zendesk_field", 70)
    assert _outbox(session) == []
    flags.record_flag_from_helpdesk(session, ticket_id=11, value=False, agent_id=71, now=clock())
    session.commit()
    assert flags.active_flag(session, 11) is None
    assert flags.flags_for_ticket(session, 11)[0].cleared_by == 71
    assert _outbox(session) == []


def test_the_echo_of_our_own_mirror_changes_nothing(session, clock):
    """When Zendesk echoes the value we mirrored, is the state left as it is?"""
    flag = flags.set_flag(
        session, ticket_id=12, agent_id=7, now=clock(), missing_fields=["summary"]
    )
    flags.record_flag_from_helpdesk(session, ticket_id=12, value=True, agent_id=None, now=clock())
    session.commit()
    assert [f.id for f in flags.flags_for_ticket(session, 12)] == [flag.id]
    assert flags.active_flag(session, 12).missing_fields == ["summary"]
    flags.clear_flag(session, ticket_id=12, agent_id=7, now=clock())
    flags.record_flag_from_helpdesk(session, ticket_id=12, value=False, agent_id=None, now=clock())
    session.commit()
    assert flags.flags_for_ticket(session, 12)[0].cleared_by == 7
    assert len(_outbox(session)) == 2


def test_acknowledging_is_once_per_agent_and_packet(session, clock):
    """Does "I read the packet" store one row per agent and packet, however often clicked?"""
    stored = accept_packet(session, packet(ticket_id=21), now=clock()).packet
    first = flags.acknowledge(session, ticket_id=21, agent_id=7, now=clock())
    clock.advance(minutes=1)
    again = flags.acknowledge(session, ticket_id=21, agent_id=7, now=clock())
    other = flags.acknowledge(session, ticket_id=21, agent_id=8, now=clock())
    session.commit()
    assert again.id == first.id and other.id != first.id
    assert first.packet_id == stored.packet_id
    assert flags.acknowledgement(session, 21, agent_id=7).created_at == first.created_at
    assert flags.acknowledgement(session, 22) is None


def test_queries_for_the_metrics(session, clock):
    """Do the metric queries tell flagged, acknowledged and missing-field counts apart?"""
    start = clock()
    flags.set_flag(session, ticket_id=1, agent_id=7, now=clock(), missing_fields=["summary"])
    flags.set_flag(
        session, ticket_id=2, agent_id=7, now=clock(), missing_fields=["summary", "transcript"]
    )
    flags.clear_flag(session, ticket_id=2, agent_id=7, now=clock())
    flags.set_flag(session, ticket_id=2, agent_id=7, now=clock(), missing_fields=["identifiers"])
    clock.advance(days=1)
    flags.set_flag(session, ticket_id=3, agent_id=7, now=clock())
    flags.acknowledge(session, ticket_id=1, agent_id=7, now=clock())
    flags.acknowledge(session, ticket_id=4, agent_id=7, now=start)
    session.commit()
    assert flags.flagged_ticket_ids(session) == {1, 2, 3}
    assert flags.flagged_ticket_ids(session, until=clock()) == {1, 2}
    assert flags.flags_per_ticket(session) == {1: 1, 2: 1, 3: 1}
    assert flags.flags_per_ticket(session, include_cleared=True, ticket_ids=[2]) == {2: 2}
    assert flags.acknowledged_ticket_ids(session) == {1, 4}
    assert flags.acknowledged_ticket_ids(session, since=clock()) == {1}
    assert flags.missing_field_counts(session) == {"identifiers": 1, "summary": 1}
