"""Who may see the reports: a signed session opened by a one-time, expiring link."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from handoff.errors import HandoffError
from handoff.models.metrics import ReportLink

SALT = "handoff-reports-open-link"
LINK_TTL = timedelta(minutes=30)
SESSION_TTL = timedelta(hours=12)


class LinkRefused(HandoffError):
    """The link is forged, expired or already used (403)."""

    status = 403
    code = "link_refused"


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def issue(session: Session, secret: str, who: str, *, now: datetime) -> str:
    """Create a one-time link token for ``who``; flush, never commit."""
    nonce = secrets.token_urlsafe(24)
    session.add(ReportLink(nonce=nonce, who=who[:320], created_at=now, used_at=None))
    session.flush()
    return _serializer(secret).dumps({"n": nonce, "w": who})


def redeem(session: Session, secret: str, token: str, *, now: datetime) -> str:
    """Check a link token, mark it used, and return who it was issued to."""
    try:
        data: Any = _serializer(secret).loads(token, max_age=int(LINK_TTL.total_seconds()))
    except SignatureExpired:
        raise LinkRefused(
            "this link has expired; ask for a new one (handoff reports open-link)"
        ) from None
    except BadSignature:
        raise LinkRefused("this link is not valid") from None
    link = session.get(ReportLink, data.get("n")) if isinstance(data, dict) else None
    if link is None:
        raise LinkRefused("this link is not valid")
    if link.used_at is not None:
        raise LinkRefused("this link was already used; links open one session only")
    link.used_at = now
    session.flush()
    return link.who
