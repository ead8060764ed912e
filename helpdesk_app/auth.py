"""Bearer-token authentication for API views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from helpdesk_app.db import get_session, now
from helpdesk_app.runtime import runtime

F = TypeVar("F", bound=Callable[..., Any])


def bearer_token() -> str | None:
    """Return the token from ``Authorization: Bearer ...``, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def require_token(scope: str) -> Callable[[F], F]:
    """Refuse the view with 401/403 unless the request carries a live token holding ``scope``.

    A token verified in the last ``HANDOFF_TOKEN_CACHE_SECONDS`` is trusted without a lookup
    (``handoff.tokens.TokenCache``); ``g.api_token`` is its ``Grant``. A lookup that refreshed
    the token's ``last_used_at`` is committed here, before the view runs.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            g.api_token = runtime().tokens.authenticate(
                get_session, bearer_token(), scope, now=now()
            )
            if "db_session" in g and g.db_session.dirty:
                g.db_session.commit()  # a lookup refreshed the token's last_used_at
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
