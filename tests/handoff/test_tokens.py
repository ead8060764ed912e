"""API tokens: verification, and the short in-process memory of verified tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from handoff import tokens
from handoff.models import ApiToken
from tests.conftest import FIXED_NOW

TTL = timedelta(seconds=30)


@pytest.fixture
def statements(clean_db: sa.Engine) -> Iterator[list[str]]:
    """Record every SQL statement sent to the database during the test."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(clean_db, "before_cursor_execute", record)
    yield seen
    sa.event.remove(clean_db, "before_cursor_execute", record)


def _issue(sessions: sessionmaker[Session], *scopes: str) -> str:
    """Create and commit a token; return its plaintext."""
    with sessions() as s:
        plaintext = tokens.create_token(
            s, "bot", now=FIXED_NOW, scopes=scopes or tokens.DEFAULT_SCOPES
        ).plaintext
        s.commit()
    return plaintext


def _revoke_elsewhere(sessions: sessionmaker[Session]) -> None:
    """Revoke the token as another process would: in the database, unseen by this cache."""
    with sessions() as s:
        tokens.revoke_token(s, "bot", now=FIXED_NOW)
        s.commit()


def test_a_verified_token_is_trusted_without_a_lookup_until_it_expires(sessions, statements):
    """Within the TTL is a verified token answered from memory, and looked up again after?"""
    plaintext = _issue(sessions)
    cache = tokens.TokenCache(TTL)
    with sessions() as s:
        first = cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW)
        looked_up = len(statements)
        again = cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW + TTL / 2)
        assert again == first and len(statements) == looked_up
        cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW + TTL)
        assert len(statements) > looked_up
    assert first.name == "bot" and "packets:write" in first.scopes


def test_a_revoked_token_is_refused_within_the_ttl(sessions):
    """Does a token revoked by another process stop working once its entry is TTL old?"""
    plaintext = _issue(sessions)
    cache = tokens.TokenCache(TTL)
    with sessions() as s:
        cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW)
    _revoke_elsewhere(sessions)
    with sessions() as s:
        # Still trusted until the entry expires: this is the documented window.
        cache.authenticate(
            lambda: s, plaintext, "packets:write", now=FIXED_NOW + TTL - timedelta(1e-6)
        )
        with pytest.raises(tokens.AuthError, match="revoked"):
            cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW + TTL)


def test_forget_refuses_a_revoked_token_at_once(sessions):
    """After forget(), is a token revoked in the database refused on the next request?"""
    plaintext = _issue(sessions)
    cache = tokens.TokenCache(TTL)
    with sessions() as s:
        cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW)
    _revoke_elsewhere(sessions)
    cache.forget()
    with sessions() as s, pytest.raises(tokens.AuthError, match="revoked"):
        cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW)


def test_the_scope_is_checked_on_every_request(sessions, statements):
    """Is a remembered token still refused (403) a scope it lacks, without a lookup?"""
    plaintext = _issue(sessions, "packets:read")
    cache = tokens.TokenCache(TTL)
    with sessions() as s:
        cache.authenticate(lambda: s, plaintext, "packets:read", now=FIXED_NOW)
        looked_up = len(statements)
        with pytest.raises(tokens.Forbidden):
            cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW)
        assert len(statements) == looked_up


def test_only_verified_tokens_are_remembered_and_only_by_hash(sessions, statements):
    """Are unknown and revoked tokens looked up every time, and is no plaintext kept?"""
    plaintext = _issue(sessions)
    statements.clear()
    cache = tokens.TokenCache(TTL)
    with sessions() as s:
        for _ in range(2):
            with pytest.raises(tokens.AuthError, match="invalid"):
                cache.authenticate(lambda: s, "hf_unknown", "packets:write", now=FIXED_NOW)
        assert len(statements) == 2
        cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW)
        stored = s.scalar(sa.select(ApiToken.token_hash))
    assert list(cache._entries) == [stored]
    assert plaintext not in repr(cache._entries)


def test_a_zero_ttl_looks_up_every_request(sessions, statements):
    """With the cache off (TTL 0), is every request a lookup?"""
    plaintext = _issue(sessions)
    statements.clear()
    cache = tokens.TokenCache(timedelta(0))
    with sessions() as s:
        cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW)
        cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW)
    assert sum(q.startswith("SELECT") for q in statements) == 2 and not cache._entries


def test_an_entry_from_the_future_is_not_trusted(sessions, statements):
    """If the clock goes back, is the token looked up again rather than trusted longer?"""
    plaintext = _issue(sessions)
    cache = tokens.TokenCache(TTL)
    with sessions() as s:
        cache.authenticate(lambda: s, plaintext, "packets:write", now=FIXED_NOW)
        looked_up = len(statements)
        cache.authenticate(
            lambda: s, plaintext, "packets:write", now=FIXED_NOW - timedelta(seconds=1)
        )
        assert len(statements) > looked_up
