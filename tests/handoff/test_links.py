"""One-time links: each opens one session, however many requests race to redeem it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff import links
from handoff.db import transaction

SECRET = "a-test-secret-of-at-least-32-characters"
RACERS = 10


def _issue(kind: str, session: Session, now) -> str:  # type: ignore[no-untyped-def]
    if kind == "reports":
        return links.issue_report_link(session, SECRET, "lead@example.com", now=now)
    return links.issue_review_link(session, SECRET, "lea", now=now, ttl=timedelta(minutes=30))


def _redeem(kind: str, session: Session, token: str, now) -> bool:  # type: ignore[no-untyped-def]
    if kind == "reports":
        try:
            links.redeem_report_link(session, SECRET, token, now=now)
        except links.LinkRefused:
            return False
        return True
    return links.redeem_review_link(session, SECRET, token, now=now) is not None


def race(sessions: sessionmaker[Session], attempt: Callable[[Session], bool]) -> list[bool]:
    """Run ``attempt`` in RACERS threads at once, each in its own session, committing each."""
    barrier = threading.Barrier(RACERS)

    def one(_: int) -> bool:
        with sessions() as session:
            barrier.wait(timeout=30)
            opened = attempt(session)
            session.commit()
            return opened

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(one, range(RACERS)))


@pytest.mark.parametrize("kind", ["reports", "review"])
def test_a_link_redeemed_by_ten_concurrent_sessions_opens_once(sessions, clock, kind):
    """Of ten sessions redeeming one link at the same moment, does exactly one succeed?"""
    with transaction(sessions) as session:
        token = _issue(kind, session, clock())
    results = race(sessions, lambda session: _redeem(kind, session, token, clock()))
    assert results.count(True) == 1, results


def test_a_reports_link_says_why_it_is_refused(session, clock):
    """Is a used, an expired and a forged reports link each refused with its reason?"""
    token = links.issue_report_link(session, SECRET, "lead@example.com", now=clock())
    assert links.redeem_report_link(session, SECRET, token, now=clock()) == "lead@example.com"
    with pytest.raises(links.LinkRefused, match="already used"):
        links.redeem_report_link(session, SECRET, token, now=clock())
    late = links.issue_report_link(session, SECRET, "lead@example.com", now=clock())
    with pytest.raises(links.LinkRefused, match="expired"):
        links.redeem_report_link(session, SECRET, late, now=clock.advance(minutes=31))
    with pytest.raises(links.LinkRefused, match="not valid"):
        links.redeem_report_link(session, SECRET, token[:-3] + "abc", now=clock())
