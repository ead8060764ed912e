"""Delayed CSAT answers from an outside survey tool (scope admin)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from handoff import csat
from handoff.errors import ValidationFailed
from handoff.models.base import MAX_BIGINT
from helpdesk_app.api import bp, json_body
from helpdesk_app.api.openapi import error_responses, json_content
from helpdesk_app.auth import require_token
from helpdesk_app.db import commit_retrying, now

_BODY: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ticket_id", "score"],
    "properties": {
        "ticket_id": {"type": "integer", "minimum": 1, "maximum": MAX_BIGINT},
        "score": {"enum": list(csat.SCORES)},
        "source": {"type": "string", "minLength": 1, "maxLength": 40},
    },
}
_ANSWER = {
    "type": "object",
    "required": ["ticket_id", "score", "recorded"],
    "properties": {
        "ticket_id": {"type": "integer"},
        "score": {"enum": list(csat.SCORES)},
        "recorded": {"type": "boolean"},
    },
}


def _parse(document: object) -> tuple[int, str, str]:
    """Check the body by hand (three fields), naming each problem's path."""
    if not isinstance(document, dict):
        raise ValidationFailed(
            "the body must be an object", details=[{"path": "$", "message": "expected an object"}]
        )
    problems = [
        {"path": f"$.{k}", "message": "unknown field"}
        for k in document
        if k not in _BODY["properties"]
    ]
    ticket, score, source = (
        document.get("ticket_id"),
        document.get("score"),
        document.get("source", "api"),
    )
    if not isinstance(ticket, int) or isinstance(ticket, bool) or not 1 <= ticket <= MAX_BIGINT:
        problems.append({"path": "$.ticket_id", "message": "a ticket id (positive integer)"})
    if score not in csat.SCORES:
        problems.append({"path": "$.score", "message": "good or bad"})
    if not isinstance(source, str) or not 1 <= len(source) <= 40:
        problems.append({"path": "$.source", "message": "a name of 1-40 characters"})
    if problems:
        raise ValidationFailed(
            "invalid delayed CSAT answer", details=sorted(problems, key=lambda p: p["path"])
        )
    return ticket, score, source  # type: ignore[return-value]


@bp.post("/csat/delayed")
@require_token("admin")
def post_delayed_csat() -> tuple[Response, int]:
    """Record a delayed CSAT answer (201), or return the answer that already stands (200)."""
    ticket_id, score, source = _parse(json_body())
    moment = now()
    result = commit_retrying(
        lambda session: csat.record(session, ticket_id, score, source=source, now=moment)
    )
    return jsonify(
        {"ticket_id": result.ticket_id, "score": result.score, "recorded": result.recorded}
    ), (201 if result.recorded else 200)


OPENAPI_PATHS = {
    "/api/v1/csat/delayed": {
        "post": {
            "operationId": "postDelayedCsat",
            "summary": "Record a delayed (48-72 h) CSAT answer from an outside survey tool",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, **json_content(_BODY, "The answer")},
            "responses": {
                "201": json_content(_ANSWER, "Recorded"),
                "200": json_content(_ANSWER, "An answer already stands; it is returned unchanged"),
                **error_responses(400, 401, 403, 404, 413, 422),
            },
        }
    }
}
