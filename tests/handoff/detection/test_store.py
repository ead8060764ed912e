"""Stored findings: computed per ticket, replaced on recompute, refreshed on a version change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

import handoff.models  # noqa: F401 - the tables the migrations build
from handoff.detection import DETECTOR_VERSION, EXPLICIT, IMPLICIT, REASK, store
from handoff.detection.known import parse_time
from handoff.models import HelpdeskComment, Packet
from handoff.models.detection import DetectionFinding, DetectionRun
from tests.handoff.detection.conftest import HANDOFF, NOW, agent, customer

TICKET = 1001


def _add_ticket(session: Session, packet: dict[str, Any], comments: list[dict[str, Any]]) -> None:
    session.add(
        Packet(
            packet_id=packet["packet_id"],
            ticket_id=TICKET,
            schema_version="1.0",
            intent="order_status",
            escalation_reason="low_confidence",
            completeness=1.0,
            missing_fields=[],
            body=packet,
            body_hash="0" * 64,
            created_at=HANDOFF,
            received_at=HANDOFF,
        )
    )
    for c in comments:
        created = parse_time(c["created_at"])
        assert created is not None
        session.add(
            HelpdeskComment(
                id=c["id"],
                ticket_id=TICKET,
                author_role=c["author_role"],
                public=c["public"],
                body=c["body"],
                created_at=created,
            )
        )
    session.flush()


def _rows(session: Session) -> list[tuple[str, int | None, str]]:
    query = sa.select(DetectionFinding).order_by(DetectionFinding.id)
    return [(f.kind, f.comment_id, f.detector_version) for f in session.scalars(query)]


def test_recompute_ticket_stores_findings_with_evidence(
    db_session: Session, packet: dict[str, Any]
) -> None:
    """Are a ticket's findings stored with kind, cue, value, turn, evidence and version?"""
    _add_ticket(
        db_session,
        packet,
        [agent(11, "What's your order number?", 1), customer(12, "A-10442 like I said", 2)],
    )
    findings = store.recompute_ticket(db_session, TICKET, NOW)
    assert {f.kind for f in findings} == {EXPLICIT, IMPLICIT, REASK}
    row = db_session.scalars(
        sa.select(DetectionFinding).where(DetectionFinding.kind == IMPLICIT)
    ).one()
    assert (row.comment_id, row.cue, row.matched_value, row.agent_turn) == (
        12,
        "value:order_id",
        "A-10442",
        1,
    )
    assert row.evidence["snippet"] == "A-10442" and row.created_at == NOW
    run = db_session.get(DetectionRun, TICKET)
    assert run is not None and run.repetition and run.reask_count == 1


def test_recompute_replaces_and_only_flushes(db_session: Session, packet: dict[str, Any]) -> None:
    """Does recomputing replace the old rows, and leave the commit to the caller?"""
    _add_ticket(db_session, packet, [customer(12, "like I said, late", 2)])
    store.recompute_ticket(db_session, TICKET, NOW)
    store.recompute_ticket(db_session, TICKET, NOW + timedelta(hours=1))
    assert _rows(db_session) == [(EXPLICIT, 12, DETECTOR_VERSION)]
    db_session.rollback()
    assert _rows(db_session) == []


def test_ticket_without_packet_has_no_findings(db_session: Session) -> None:
    """Does a ticket that was never escalated get no findings and no run?"""
    assert store.recompute_ticket(db_session, 555, NOW) == []
    assert db_session.get(DetectionRun, 555) is None


def test_recompute_stale_refreshes_older_versions(
    db_session: Session, packet: dict[str, Any]
) -> None:
    """Are tickets computed by an older detector version, or never, recomputed?"""
    _add_ticket(db_session, packet, [customer(12, "like I said, late", 2)])
    assert store.stale_ticket_ids(db_session) == [TICKET]
    store.recompute_ticket(db_session, TICKET, NOW)
    assert store.stale_ticket_ids(db_session) == []
    db_session.execute(sa.update(DetectionFinding).values(detector_version="0.0.1"))
    db_session.execute(sa.update(DetectionRun).values(detector_version="0.0.1"))
    sweep = store.recompute_stale(db_session, NOW)
    assert (sweep.tickets, sweep.findings) == (1, 1)
    assert _rows(db_session) == [(EXPLICIT, 12, DETECTOR_VERSION)]


def test_clean_ticket_is_not_recomputed_again(db_session: Session, packet: dict[str, Any]) -> None:
    """Is a ticket with no findings remembered as checked, so the sweep skips it?"""
    _add_ticket(db_session, packet, [customer(12, "thanks!", 2)])
    assert store.recompute_stale(db_session, NOW).tickets == 1
    assert store.recompute_stale(db_session, NOW).tickets == 0
