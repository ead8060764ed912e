"""The versioned JSON API under /api/v1."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from handoff import jsonguard
from handoff.jsonguard import MalformedJSON
from helpdesk_app.runtime import runtime

bp = Blueprint("api", __name__, url_prefix="/api/v1")

__all__ = ["MalformedJSON", "bp", "json_body"]


def json_body() -> Any:
    """Parse the request body as strict JSON within the configured limits (see handoff.jsonguard)."""
    if not request.mimetype or request.mimetype != "application/json":
        raise MalformedJSON("send the body as application/json")
    limits = runtime().settings.json_limits
    return jsonguard.parse(request.get_data(cache=True), limits)


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
