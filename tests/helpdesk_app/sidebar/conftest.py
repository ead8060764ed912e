"""Sidebar fixtures: an RSA key pair standing in for Zendesk's, signed tokens, a configured app."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient

from helpdesk_app.runtime import runtime as runtime_of

SUBDOMAIN = "acme"
AUDIENCE = "https://acme.zendesk.com/api/v2/apps/installations/4242.json"


def _pem_pair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


@pytest.fixture(scope="session")
def zendesk_keys() -> tuple[bytes, str]:
    """Return (private PEM, public PEM) of the key Zendesk signs app tokens with, for tests."""
    return _pem_pair()


@pytest.fixture(scope="session")
def other_keys() -> tuple[bytes, str]:
    """Return a second key pair: tokens signed with it must be refused."""
    return _pem_pair()


@pytest.fixture
def sign(zendesk_keys, clock) -> Callable[..., str]:
    """Return a function making a signed app token; keyword arguments override claims."""

    def make(*, key: bytes | None = None, algorithm: str = "RS256", **claims: Any) -> str:
        now = clock()
        body = {
            "iss": f"{SUBDOMAIN}.zendesk.com",
            "aud": AUDIENCE,
            "sub": "7001",
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=5)).timestamp()),
            "context": {"product": "support", "location": "ticket_sidebar"},
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, key or zendesk_keys[0], algorithm=algorithm)

    return make


@pytest.fixture
def sidebar_app(make_app, zendesk_keys) -> Flask:
    """Return the app configured for Zendesk's signed sidebar (dev mode off)."""
    return make_app(
        zendesk_subdomain=SUBDOMAIN,
        zendesk_app_public_key=zendesk_keys[1],
        zendesk_app_audience=AUDIENCE,
    )


@pytest.fixture
def dev_app(make_app, zendesk_keys) -> Flask:
    """Return the app with the development sidebar on."""
    return make_app(
        dev_sidebar=True,
        zendesk_subdomain=SUBDOMAIN,
        zendesk_app_public_key=zendesk_keys[1],
        zendesk_app_audience=AUDIENCE,
    )


def csrf_of(html: str) -> str:
    """Return the CSRF token a sidebar page carries."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def store_packet(app: Flask, **overrides: Any) -> Any:
    """Store a packet (factory defaults, ``overrides`` applied, None drops a field); return its id."""
    from handoff.db import transaction
    from handoff.packets import accept_packet
    from tests.factories import packet

    runtime = runtime_of(app)
    with transaction(runtime.sessions) as session:
        body = {k: v for k, v in packet(**overrides).items() if v is not None}
        accepted = accept_packet(session, body, now=runtime.clock())
        return accepted.packet.packet_id


def open_dev(client: FlaskClient, ticket_id: int, agent_id: int = 7001) -> str:
    """Open the development sidebar for a ticket and return the page's HTML."""
    response = client.get(f"/sidebar/dev/{ticket_id}?agent_id={agent_id}", follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)
