"""The bot asks whether to hand off: POST the conversation so far, get the rules' verdicts and a reason."""

from __future__ import annotations

from flask import Response, current_app, jsonify

from handoff import escalation, schemas
from helpdesk_app.api import bp, json_body
from helpdesk_app.api.openapi import error_responses, json_content
from helpdesk_app.auth import require_token
from helpdesk_app.runtime import runtime


def _rules() -> escalation.Rules:
    """Return the app's escalation rules, loaded once (a bad file fails the first request loudly)."""
    cached = current_app.extensions.get("handoff.escalation_rules")
    if cached is None:
        path = runtime().settings.escalation_rules_path
        cached = current_app.extensions["handoff.escalation_rules"] = escalation.load_rules(path)
    return cached


@bp.post("/escalation-check")
@require_token("packets:write")
def escalation_check() -> Response:
    """Run the escalation rules over the conversation so far."""
    document = json_body()
    escalation.validate_request(document)
    return jsonify(escalation.check(document, _rules()).as_dict())


# schemas/escalation-check.schema.json, inlined: it has no $ref, so it stands alone here.
_REQUEST = {
    k: v
    for k, v in schemas.schema(escalation.REQUEST_SCHEMA).items()
    if k not in ("$id", "$schema")
}
_DECISION = {
    "type": "object",
    "required": ["escalate", "rules", "reason"],
    "properties": {
        "escalate": {"type": "boolean"},
        "reason": {"type": ["string", "null"]},
        "triggered_rules": {"type": "array", "items": {"type": "string"}},
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "fired", "detail"],
                "properties": {
                    "id": {"type": "string"},
                    "fired": {"type": "boolean"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}
OPENAPI_PATHS = {
    "/api/v1/escalation-check": {
        "post": {
            "operationId": "escalationCheck",
            "summary": "Must the bot hand off now? Every rule's verdict and the escalation reason",
            "security": [{"bearer": []}],
            "requestBody": {
                "required": True,
                **json_content(_REQUEST, "The conversation so far"),
            },
            "responses": {
                "200": json_content(_DECISION, "The decision"),
                **error_responses(400, 401, 403, 413, 422),
            },
        }
    }
}
