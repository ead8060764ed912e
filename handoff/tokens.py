"""Bearer tokens for the API: shown once, stored as SHA-256, scoped and revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
    token = _verify(session, _digest(plaintext), now=now)
    _check_scope(token.scopes, scope)
    return token


def _verify(session: Session, digest: str, *, now: datetime) -> ApiToken:
    """Look up the live token with SHA-256 ``digest`` and note its use; raise 401 if none."""
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest))
    # compare_digest keeps the check constant-time even though the lookup is by hash.
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        raise AuthError("invalid bearer token")
    if token.revoked_at is not None:
        raise AuthError("this token was revoked")
    # Refresh at most once a minute so reads do not turn into a write per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    return token


@dataclass(frozen=True)
class Grant:
    """A verified token as a request sees it: who it is and what it may do, never its secret."""

    id: int
    name: str
    scopes: tuple[str, ...]

    @classmethod
    def of(cls, token: ApiToken) -> Grant:
        """Copy what a request needs out of a stored token."""
        return cls(token.id, token.name, tuple(token.scopes))


def _check_scope(scopes: tuple[str, ...] | list[str], scope: str) -> None:
    """Raise 403 unless ``scopes`` hold ``scope`` (or ``admin``)."""
    if scope not in scopes and "admin" not in scopes:
        raise Forbidden(f"this token lacks the scope {scope!r}")


class TokenCache:
    """Verified tokens remembered in this process for ``ttl``, so a request skips the lookup.

    Entries are keyed by the token's SHA-256 (the value stored in ``api_tokens``), never the
    plaintext, and hold only a :class:`Grant`. Only tokens that verified are remembered: a
    missing, unknown or revoked token is looked up every time, so a new token works at once.
    A token revoked in the database (``handoff token revoke``, from any process) stops working
    here when its entry expires, at most ``ttl`` after it was last looked up; a ``ttl`` of zero
    turns the cache off. ``last_used_at`` is refreshed on those lookups, so it lags by up to
    ``ttl`` more than before. Safe to share between threads.
    """

    def __init__(self, ttl: timedelta, max_entries: int = 1024) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[datetime, Grant]] = {}
        self._lock = threading.Lock()

    def authenticate(
        self, session: Callable[[], Session], plaintext: str | None, scope: str, *, now: datetime
    ) -> Grant:
        """Return the grant of a live token holding ``scope``, from memory or the database.

        ``session()`` is called only for a lookup; the caller commits the token's refreshed
        ``last_used_at`` (it is dirty in that session when it changed).
        """
        if not plaintext:
            raise AuthError("missing bearer token: send 'Authorization: Bearer <token>'")
        digest = _digest(plaintext)
        entry = self._entries.get(digest)
        # An entry from the future (the clock went back) is as stale as an old one.
        if entry is not None and entry[0] <= now < entry[0] + self.ttl:
            _check_scope(entry[1].scopes, scope)
            return entry[1]
        grant = Grant.of(_verify(session(), digest, now=now))
        if self.ttl > timedelta(0):
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()  # only verified tokens get here: a handful in practice
                self._entries[digest] = (now, grant)
        _check_scope(grant.scopes, scope)
        return grant

    def forget(self) -> None:
        """Drop every remembered token (after a revocation in this process)."""
        with self._lock:
            self._entries.clear()


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
