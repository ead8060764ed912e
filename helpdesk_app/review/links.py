"""Signed, expiring, one-time review links: the URL carries a signed nonce, the database spends it."""

from __future__ import annotations

from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from handoff.models.policy import ReviewLink
from handoff.policy import review

SALT = "handoff.review-link"
MAX_TTL = timedelta(hours=24)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_link(
    session: Session, *, secret_key: str, lead: str, now: datetime, ttl: timedelta, base_url: str
) -> str:
    """Record a one-time link for ``lead`` and return its URL; flush only."""
    ttl = min(ttl, MAX_TTL)
    link = review.issue_link_nonce(session, lead=lead, now=now, ttl=ttl)
    token = _serializer(secret_key).dumps({"n": link.nonce})
    return f"{base_url.rstrip('/')}/review/open?t={token}"


def redeem(session: Session, token: str, *, secret_key: str, now: datetime) -> ReviewLink | None:
    """Return the link a token opens, spending it; None when forged, expired or spent."""
    try:
        # The signature's own age check is a backstop; the stored expiry is the real limit.
        data = _serializer(secret_key).loads(token, max_age=int(MAX_TTL.total_seconds()))
    except BadSignature:
        return None
    nonce = data.get("n") if isinstance(data, dict) else None
    if not isinstance(nonce, str):
        return None
    return review.redeem_link_nonce(session, nonce, now=now)
