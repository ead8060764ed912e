"""One-time, expiring links that open a browser session, and the sessions they open.

The URL carries a signed nonce (itsdangerous); the database spends it. Spending is one conditional
UPDATE, so of any number of concurrent redemptions of one link exactly one succeeds. A session is
a random token in the (signed) cookie and a row holding its SHA-256 digest, checked on every
request, so a session can be revoked before it expires. The functions add and flush; the caller
commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from handoff.errors import HandoffError, ValidationFailed
from handoff.models.metrics import BrowserSession, ReportLink
from handoff.models.policy import ReviewLink

REPORT_SALT = "handoff-reports-open-link"
REPORT_TTL = timedelta(minutes=30)
REVIEW_SALT = "handoff.review-link"
REVIEW_MAX_TTL = timedelta(hours=24)
EXPIRED = "this link has expired; ask for a new one"
REPORT_EXPIRED = "this link has expired; ask for a new one (handoff reports open-link)"

Link = TypeVar("Link", ReportLink, ReviewLink)


class LinkRefused(HandoffError):
    """A link is forged, expired or already used (403)."""

    status = 403
    code = "link_refused"


def sign(secret: str, salt: str, nonce: str) -> str:
    """Return the URL token carrying ``nonce``."""
    return URLSafeTimedSerializer(secret, salt=salt).dumps({"n": nonce})


def read(secret: str, salt: str, token: str, *, max_age: timedelta, expired: str = EXPIRED) -> str:
    """Return the nonce a token carries; refuse a forged token or one older than ``max_age``."""
    try:
        data: Any = URLSafeTimedSerializer(secret, salt=salt).loads(
            token, max_age=int(max_age.total_seconds())
        )
    except SignatureExpired:
        raise LinkRefused(expired) from None
    except BadSignature:
        raise LinkRefused("this link is not valid") from None
    nonce = data.get("n") if isinstance(data, dict) else None
    if not isinstance(nonce, str):
        raise LinkRefused("this link is not valid")
    return nonce


def spend(
    session: Session, model: type[Link], nonce: str, *, now: datetime, live: sa.ColumnElement[bool]
) -> Link | None:
    """Mark an unused, ``live`` link used and return it; None when unknown, expired or used."""
    # One conditional UPDATE: of concurrent redemptions, exactly one changes the row.
    result = session.execute(
        sa.update(model)
        .where(model.nonce == nonce, model.used_at.is_(None), live)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return None
    return session.get(model, nonce, populate_existing=True)


def issue_report_link(session: Session, secret: str, who: str, *, now: datetime) -> str:
    """Record a one-time reports link for ``who`` and return its token; flush only."""
    nonce = secrets.token_urlsafe(24)
    session.add(ReportLink(nonce=nonce, who=who[:320], created_at=now, used_at=None))
    session.flush()
    return sign(secret, REPORT_SALT, nonce)


def redeem_report_link(session: Session, secret: str, token: str, *, now: datetime) -> str:
    """Spend a reports link and return who it was issued to; refuse it with the reason."""
    nonce = read(secret, REPORT_SALT, token, max_age=REPORT_TTL, expired=REPORT_EXPIRED)
    link = spend(session, ReportLink, nonce, now=now, live=ReportLink.created_at > now - REPORT_TTL)
    if link is not None:
        return link.who
    known = session.get(ReportLink, nonce)
    if known is None:
        raise LinkRefused("this link is not valid")
    if known.used_at is not None:
        raise LinkRefused("this link was already used; links open one session only")
    raise LinkRefused(REPORT_EXPIRED)


def issue_review_link(
    session: Session, secret: str, lead: str, *, now: datetime, ttl: timedelta
) -> str:
    """Record a one-time review link for ``lead`` (at most ``REVIEW_MAX_TTL``); return its token."""
    if not lead.strip():
        raise ValidationFailed("a review link needs the lead's name")
    nonce = secrets.token_urlsafe(24)
    expires_at = now + min(ttl, REVIEW_MAX_TTL)
    session.add(ReviewLink(nonce=nonce, lead=lead.strip(), created_at=now, expires_at=expires_at))
    session.flush()
    return sign(secret, REVIEW_SALT, nonce)


def redeem_review_link(
    session: Session, secret: str, token: str, *, now: datetime
) -> ReviewLink | None:
    """Spend a review link and return it; None when forged, expired or already used."""
    try:
        # The signature's own age check is a backstop; the stored expiry is the real limit.
        nonce = read(secret, REVIEW_SALT, token, max_age=REVIEW_MAX_TTL)
    except LinkRefused:
        return None
    return spend(session, ReviewLink, nonce, now=now, live=ReviewLink.expires_at > now)


def _digest(token: str) -> str:
    """Return the stored form of a session token (a leaked table opens no session)."""
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, who: str, kind: str, *, now: datetime, ttl: timedelta) -> str:
    """Record a browser session for ``who`` and return the token its cookie carries; flush only."""
    token = secrets.token_urlsafe(32)
    session.add(
        BrowserSession(
            digest=_digest(token),
            who=who[:320],
            kind=kind,
            created_at=now,
            expires_at=now + ttl,
            revoked_at=None,
        )  # fmt: skip
    )
    session.flush()
    return token


def session_holder(session: Session, token: object, *, now: datetime) -> str | None:
    """Return who holds a live session ``token``; None when unknown, expired or revoked."""
    if not isinstance(token, str) or not token:
        return None
    who = session.execute(
        sa.select(BrowserSession.who).where(
            BrowserSession.digest == _digest(token),
            BrowserSession.expires_at > now,
            BrowserSession.revoked_at.is_(None),
        )
    ).scalar_one_or_none()
    return who


def revoke_sessions(
    session: Session, *, now: datetime, token: str | None = None, who: str | None = None
) -> int:
    """Revoke one session (``token``), all of ``who``'s, or with neither every live one; count them."""
    query = sa.update(BrowserSession).where(
        BrowserSession.revoked_at.is_(None), BrowserSession.expires_at > now
    )
    if token is not None:
        query = query.where(BrowserSession.digest == _digest(token))
    if who is not None:
        query = query.where(BrowserSession.who == who)
    result = session.execute(
        query.values(revoked_at=now).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))
