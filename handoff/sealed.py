"""Secrets the product must read back (webhook signing secrets), sealed at rest.

A sealed value is ``sealed:v1:`` and a Fernet token (AES-128-CBC with HMAC-SHA256) under a key
derived from the application's secret key, so a copy of the database alone does not let anyone
sign webhooks as Zendesk. Values written before sealing existed read as they are; their owner
seals them on first use.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "sealed:v1:"


class Unsealable(Exception):
    """A sealed value that this secret key cannot open (the key changed since it was sealed)."""


def _fernet(key: str) -> Fernet:
    """Return the cipher for the application's secret key."""
    digest = hashlib.sha256(b"handoff sealed secret\0" + key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def is_sealed(stored: str) -> bool:
    """Tell whether a stored value is sealed."""
    return stored.startswith(PREFIX)


def seal(key: str, plain: str) -> str:
    """Return the stored form of ``plain``."""
    return PREFIX + _fernet(key).encrypt(plain.encode()).decode()


def unseal(key: str, stored: str) -> str:
    """Return the plain value of a stored one; raise Unsealable if the key cannot open it."""
    if not is_sealed(stored):
        return stored
    try:
        return _fernet(key).decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise Unsealable("sealed with another secret key") from None
