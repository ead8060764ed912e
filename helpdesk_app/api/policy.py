"""Policy endpoints: the golden set (replace, read as of a date, history), the report, a ticket's incidents."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from flask import Response, g, jsonify, request

from handoff.errors import NotFound, ValidationFailed
from handoff.policy import golden, review
from handoff.policy.report import incidents_for_ticket, policy_accuracy, policy_incidents
from handoff.weeks import WEEK_PATTERN, is_week
from helpdesk_app.api import bp, json_body
from helpdesk_app.api.openapi import error_responses, json_content
from helpdesk_app.auth import require_token
from helpdesk_app.db import get_session, now


def _at(name: str = "at") -> datetime:
    """Read a date or RFC 3339 instant query parameter; default: now."""
    raw = request.args.get(name)
    if not raw:
        return now()
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time.min, UTC)
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationFailed(
            f"{name}: expected a date or an RFC 3339 instant",
            details=[{"path": f"$.{name}", "message": f"not a date: {raw!r}"}],
        ) from None
    return parsed


def _view(session: Any, at: datetime) -> dict[str, Any]:
    row = golden.current_row(session)
    if row is None:
        raise NotFound("no policy golden set has been loaded yet")
    compiled = golden.compile_set(row.document, row.revision)
    return {
        "revision": row.revision,
        "loaded_by": row.loaded_by,
        "loaded_at": row.loaded_at.isoformat().replace("+00:00", "Z"),
        "at": at.isoformat().replace("+00:00", "Z"),
        "in_force": golden.in_force(compiled, at),
        "document": row.document,
    }


@bp.put("/policy/golden-set")
@require_token("admin")
def put_golden_set() -> tuple[Response, int]:
    """Replace the golden set: 201 with a new revision, 200 when the content is unchanged."""
    session = get_session()
    loaded = golden.load(
        session, json_body(), by=f"token:{g.api_token.name}", now=now(), source="api"
    )
    session.commit()
    body = {**_view(session, now()), "changes": [golden.change_view(c) for c in loaded.changes]}
    return jsonify(body), 201 if loaded.created else 200


@bp.get("/policy/golden-set")
@require_token("reports:read")
def get_golden_set() -> Response:
    """Return the golden set in use and each fact's version in force at ``?at=`` (default now)."""
    return jsonify(_view(get_session(), _at()))


@bp.get("/policy/golden-set/history/<key>")
@require_token("reports:read")
def get_policy_history(key: str) -> Response:
    """Return every logged change of one fact, oldest first."""
    return jsonify(
        {"key": key, "changes": [golden.change_view(c) for c in golden.history(get_session(), key)]}
    )


@bp.get("/policy/report")
@require_token("reports:read")
def get_policy_report() -> Response:
    """Return incidents by week, class and severity, policy accuracy and the QA trust figures."""
    session = get_session()
    since = _at("since") if request.args.get("since") else None
    until = _at("until") if request.args.get("until") else None
    weeks = request.args.getlist("week") or [w for w, _n, _r in review.weeks(session)]
    wrong = [{"path": f"week[{n}]", "message": f"{w!r} is not an ISO week like 2026-W05"}
             for n, w in enumerate(weeks) if not is_week(w)]  # fmt: skip
    if wrong:
        raise ValidationFailed("week must be ISO weeks like 2026-W05", details=wrong)
    accuracy = policy_accuracy(session, since, until)
    trust = review.trust_figures(session, weeks)

    def ratio(r: review.Ratio) -> dict[str, Any]:
        return {"numerator": r.numerator, "denominator": r.denominator, "rate": r.rate}

    return jsonify(
        {
            "policy_incidents": [
                {"week": c.week, "class": c.policy_class, "severity": c.severity, "count": c.count}
                for c in policy_incidents(session, since, until)
            ],
            "policy_accuracy": {
                "matching": accuracy.matching,
                "statements": accuracy.statements,
                "rate": accuracy.rate,
            },
            "trust": {
                "weeks": weeks,
                "reviewed": trust.reviewed,
                "sampled": trust.sampled,
                "sampled_hallucination_rate": ratio(trust.sampled_hallucination_rate),
                "grounding_citation_rate": ratio(trust.grounding_citation_rate),
                "unwarranted_confidence_rate": ratio(trust.unwarranted_confidence_rate),
            },
        }
    )


