"""The versioned JSON API under /api/v1."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, request

from handoff.errors import HandoffError

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class MalformedJSON(HandoffError):
    """The body is not a JSON document (400)."""

    status = 400
    code = "malformed_json"


def json_body() -> Any:
    """Parse the request body as JSON, naming the line and column of a syntax error."""
    if not request.mimetype or request.mimetype != "application/json":
        raise MalformedJSON("send the body as application/json")
    raw = request.get_data(cache=True)
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise MalformedJSON("the body is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise MalformedJSON(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            details=[{"path": "$", "message": exc.msg, "line": exc.lineno, "column": exc.colno}],
        ) from None


# Each module attaches its routes to ``bp`` when imported; the list is the API's table of contents.
from helpdesk_app.api import (  # noqa: E402,F401
    conversations,
    csat,
    deliveries,
    escalation,
    openapi,
    packets,
    policy,
    reports,
)
