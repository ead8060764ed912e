"""The versioned JSON API under /api/v1."""

from __future__ import annotations

import importlib
import json
import pkgutil
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


def _register_routes() -> None:
    """Import every module of this package so its routes attach to ``bp``."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_register_routes()