@bp.get("/tickets/<int:ticket_id>/policy-incidents")
@require_token("packets:read")
def get_ticket_policy_incidents(ticket_id: int) -> Response:
    """Return a ticket's policy incidents worded for an agent (empty when there are none)."""
    return jsonify(
        {
            "ticket_id": ticket_id,
            "incidents": [i.as_dict() for i in incidents_for_ticket(get_session(), ticket_id)],
        }
    )


# schemas/policy-golden-set.schema.json, embedded in the document as a component.
_GOLDEN = {"$ref": "#/components/schemas/PolicyGoldenSet"}
# A date (midnight UTC) or an RFC 3339 instant.
_WHEN = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$",
}
_WEEK = {"type": "string", "pattern": WEEK_PATTERN}
_VIEW = {
    "type": "object",
    "required": ["revision", "in_force", "document"],
    "properties": {
        "revision": {"type": "integer"},
        "loaded_by": {"type": "string"},
        "loaded_at": {"type": "string", "format": "date-time"},
        "at": {"type": "string", "format": "date-time"},
        "in_force": {"type": "array", "items": {"type": "object"}},
        "document": _GOLDEN,
        "changes": {"type": "array", "items": {"type": "object"}},
    },
}
_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]
OPENAPI_PATHS = {
    "/api/v1/policy/golden-set": {
        "put": {
            "operationId": "putPolicyGoldenSet",
            "summary": "Replace the policy golden set (scope admin); every change is logged",
            "security": _SECURED,
            "requestBody": {"required": True, **json_content(_GOLDEN, "The golden set")},
            "responses": {
                "201": json_content(_VIEW, "A new revision"),
                "200": json_content(_VIEW, "Same content: nothing changed"),
                **error_responses(400, 401, 403, 413, 422),
            },
        },
        "get": {
            "operationId": "getPolicyGoldenSet",
            "summary": "The golden set in use and the versions in force at a date (scope reports:read)",
            "security": _SECURED,
            "parameters": [{"name": "at", "in": "query", "required": False, "schema": _WHEN}],
            "responses": {
                "200": json_content(_VIEW, "The golden set"),
                **error_responses(401, 403, 404, 422),
            },
        },
    },
    "/api/v1/policy/report": {
        "get": {
            "operationId": "getPolicyReport",
            "summary": "Policy incidents by week and class, policy accuracy and QA trust figures, with counts",
            "security": _SECURED,
            "parameters": [
                {"name": "since", "in": "query", "required": False, "schema": _WHEN},
                {"name": "until", "in": "query", "required": False, "schema": _WHEN},
                {
                    "name": "week",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "array", "items": _WEEK},
                    "style": "form",
                    "explode": True,
                },
            ],
            "responses": {
                "200": json_content(
                    {
                        "type": "object",
                        "required": ["policy_incidents", "policy_accuracy", "trust"],
                        "properties": {
                            "policy_incidents": {"type": "array", "items": {"type": "object"}},
                            "policy_accuracy": {"type": "object"},
                            "trust": {"type": "object"},
                        },
                    },
                    "The figures",
                ),
                **error_responses(401, 403, 422),
            },
        }
    },
    "/api/v1/tickets/{ticket_id}/policy-incidents": {
        "get": {
            "operationId": "getTicketPolicyIncidents",
            "summary": "A ticket's policy incidents, worded for the agent (scope packets:read)",
            "security": _SECURED,
            "parameters": [
                {"name": "ticket_id", "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {
                "200": json_content(
                    {
                        "type": "object",
                        "required": ["ticket_id", "incidents"],
                        "properties": {
                            "ticket_id": {"type": "integer"},
                            "incidents": {"type": "array", "items": {"type": "object"}},
                        },
                    },
                    "The incidents, oldest first",
                ),
                **error_responses(401, 403, 404),
            },
        }
    },
    "/api/v1/policy/golden-set/history/{key}": {
        "get": {
            "operationId": "getPolicyHistory",
            "summary": "Every logged change of one policy fact (scope reports:read)",
            "security": _SECURED,
            "parameters": [
                {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": json_content({"type": "object"}, "The changes, oldest first"),
                **error_responses(401, 403, 404),
            },
        }
    },
}
