"""Bearer tokens for the API: shown once, stored as SHA-256, scoped and revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.errors import HandoffError, NotFound
from handoff.models import ApiToken

PREFIX = "hf_"
SCOPES = ("packets:write", "packets:read", "conversations:write", "reports:read", "admin")
DEFAULT_SCOPES = ("packets:write", "packets:read", "conversations:write")


class AuthError(HandoffError):
    """The request carries no valid token (401)."""

    status = 401
    code = "unauthorized"


class Forbidden(HandoffError):
    """The token is valid but may not do this (403)."""

    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class IssuedToken:
    """A freshly created token: the plaintext exists only here."""

    plaintext: str
    token: ApiToken


def _digest(plaintext: str) -> str:
    """Hash a token for storage and lookup."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def create_token(
    session: Session, name: str, *, now: datetime, scopes: tuple[str, ...] = DEFAULT_SCOPES
) -> IssuedToken:
    """Create a token called ``name`` with ``scopes``; flush, and return the plaintext once."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise HandoffError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not name.strip():
        raise HandoffError("a token needs a name")
    plaintext = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip(),
        token_hash=_digest(plaintext),
        prefix=plaintext[:10],
        scopes=sorted(set(scopes)),
        created_at=now,
    )
    session.add(token)
    session.flush()
    return IssuedToken(plaintext, token)


def authenticate(session: Session, plaintext: str | None, scope: str, *, now: datetime) -> ApiToken:
    """Return the token for ``plaintext`` if it is live and holds ``scope``; else raise 401/403."""
    if not plaintext:
        raise AuthError("missing bearer token: send 'Authorization: Bearer <token>'")
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(plaintext)))
    # compare_digest keeps the check constant-time even though the lookup is by hash.
    if token is None or not hmac.compare_digest(token.token_hash, _digest(plaintext)):
        raise AuthError("invalid bearer token")
    if token.revoked_at is not None:
        raise AuthError("this token was revoked")
    if scope not in token.scopes and "admin" not in token.scopes:
        raise Forbidden(f"this token lacks the scope {scope!r}")
    # Refresh at most once a minute so reads do not turn into a write per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    return token


def revoke_token(session: Session, name_or_prefix: str, *, now: datetime) -> list[ApiToken]:
    """Revoke every live token whose name or displayed prefix matches; raise NotFound if none."""
    tokens = session.scalars(
        sa.select(ApiToken).where(
            sa.or_(ApiToken.name == name_or_prefix, ApiToken.prefix == name_or_prefix),
            ApiToken.revoked_at.is_(None),
        )
    ).all()
    if not tokens:
        raise NotFound(f"no live token named or prefixed {name_or_prefix!r}")
    for token in tokens:
        token.revoked_at = now
    return list(tokens)


def list_tokens(session: Session) -> list[ApiToken]:
    """Return every token, newest first (hashes only; plaintexts are never kept)."""
    return list(session.scalars(sa.select(ApiToken).order_by(ApiToken.created_at.desc())))
