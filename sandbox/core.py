"""What every part of the sandbox shares: its errors, Zendesk's renderings of time and tags, the lock.

Timestamps come from ``state.now()`` (settable), so tests control history without sleeping.
"""

from __future__ import annotations

import functools
import html
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

TICKET_STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = (None, "low", "normal", "high", "urgent")
TICKET_TYPES = (None, "problem", "incident", "question", "task")
ROLES = ("end-user", "agent", "admin")
FIELD_TYPES = ("checkbox", "text", "textarea", "tagger", "integer", "decimal", "date", "regexp")
ACCOUNT_ID = 18525119
BRAND_ID = 360000000001
TICKET_FORM_ID = 360000000002
CUSTOM_STATUS_IDS = {s: 360000000100 + i for i, s in enumerate(TICKET_STATUSES)}
API_EMAIL = "admin@sandbox.test"
API_TOKEN = "test-token"  # noqa: S105 - the local sandbox account's token

F = TypeVar("F", bound=Callable[..., Any])


def locked(method: F) -> F:
    """Run a state method under the state's lock (re-entrant: methods call each other)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class SandboxError(Exception):
    """An API error the sandbox answers with Zendesk's status and body."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        super().__init__(body.get("description") or body.get("error"))
        self.status = status
        self.body = dict(body)


def not_found() -> SandboxError:
    """Return Zendesk's 404."""
    return SandboxError(404, {"error": "RecordNotFound", "description": "Not found"})


def invalid(field_name: str, description: str, error: str = "InvalidValue") -> SandboxError:
    """Return Zendesk's 422 record validation error for one field."""
    return SandboxError(
        422,
        {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {field_name: [{"description": description, "error": error}]},
        },
    )


def iso(moment: datetime | None) -> str | None:
    """Render a datetime the way Zendesk does (UTC, seconds, Z)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(raw: Any, name: str) -> datetime:
    """Parse an ISO 8601 timestamp or epoch seconds from a request body."""
    if isinstance(raw, int | float):
        return datetime.fromtimestamp(raw, UTC)
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise invalid(name, f"{name}: is not a valid time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise invalid(name, f"{name}: is not a valid time")


def html_of(body: str) -> str:
    """Render a plain comment body as Zendesk's html_body."""
    paragraphs = "".join(f'<p dir="auto">{html.escape(p)}</p>' for p in body.split("\n\n"))
    return f'<div class="zd-comment" dir="auto">{paragraphs}</div>'


def normalize_tags(raw: Any) -> list[str]:
    """Normalise tags as Zendesk does: lower case, split on spaces, no duplicates."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    return list(dict.fromkeys(part for item in raw for part in str(item).lower().split()))


def metadata() -> dict[str, Any]:
    """Return the metadata Zendesk attaches to API comments and audits."""
    system = {
        "client": "sandbox",
        "ip_address": "127.0.0.1",
        "location": "Sandbox",
        "latitude": 0.0,
        "longitude": 0.0,
    }
    return {"system": system, "custom": {}}


def via_of(channel: str) -> dict[str, Any]:
    """Return a via object for ``channel``."""
    return {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}}


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class StateBase:
    """The clock, the lock and the id counter every resource of the sandbox shares."""

    now: Callable[[], datetime] = _utcnow
    subdomain: str = "sandbox"
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # The account's one API token (Admin Center > Apps and integrations > Zendesk API); requests
    # must carry ``{agent email}/token:{api_token}`` or an OAuth bearer token of ``oauth_tokens``.
    api_token: str = field(default=API_TOKEN, repr=False)

    def _reset_base(self) -> None:
        self.now = self._initial_now  # a test may have frozen the clock
        self._frozen: list[datetime] | None = None
        self._ids = 1000

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    @locked
    def set_time(self, moment: datetime) -> None:
        """Freeze the sandbox clock at ``moment`` (reset() unfreezes it)."""
        frozen = self._frozen = [moment]
        self.now = lambda: frozen[0]

    @locked
    def advance(self, **delta: float) -> datetime:
        """Move the frozen clock forward (``advance(minutes=5)``); freeze it first if needed."""
        if self._frozen is None:
            self.set_time(self.now())
        assert self._frozen is not None
        self._frozen[0] += timedelta(**delta)
        return self._frozen[0]
