"""Request helpers every resource's routes share: bodies, parameters, cursor pages, errors, routes.

A route is registered with and without ``.json`` (Zendesk answers both) and runs under the
state's lock, so no body mixes two states; injected stalls happen outside views, never holding it.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request

from sandbox.core import SandboxError

if TYPE_CHECKING:
    from sandbox.state import SandboxState

MAX_PAGE = 100


def state() -> SandboxState:
    """Return the sandbox state of the app serving this request."""
    return current_app.extensions["sandbox"]  # type: ignore[no-any-return]


def route(
    bp: Blueprint, rule: str, methods: Sequence[str] = ("GET",), both: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``rule`` on ``bp`` with and without ``.json``; the view runs under the lock."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def held(*args: Any, **kwargs: Any) -> Any:
            with state().lock:
                return view(*args, **kwargs)

        bp.add_url_rule(rule, view_func=held, methods=list(methods))
        if both:
            bp.add_url_rule(
                rule + ".json", endpoint=view.__name__ + "_json", view_func=held,
                methods=list(methods),
            )  # fmt: skip
        return view

    return register


def base() -> str:
    """Return the URL this request reached the sandbox at (links point back at it)."""
    return request.host_url.rstrip("/")


def body_of(key: str) -> dict[str, Any]:
    """Return the request body's ``key`` object, or answer 400 as Zendesk does."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get(key), dict):
        raise SandboxError(
            400, {"error": "InvalidEndpoint", "description": f"Missing or invalid '{key}' object"}
        )
    return data[key]


def int_arg(raw: str | None, name: str, default: int | None = None) -> int:
    """Parse an integer query parameter, or answer 400 naming it."""
    if raw is None or raw == "":
        if default is None:
            raise SandboxError(
                400, {"error": "InvalidParameter", "description": f"{name} required"}
            )
        return default
    try:
        return int(raw)
    except ValueError:
        raise SandboxError(
            400, {"error": "InvalidParameter", "description": f"{name} must be an integer"}
        ) from None


def encode_cursor(payload: Mapping[str, Any]) -> str:
    """Return an opaque cursor for ``payload``."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode_cursor(raw: str) -> dict[str, Any]:
    """Read a cursor made by ``encode_cursor``, or answer 400."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except ValueError:
        raise SandboxError(
            400, {"error": "InvalidPaginationParameter", "description": "invalid cursor"}
        ) from None
    if not isinstance(decoded, dict):
        raise SandboxError(
            400, {"error": "InvalidPaginationParameter", "description": "invalid cursor"}
        )
    return decoded


def cursor_page(key: str, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Slice ``items`` by ``page[size]``/``page[after]`` and add Zendesk's meta and links."""
    size = int_arg(request.args.get("page[size]"), "page[size]", MAX_PAGE)
    if not 1 <= size <= MAX_PAGE:
        raise SandboxError(
            400,
            {"error": "InvalidPaginationParameter", "description": "page[size] must be 1..100"},
        )
    start = 0
    if request.args.get("page[after]"):
        start = int(decode_cursor(request.args["page[after]"]).get("o", 0))
    page = list(items[start : start + size])
    end = start + len(page)
    after = encode_cursor({"o": end})
    before = encode_cursor({"o": start})
    args = {k: v for k, v in request.args.items() if not k.startswith("page[")}

    def link(extra: dict[str, str]) -> str:
        return f"{base()}{request.path}?{urlencode({**args, **extra, 'page[size]': str(size)})}"

    return {
        key: page,
        "meta": {"has_more": end < len(items), "after_cursor": after, "before_cursor": before},
        "links": {"prev": link({"page[before]": before}), "next": link({"page[after]": after})},
    }


def error(
    status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    """Answer ``status`` with a Zendesk error body (and headers such as Retry-After)."""
    response = jsonify(dict(body))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def ids_arg(raw: str | None) -> list[int]:
    """Parse ``ids`` (at most 100, as show_many accepts), or answer 400."""
    if not raw:
        raise SandboxError(400, {"error": "InvalidParameter", "description": "ids required"})
    try:
        ids = [int(x) for x in raw.split(",") if x.strip()]
    except ValueError:
        raise SandboxError(
            400, {"error": "InvalidParameter", "description": "ids must be integers"}
        ) from None
    if len(ids) > 100:
        raise SandboxError(
            400,
            {"error": "TooManyValues", "description": "Parameter ids cannot specify more than 100 values",
             "max_count": 100},
        )  # fmt: skip
    return ids


def epoch_arg(raw: str | None, name: str) -> datetime:
    """Parse epoch seconds from a query parameter, or answer 400 naming it."""
    if raw is None or raw == "":
        raise SandboxError(400, {"error": "InvalidValue", "description": f"{name} required"})
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except ValueError:
        raise SandboxError(
            400, {"error": "InvalidValue", "description": f"{name} must be epoch seconds"}
        ) from None
