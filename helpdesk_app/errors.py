"""One JSON error shape for the whole API: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from markupsafe import escape
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from handoff.errors import HandoffError

log = logging.getLogger(__name__)


JSON_PREFIXES = ("/api/", "/webhooks/")

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{status} {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; margin: 2rem; color: #1f2933">
<h1 style="font-size: 1.1rem">{status} {title}</h1><p>{message}</p></body></html>"""


def wants_json() -> bool:
    """Tell whether this request should get the JSON error shape rather than an HTML page."""
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def error_body(
    code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Return the one JSON error shape: ``{"error": {"code", "message", "details"}}``."""
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> tuple[Response, int]:
    """Build the one error body every endpoint uses (an escaped HTML page for browser pages)."""
    if not wants_json():
        title = escape(code.replace("_", " "))
        page = PAGE.format(status=status, title=title, message=escape(message))
        return Response(page, status=status, mimetype="text/html"), status
    return jsonify(error_body(code, message, details)), status


def _handoff_error(exc: HandoffError) -> tuple[Response, int]:
    """Render an error the core raised on purpose."""
    if exc.status >= 500:
        log.error("request failed path=%s code=%s message=%s", request.path, exc.code, exc.message)
    return error_response(exc.status, exc.code, exc.message, exc.details)


# Headers an HTTP error must keep: 405's Allow, 503's and 429's Retry-After, 401's challenge.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")
DATABASE_RETRY_AFTER = "5"


def _http_error(exc: HTTPException) -> tuple[Response, int]:
    """Render werkzeug's 4xx/5xx (404, 405, 413...) in our shape, keeping the headers they need."""
    code = (exc.name or "error").lower().replace(" ", "_")
    response, status = error_response(exc.code or 500, code, exc.description or exc.name)
    for name, value in exc.get_headers():
        if name in _KEPT_HEADERS:
            response.headers[name] = value
    return response, status


def _database_unavailable(exc: Exception) -> tuple[Response, int]:
    """Answer 503 with Retry-After when the database cannot be reached or is busy; one log line."""
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200] if str(exc) else ""
    log.error("database unavailable path=%s error=%s reason=%s", request.path,
              type(getattr(exc, "orig", exc)).__name__, reason)  # fmt: skip
    response, status = error_response(
        503, "database_unavailable", "the database is unavailable; retry shortly"
    )
    response.headers["Retry-After"] = DATABASE_RETRY_AFTER
    return response, status


def _unexpected(exc: Exception) -> tuple[Response, int]:
    """Log the traceback server-side and answer 500 without leaking it."""
    log.exception("unhandled error path=%s", request.path)
    return error_response(500, "internal_error", "unexpected server error; it has been logged")


def init_app(app: Flask) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""
    app.register_error_handler(HandoffError, _handoff_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(InterfaceError, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)
