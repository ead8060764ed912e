"""Delivery state: the outbox as a list, one packet's delivery, a summary, and requeueing failures."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from handoff.delivery import worker
from handoff.errors import NotFound, ValidationFailed
from helpdesk_app.api import bp
from helpdesk_app.api.openapi import error_responses, json_content
from helpdesk_app.auth import require_token
from helpdesk_app.db import get_session, now

MAX_LIMIT = 500
MAX_ID = 2**31 - 1  # outbox.id is a 32-bit integer on PostgreSQL


def _int_arg(name: str, default: int | None, *, minimum: int, maximum: int) -> int | None:
    """Read an integer query parameter within bounds, or refuse the request with 422."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if not minimum <= value <= maximum:
        raise ValidationFailed(
            f"{name} must be an integer from {minimum} to {maximum}",
            details=[{"path": f"$.query.{name}", "message": f"expected {minimum}..{maximum}"}],
        )
    return value


@bp.get("/deliveries")
@require_token("packets:read")
def list_deliveries() -> Response:
    """List outbox items, newest first, optionally of one status; page with ``before``."""
    status = request.args.get("status")
    if status is not None and status not in worker.STATUSES:
        raise ValidationFailed(
            f"status must be one of {', '.join(worker.STATUSES)}",
            details=[{"path": "$.query.status", "message": "unknown status"}],
        )
    limit = _int_arg("limit", 100, minimum=1, maximum=MAX_LIMIT)
    before = _int_arg("before", None, minimum=1, maximum=MAX_ID)
    session = get_session()
    items = worker.list_items(session, status=status, limit=limit or 100, before_id=before)
    return jsonify(
        {
            "items": [worker.item_view(i) for i in items],
            "summary": worker.delivery_status(session, now()).as_dict(),
        }
    )


@bp.get("/packets/<packet_id>/delivery")
@require_token("packets:read")
def get_packet_delivery(packet_id: str) -> Response:
    """Return how the packet's note is being delivered to its ticket."""
    # packet_id is a String(36) column; anything longer (or with a NUL) was never stored.
    valid = len(packet_id) <= 36 and "\x00" not in packet_id
    item = worker.packet_delivery(get_session(), packet_id) if valid else None
    if item is None:
        raise NotFound(f"no delivery for packet {packet_id}")
    return jsonify(worker.item_view(item))


@bp.post("/deliveries/<int:item_id>/requeue")
@require_token("admin")
def requeue_delivery(item_id: int) -> Response:
    """Put a failed delivery back in the queue."""
    session = get_session()
    if item_id > MAX_ID or worker.requeue(session, now=now(), ids=[item_id]) == 0:
        raise NotFound(f"no failed delivery with id {item_id}")
    session.commit()
    item = worker.get_item(session, item_id)
    return jsonify(worker.item_view(item))


_TIME = {"type": ["string", "null"], "format": "date-time"}
ITEM: dict[str, Any] = {
    "type": "object",
    "required": ["id", "kind", "key", "status", "attempts"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "key": {"type": "string"},
        "ticket_id": {"type": ["integer", "null"]},
        "status": {"enum": list(worker.STATUSES)},
        "attempts": {"type": "integer"},
        "next_attempt_at": _TIME,
        "locked_until": _TIME,
        "last_error": {"type": ["string", "null"]},
        "result": {"type": ["object", "null"]},
        "created_at": _TIME,
        "updated_at": _TIME,
        "delivered_at": _TIME,
    },
}
SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["counts", "oldest_pending_seconds", "last_errors"],
    "properties": {
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "oldest_pending_seconds": {"type": ["number", "null"]},
        "last_errors": {"type": "array", "items": {"type": "object"}},
    },
}
_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/deliveries": {
        "get": {
            "operationId": "listDeliveries",
            "summary": "List deliveries to Zendesk (the outbox), newest first",
            "security": _SECURED,
            "parameters": [
                {"name": "status", "in": "query", "schema": {"enum": list(worker.STATUSES)}},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                },
                {
                    "name": "before",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                },
            ],
            "responses": {
                "200": json_content(
                    {
                        "type": "object",
                        "required": ["items", "summary"],
                        "properties": {
                            "items": {"type": "array", "items": ITEM},
                            "summary": SUMMARY,
                        },
                    },
                    "Deliveries and a summary by status",
                ),
                **error_responses(401, 403, 422),
            },
        }
    },
    "/api/v1/packets/{packet_id}/delivery": {
        "get": {
            "operationId": "getPacketDelivery",
            "summary": "How a packet's note is being delivered",
            "security": _SECURED,
            "parameters": [
                {"name": "packet_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": json_content(ITEM, "The packet's delivery"),
                **error_responses(401, 403, 404),
            },
        }
    },
    "/api/v1/deliveries/{item_id}/requeue": {
        "post": {
            "operationId": "requeueDelivery",
            "summary": "Put a failed delivery back in the queue (admin)",
            "security": _SECURED,
            "parameters": [
                {
                    "name": "item_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                }
            ],
            "responses": {
                "200": json_content(ITEM, "The requeued delivery"),
                **error_responses(401, 403, 404),
            },
        }
    },
}
