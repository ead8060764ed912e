"""Small builders for test documents: valid by default, overridable field by field."""

from __future__ import annotations

import uuid
from typing import Any


def packet(**overrides: Any) -> dict[str, Any]:
    """Return a complete, valid handoff packet; keyword arguments replace top-level fields."""
    body: dict[str, Any] = {
        "schema_version": "1.0",
        "packet_id": str(uuid.uuid4()),
        "ticket_id": 1001,
        "conversation_id": "conv-1001",
        "created_at": "2026-03-02T09:00:00Z",
        "bot": {"name": "Ava", "version": "2.3.1"},
        "channel": "chat",
        "customer": {
            "id": "c-77",
            "email": "dana@example.com",
            "name": "Dana Reyes",
            "segment": "pro",
            "vip": False,
        },
        "intent": {"name": "order_status", "confidence": 0.42},
        "account_state": {"plan": "pro", "orders": [{"id": "A-10442", "status": "in_transit"}]},
        "summary": "Order A-10442 shows in transit for nine days; customer wants it or a refund.",
        "prior_actions": [
            {
                "action": "looked up tracking",
                "tool": "carrier_api",
                "status": "succeeded",
                "at": "2026-03-02T08:58:00Z",
                "detail": "last scan 9 days ago",
            },
        ],
        "escalation": {
            "reason": "low_confidence",
            "detail": "carrier data stale",
            "triggered_rules": ["confidence<0.5"],
        },
        "sentiment": {
            "label": "negative",
            "score": -0.5,
            "frustration": True,
            "signals": ["waited 9 days"],
        },
        "identifiers": [
            {"kind": "order_id", "value": "A-10442"},
            {"kind": "email", "value": "dana@example.com"},
        ],
        "transcript": [
            {
                "role": "customer",
                "text": "Where is order A-10442? It has been 9 days.",
                "at": "2026-03-02T08:57:00Z",
            },
            {
                "role": "bot",
                "text": "Let me check the carrier for you.",
                "at": "2026-03-02T08:57:30Z",
            },
        ],
        "policy_citations": [{"policy": "shipping_days_standard", "value": 5, "unit": "days"}],
        "model_csat": 0.35,
    }
    body.update(overrides)
    return body


def conversation(**overrides: Any) -> dict[str, Any]:
    """Return a valid bot conversation record."""
    body: dict[str, Any] = {
        "schema_version": "1.0",
        "conversation_id": f"conv-{uuid.uuid4().hex[:8]}",
        "intent": {"name": "order_status", "confidence": 0.9},
        "started_at": "2026-03-02T08:50:00Z",
        "ended_at": "2026-03-02T08:55:00Z",
        "outcome": "resolved",
        "channel": "chat",
        "customer": {"email": "dana@example.com"},
        "bot": {"name": "Ava", "version": "2.3.1"},
        "model_csat": 0.8,
    }
    body.update(overrides)
    return body
