"""Delayed CSAT answers from an outside survey tool (scope admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify
from jsonschema import Draft202012Validator

from handoff import csat
from handoff.errors import ValidationFailed
from handoff.models.base import MAX_BIGINT
from handoff.packets import parse_time
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


_SENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["ticket_id"],
    "properties": {
        "ticket_id": {"type": "integer", "minimum": 1, "maximum": MAX_BIGINT},
        "sent_at": {"type": "string", "format": "date-time"},
        "source": {"type": "string", "minLength": 1, "maxLength": 40},
    },
}
_SENT_VALIDATOR = Draft202012Validator(_SENT, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _parse_sent(document: object) -> tuple[int, datetime | None, str]:
    """Validate a "survey sent" notice against its schema, naming every problem's path."""
    problems = sorted(
        (
            {"path": "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path),
             "message": e.message}
            for e in _SENT_VALIDATOR.iter_errors(document)
        ),
        key=lambda p: p["path"],
    )  # fmt: skip
    if problems:
        raise ValidationFailed("invalid delayed CSAT sent notice", details=problems)
    assert isinstance(document, dict)
    sent = parse_time(document["sent_at"], "$.sent_at") if "sent_at" in document else None
    return document["ticket_id"], sent, document.get("source", "api")


@bp.post("/csat/delayed/sent")
@require_token("admin")
def post_delayed_csat_sent() -> tuple[Response, int]:
    """Record that an outside tool sent the delayed survey (201), or that it was known (200)."""
    ticket_id, sent_at, source = _parse_sent(json_body())
    moment = now()
    created = commit_retrying(
        lambda session: csat.record_sent(
            session, ticket_id, source=source, now=moment, sent_at=sent_at
        )
    )
    return jsonify({"ticket_id": ticket_id, "recorded": created}), (201 if created else 200)


OPENAPI_PATHS = {
    "/api/v1/csat/delayed/sent": {
        "post": {
            "operationId": "postDelayedCsatSent",
            "summary": "Record that an outside survey tool sent the delayed survey (answered or not)",
            "security": [{"bearer": []}],
            "requestBody": {"required": True, **json_content(_SENT, "The notice")},
            "responses": {
                "201": json_content(
                    {
                        "type": "object",
                        "properties": {
                            "ticket_id": {"type": "integer"},
                            "recorded": {"type": "boolean"},
                        },
                    },
                    "Recorded",
                ),
                "200": json_content(
                    {
                        "type": "object",
                        "properties": {
                            "ticket_id": {"type": "integer"},
                            "recorded": {"type": "boolean"},
                        },
                    },
                    "Already known; nothing changed",
                ),
                **error_responses(400, 401, 403, 404, 413, 422),
            },
        }
    },
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
    },
}
