"""Delayed CSAT: which tickets get the second survey, the signed links, and idempotent answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff import csat
from handoff.models import OutboxItem
from handoff.models.metrics import DelayedSurvey
from tests.handoff.metrics.conftest import World, at

SECRET = "test-secret-for-links-0123456789abcdef"
NOW = at("2026-02-10 12:00")


def test_sends_to_tickets_solved_48_to_72_hours_ago(session: Session, world: World) -> None:
    """Are only tickets solved 48-72 h ago, without a survey, queued, and only once?"""
    world.ticket(1, "2026-02-07 09:00", solved="2026-02-08 10:00")  # 50 h ago: due
    world.ticket(2, "2026-02-08 09:00", solved="2026-02-09 06:00")  # 30 h ago: too early
    world.ticket(3, "2026-02-06 09:00", solved="2026-02-07 06:00")  # 78 h ago: too late
    world.ticket(4, "2026-02-07 09:00", solved="2026-02-08 09:00")  # 51 h ago, already surveyed
    world.delayed(4, "2026-02-08 09:00", None)
    world.ticket(5, "2026-02-07 09:00")  # open
    session.commit()
    sent = csat.send_due(session, secret=SECRET, base_url="https://help.example.com/", now=NOW)
    session.commit()
    assert [s.ticket_id for s in sent] == [1]
    item = session.scalar(sa.select(OutboxItem).where(OutboxItem.key == "delayed_csat:1"))
    assert item is not None and item.kind == "public_comment" and item.ticket_id == 1
    assert set(item.payload) == {"ticket_id", "body", "marker"}
    assert item.payload["marker"] in item.payload["body"]
    assert "https://help.example.com/csat/" in item.payload["body"]
    assert (
        csat.send_due(session, secret=SECRET, base_url="https://x", now=NOW + timedelta(hours=1))
        == []
    )


def test_links_are_signed_and_expire() -> None:
    """Does a link round-trip, and are a forged and an expired one refused?"""
    token = csat.link_token(SECRET, 7, "good")
    assert csat.read_token(SECRET, token) == (7, "good")
    with pytest.raises(csat.LinkRefused):
        csat.read_token("another-secret-entirely-0123456789", token)
    with pytest.raises(csat.LinkRefused):
        csat.read_token(SECRET, token[:-2] + "xx")
    old = csat._serializer(SECRET)
    old.default_signer.default_key_derivation = (
        old.default_signer.default_key_derivation
    )  # same signer
    import time

    expired = csat.URLSafeTimedSerializer(SECRET, salt=csat.SALT)
    real_time = time.time
    try:
        time.time = lambda: real_time() - csat.LINK_TTL.total_seconds() - 60  # type: ignore[assignment]
        stale = expired.dumps({"t": 7, "s": "bad"})
    finally:
        time.time = real_time  # type: ignore[assignment]
    with pytest.raises(csat.LinkRefused, match="expired"):
        csat.read_token(SECRET, stale)


def test_first_answer_stands(session: Session, world: World) -> None:
    """Is the first answer recorded and a later one returned unchanged?"""
    world.ticket(1, "2026-02-07 09:00", solved="2026-02-08 10:00")
    session.commit()
    first = csat.record(session, 1, "bad", source="link", now=NOW)
    again = csat.record(session, 1, "good", source="link", now=NOW + timedelta(minutes=1))
    session.commit()
    assert (first.recorded, again.recorded, again.score) == (True, False, "bad")
    survey = session.get(DelayedSurvey, 1)
    assert survey is not None and survey.score == "bad" and survey.source == "link"
