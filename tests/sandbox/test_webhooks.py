"""The sandbox emits signed event-subscription webhooks like Zendesk."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from typing import Any

from flask import Flask, request

from sandbox import SandboxState
from sandbox.testing import serve_wsgi
from tests.sandbox.conftest import Raw

SECRET = "dGVzdC1zZWNyZXQ="


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Verify a Zendesk webhook signature independently of the sandbox's own code."""
    expected = base64.b64encode(
        hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(expected, signature)


def _receiver(received: list[dict[str, Any]]) -> Flask:
    app = Flask("receiver")

    @app.post("/hook")
    def hook() -> tuple[str, int]:
        received.append({"headers": dict(request.headers), "body": request.get_data()})
        return "", 200

    return app


def test_comment_webhook_is_signed_and_delivered(state: SandboxState, raw: Raw) -> None:
    """Does an added comment POST a comment_added envelope whose signature verifies?"""
    received: list[dict[str, Any]] = []
    with serve_wsgi(_receiver(received)) as target:
        state.configure_webhook_target(f"{target}/hook", secret=SECRET)
        t, _ = state.create_ticket({"subject": "s", "comment": {"body": "first"}})
        state.deliver_webhooks()
        received.clear()
        agent = state.add_user("Ana", "ana@example.com", "agent")
        answer = raw("PUT", f"/api/v2/tickets/{t['id']}.json",
                     json={"ticket": {"comment": {"body": "Hello", "author_id": agent["id"]}}})  # fmt: skip
        assert answer.ok
        results = state.deliver_webhooks()
    assert [status for _, status in results] == [200]
    (hit,) = received
    headers = hit["headers"]
    assert verify(SECRET, headers["X-Zendesk-Webhook-Signature-Timestamp"], hit["body"],
                  headers["X-Zendesk-Webhook-Signature"])  # fmt: skip
    envelope = json.loads(hit["body"])
    assert envelope["type"] == "zen:event-type:ticket.comment_added"
    assert envelope["subject"] == f"zen:ticket:{t['id']}"
    assert envelope["detail"]["id"] == str(t["id"])
    assert envelope["event"]["comment"]["body"] == "Hello"
    assert envelope["event"]["comment"]["author"] == {
        "id": str(agent["id"]),
        "is_staff": True,
        "name": "Ana",
    }
    assert set(envelope) >= {"type", "id", "time", "subject", "detail", "event"}


def test_tampered_body_fails_verification(state: SandboxState) -> None:
    """Does the signature cover the body, so a changed body no longer verifies?"""
    state.configure_webhook_target("http://127.0.0.1:9/unused", secret=SECRET)
    state.create_ticket({"subject": "s", "comment": {"body": "x"}})
    delivery = state.pending_webhooks()[0]
    stamp = delivery.headers["X-Zendesk-Webhook-Signature-Timestamp"]
    signature = delivery.headers["X-Zendesk-Webhook-Signature"]
    assert verify(SECRET, stamp, delivery.body, signature)
    assert not verify(SECRET, stamp, delivery.body.replace(b"zen:ticket", b"zen:tickex"), signature)


def test_status_and_custom_field_events(state: SandboxState) -> None:
    """Do status and custom-field changes emit their own event types with old and new values?"""
    box = state.create_ticket_field({"type": "checkbox", "title": "Re-ask", "tag": "reask"})
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "x"}})
    state.configure_webhook_target("http://127.0.0.1:9/unused", secret=SECRET)
    state.update_ticket(
        t["id"], {"status": "open", "custom_fields": [{"id": box["id"], "value": True}]}
    )
    events = {d.json()["type"]: d.json()["event"] for d in state.pending_webhooks()}
    assert events["zen:event-type:ticket.status_changed"] == {"current": "OPEN", "previous": "NEW"}
    changed = events["zen:event-type:ticket.custom_field_changed"]
    assert changed["current"] == {"value": True, "id": None, "relationship_target": None}
    assert changed["previous"]["value"] is None and changed["custom_field"]["id"] == str(box["id"])
    assert events["zen:event-type:ticket.tags_changed"]["tags"]["added"] == ["reask"]


def test_only_subscribed_events_are_sent(state: SandboxState, raw: Raw) -> None:
    """Does a webhook created over the API receive only the event types it subscribed to?"""
    hook = raw("POST", "/api/v2/webhooks", json={"webhook": {
        "name": "w", "endpoint": "http://127.0.0.1:9/h", "http_method": "POST",
        "request_format": "json", "status": "active",
        "subscriptions": ["zen:event-type:ticket.status_changed"]}}).json()["webhook"]  # fmt: skip
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "x"}})
    state.update_ticket(t["id"], {"comment": {"body": "y"}, "status": "pending"})
    pending = state.pending_webhooks()
    assert [d.json()["type"] for d in pending] == ["zen:event-type:ticket.status_changed"]
    secret = raw("GET", f"/api/v2/webhooks/{hook['id']}/signing_secret").json()
    stamp = pending[0].headers["X-Zendesk-Webhook-Signature-Timestamp"]
    assert verify(secret["signing_secret"]["secret"], stamp, pending[0].body,
                  pending[0].headers["X-Zendesk-Webhook-Signature"])  # fmt: skip


def test_control_endpoints_show_and_deliver(state: SandboxState, raw: Raw) -> None:
    """Can a test configure, inspect and flush webhooks through /_sandbox?"""
    received: list[dict[str, Any]] = []
    with serve_wsgi(_receiver(received)) as target:
        made = raw("POST", "/_sandbox/webhooks/target", json={"url": f"{target}/hook"}).json()
        state.create_ticket({"subject": "s", "comment": {"body": "x"}})
        pending = raw("GET", "/_sandbox/webhooks/pending").json()["pending"]
        assert {p["body"]["type"] for p in pending} >= {"zen:event-type:ticket.created"}
        delivered = raw("POST", "/_sandbox/webhooks/deliver").json()["delivered"]
    assert {d["status"] for d in delivered} == {200}
    assert len(received) == len(pending)
    stamp = received[0]["headers"]["X-Zendesk-Webhook-Signature-Timestamp"]
    assert verify(made["secret"], stamp, received[0]["body"],
                  received[0]["headers"]["X-Zendesk-Webhook-Signature"])  # fmt: skip


def test_auto_delivery_in_the_background(state: SandboxState, raw: Raw) -> None:
    """With auto_deliver on, does a write's webhook arrive without an explicit flush?"""
    arrived = threading.Event()
    received: list[dict[str, Any]] = []
    app = _receiver(received)
    app.after_request(lambda response: (arrived.set(), response)[1])
    with serve_wsgi(app) as target:
        state.configure_webhook_target(
            f"{target}/hook", secret=SECRET,
            subscriptions=["zen:event-type:ticket.created"], auto_deliver=True,
        )  # fmt: skip
        raw(
            "POST",
            "/api/v2/tickets.json",
            json={"ticket": {"subject": "s", "comment": {"body": "x"}}},
        )
        assert arrived.wait(10)
    assert json.loads(received[0]["body"])["type"] == "zen:event-type:ticket.created"
