"""One JSON error shape for the whole API: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from handoff.errors import HandoffError

log = logging.getLogger(__name__)


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> tuple[Response, int]:
    """Build the one error body every endpoint uses."""
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return jsonify(body), status


def _handoff_error(exc: HandoffError) -> tuple[Response, int]:
    """Render an error the core raised on purpose."""
    if exc.status >= 500:
        log.error("request failed path=%s code=%s message=%s", request.path, exc.code, exc.message)
    return error_response(exc.status, exc.code, exc.message, exc.details)


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    """Render werkzeug's 4xx/5xx (404, 405, 413...) in our shape."""
    code = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, code, exc.description or exc.name)


def _unexpected(exc: Exception) -> tuple[Response, int]:
    """Log the traceback server-side and answer 500 without leaking it."""
    log.exception("unhandled error path=%s", request.path)
    return error_response(500, "internal_error", "unexpected server error; it has been logged")


def init_app(app: Flask) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""
    app.register_error_handler(HandoffError, _handoff_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
