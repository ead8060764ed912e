"""Bearer-token authentication for API views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from handoff.tokens import authenticate
from helpdesk_app.db import get_session, now

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    """Return the token from ``Authorization: Bearer ...``, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def require_token(scope: str) -> Callable[[F], F]:
    """Refuse the view with 401/403 unless the request carries a live token holding ``scope``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.api_token = authenticate(get_session(), bearer_token(), scope, now=now())
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
