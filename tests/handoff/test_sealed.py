"""Sealed secrets: readable with the application's key only."""

from __future__ import annotations

import pytest

from handoff import sealed


def test_a_sealed_value_hides_the_secret_and_opens_with_its_key() -> None:
    """Is the stored form free of the secret, and does the same key open it?"""
    stored = sealed.seal("key-one", "whsec_abc123")
    assert stored.startswith(sealed.PREFIX) and "whsec_abc123" not in stored
    assert sealed.seal("key-one", "whsec_abc123") != stored  # a fresh IV each time
    assert sealed.unseal("key-one", stored) == "whsec_abc123"


def test_another_key_cannot_open_it() -> None:
    """Does a changed secret key raise Unsealable rather than return garbage?"""
    with pytest.raises(sealed.Unsealable):
        sealed.unseal("key-two", sealed.seal("key-one", "whsec_abc123"))


def test_a_value_from_before_sealing_reads_as_it_is() -> None:
    """Is a value stored in the clear (older installs) returned unchanged, and known as unsealed?"""
    assert sealed.unseal("key-one", "plain-secret") == "plain-secret"
    assert not sealed.is_sealed("plain-secret")
