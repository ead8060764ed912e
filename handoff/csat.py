"""Delayed CSAT: a second one-click survey 48-72 h after solve, posted on the ticket via the outbox.

The links are signed (itsdangerous) so a customer answers without logging in; each carries the
ticket and the score it records, and expires after ``LINK_TTL``. The first answer stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from handoff.errors import NotFound, ValidationFailed
from handoff.links import LinkRefused
from handoff.models import HelpdeskTicket
from handoff.models.metrics import DelayedSurvey
from handoff.outbox import enqueue

SALT = "handoff-delayed-csat"
WINDOW = (timedelta(hours=48), timedelta(hours=72))
LINK_TTL = timedelta(days=14)
SCORES = ("good", "bad")
OUTBOX_KIND = "public_comment"
SOLVED = ("solved", "closed")


@dataclass(frozen=True)
class Answer:
    """The survey after an answer: whether this call recorded it, and the score that stands."""

    ticket_id: int
    score: str
    recorded: bool


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def link_token(secret: str, ticket_id: int, score: str) -> str:
    """Sign a one-click answer for a ticket."""
    return _serializer(secret).dumps({"t": ticket_id, "s": score})


def read_token(secret: str, token: str) -> tuple[int, str]:
    """Return (ticket_id, score) from a link, refusing forged and expired ones."""
    try:
        data: Any = _serializer(secret).loads(token, max_age=int(LINK_TTL.total_seconds()))
    except SignatureExpired:
        raise LinkRefused("this survey link has expired") from None
    except BadSignature:
        raise LinkRefused("this survey link is not valid") from None
    if (
        not isinstance(data, dict)
        or data.get("s") not in SCORES
        or not isinstance(data.get("t"), int)
    ):
        raise LinkRefused("this survey link is not valid")
    return data["t"], data["s"]


def due(session: Session, *, now: datetime) -> list[HelpdeskTicket]:
    """Return solved tickets whose solve was 48-72 h ago and that have no delayed survey yet."""
    surveyed = sa.select(DelayedSurvey.ticket_id)
    query = sa.select(HelpdeskTicket).where(
        HelpdeskTicket.status.in_(SOLVED),
        HelpdeskTicket.solved_at.is_not(None),
        HelpdeskTicket.solved_at <= now - WINDOW[0],
        HelpdeskTicket.solved_at > now - WINDOW[1],
        HelpdeskTicket.id.not_in(surveyed),
    )
    return list(session.scalars(query.order_by(HelpdeskTicket.solved_at, HelpdeskTicket.id)))


def body(base_url: str, secret: str, ticket_id: int) -> str:
    """Word the survey comment with its two one-click links."""
    root = base_url.rstrip("/")
    good = f"{root}/csat/{link_token(secret, ticket_id, 'good')}"
    bad = f"{root}/csat/{link_token(secret, ticket_id, 'bad')}"
    return (
        "A couple of days on: did our answer solve your problem?\n\n"
        f"Yes, it did: {good}\n"
        f"No, it did not: {bad}\n\n"
        "One click, no login; we only use it to improve our support."
    )


def send_due(session: Session, *, secret: str, base_url: str, now: datetime) -> list[DelayedSurvey]:
    """Queue the survey on every due ticket and record that it was sent; flush, never commit."""
    sent = []
    for ticket in due(session, now=now):
        assert ticket.solved_at is not None
        # The marker lets the worker find the comment after an uncertain delivery; it ends the body.
        marker = f"Ref. DCSAT-{ticket.id}"
        text = f"{body(base_url, secret, ticket.id)}\n\n{marker}"
        enqueue(session, kind=OUTBOX_KIND, key=f"delayed_csat:{ticket.id}", now=now, ticket_id=ticket.id,
                payload={"ticket_id": ticket.id, "body": text, "marker": marker})  # fmt: skip
        survey = DelayedSurvey(ticket_id=ticket.id, solved_at=ticket.solved_at, sent_at=now, score=None,
                               source=None, answered_at=None, recorded_at=now)  # fmt: skip
        session.add(survey)
        sent.append(survey)
    session.flush()
    return sent


def record(session: Session, ticket_id: int, score: str, *, source: str, now: datetime) -> Answer:
    """Record an answer; the first one stands and a repeat is not an error; flush only.

    The answer is written by one conditional UPDATE (``WHERE score IS NULL``), so of concurrent
    answers exactly one records; the others read the score that stands.
    """
    if score not in SCORES:
        raise ValidationFailed(
            "invalid score", details=[{"path": "$.score", "message": "good or bad"}]
        )
    survey = session.get(DelayedSurvey, ticket_id)
    if survey is None:
        # An outside survey tool may have asked on its own; the ticket must be one we know as solved.
        ticket = session.get(HelpdeskTicket, ticket_id)
        if ticket is None or ticket.solved_at is None:
            raise NotFound(f"no solved ticket {ticket_id}")
        # A concurrent first answer inserting the same row makes this flush fail: the caller reruns.
        survey = DelayedSurvey(ticket_id=ticket_id, solved_at=ticket.solved_at, sent_at=now, score=None,
                               source=None, answered_at=None, recorded_at=now)  # fmt: skip
        session.add(survey)
        session.flush()
    if survey.score is not None:
        return Answer(ticket_id, survey.score, recorded=False)
    written = session.execute(
        sa.update(DelayedSurvey)
        .where(DelayedSurvey.ticket_id == ticket_id, DelayedSurvey.score.is_(None))
        .values(score=score, source=source[:40], answered_at=now, recorded_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(survey)
    if written.rowcount != 1:  # type: ignore[attr-defined]
        assert survey.score is not None
        return Answer(ticket_id, survey.score, recorded=False)
    return Answer(ticket_id, score, recorded=True)


def record_sent(
    session: Session, ticket_id: int, *, source: str, now: datetime, sent_at: datetime | None = None
) -> bool:
    """Record that an outside tool sent the delayed survey (no answer yet); False when already known.

    Without it a tool that reports only answers makes the response rate read 100%.
    """
    if session.get(DelayedSurvey, ticket_id) is not None:
        return False
    ticket = session.get(HelpdeskTicket, ticket_id)
    if ticket is None or ticket.solved_at is None:
        raise NotFound(f"no solved ticket {ticket_id}")
    session.add(
        DelayedSurvey(ticket_id=ticket_id, solved_at=ticket.solved_at, sent_at=sent_at or now,
                      score=None, source=source[:40], answered_at=None, recorded_at=now)
    )  # fmt: skip
    session.flush()
    return True
