"""Rate limits, injected faults and the request log: how the sandbox fails like Zendesk."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.core import (
    locked,
)
from sandbox.http import (
    state,
)


@dataclass
class Fault:
    """One injected failure: an HTTP status, or a sleep past the client's timeout."""

    status: int | None = None
    sleep: float = 0.0
    after_write: bool = False  # timeout only: apply the request first, then stall
    method: str | None = None
    path_prefix: str | None = None
    retry_after: int | None = None

    def matches(self, method: str, path: str) -> bool:
        """Return True if this fault applies to the request."""
        if self.method and self.method.upper() != method.upper():
            return False
        return not (self.path_prefix and not path.startswith(self.path_prefix))


@dataclass(frozen=True)
class LogEntry:
    """One API request the sandbox answered."""

    method: str
    path: str
    status: int
    query: str = ""


@dataclass(frozen=True)
class Exchange:
    """One API request and the sandbox's answer, kept whole while ``state.exchanges`` is a list."""

    method: str
    path: str
    query: list[tuple[str, str]]
    request: Any
    status: int
    response: Any


@dataclass
class RateWindow:
    """A fixed window of ``limit`` requests per ``seconds``."""

    per_minute: int | None = None  # the limit (per window; the name predates other lengths)
    seconds: int = 60
    window_start: datetime | None = None
    used: int = 0


@dataclass(frozen=True)
class Plan:
    """A Zendesk plan's documented limits, per minute unless said otherwise."""

    requests: int
    ticket_updates: int
    exports: int


# Source: Zendesk API reference, Introduction, "Rate limits" (developer.zendesk.com/api-reference/
# introduction/rate-limits/): account-wide requests per minute by plan (Team 200, Growth and
# Professional 400, Enterprise 700, High Volume add-on 2500); the Update Ticket endpoint 100 a
# minute per account (300 with High Volume), agents' own edits included; incremental exports
# 10 a minute (30 with High Volume).
PLANS = {
    "team": Plan(200, 100, 10),
    "growth": Plan(400, 100, 10),
    "professional": Plan(400, 100, 10),
    "enterprise": Plan(700, 100, 10),
    "high_volume": Plan(2500, 300, 30),
}
DEFAULT_PLAN = "growth"  # the lowest plan that may install a private app
# Same source: 30 updates per 10 minutes per user per ticket.
PER_TICKET_USER = (30, 600)
EXPORTS = "/api/v2/incremental/"
# Source: Zendesk API reference, "Incremental Exports" (developer.zendesk.com/api-reference/
# ticketing/ticket-management/incremental_exports/): every export endpoint (Incremental Ticket
# Export cursor- and time-based, Incremental Ticket Event Export, users, organizations...) says
# "Allowed For: Admins". An agent's credentials are answered 403 with the body real accounts
# show (Zendesk community, "Forbidden from using only incremental API calls?", post 4428358191514).
ADMIN_ONLY = (EXPORTS,)
FORBIDDEN_BODY = {
    "error": {
        "title": "Forbidden",
        "message": "You do not have access to this page. Please contact the account owner of "
        "this help desk for further help.",
    }
}
_TICKET_UPDATE = re.compile(r"^/api/v2/tickets/(\d+)(?:\.json)?$")
_TICKET_TAGS = re.compile(r"^/api/v2/tickets/(\d+)/tags(?:\.json)?$")


def updated_ticket(method: str, path: str) -> int | None:
    """Return the ticket a request updates (Update Ticket, or the tags endpoint), else None."""
    found = _TICKET_UPDATE.match(path) if method == "PUT" else None
    if found is None and method in ("PUT", "POST", "DELETE"):
        found = _TICKET_TAGS.match(path)
    return int(found.group(1)) if found else None


bp = Blueprint("sandbox_faults", __name__)


class FaultsMixin:
    """Per-minute windows, queued faults and every API request answered."""

    def _reset_limits(self, plan: str = DEFAULT_PLAN) -> None:
        limits = PLANS[plan]
        self.plan = plan
        self.rate = RateWindow(per_minute=limits.requests)
        self.update_rate = RateWindow(per_minute=limits.ticket_updates)
        self.export_rate = RateWindow(per_minute=limits.exports)
        self.ticket_user_rates: dict[tuple[int, int], RateWindow] = {}
        self.endpoint_rates: dict[str, RateWindow] = {}
        self.refused: dict[str, int] = {}
        self.agent_edits = 0
        self.agent_edits_refused = 0

    @locked
    def configure_plan(self, plan: str) -> None:
        """Enforce ``plan``'s documented limits (team, growth, professional, enterprise, high_volume)."""
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}")
        self._reset_limits(plan)

    @locked
    def configure_update_limit(self, per_minute: int | None) -> None:
        """Override the ticket-update limit (None: the plan's); for demos with no agents."""
        self.update_rate = RateWindow(per_minute=per_minute or PLANS[self.plan].ticket_updates)

    @locked
    def configure_rate_limit(
        self, per_minute: int | None, *, path_prefix: str | None = None
    ) -> None:
        """Override the account-wide limit (None: the plan's), or set one under ``path_prefix``."""
        if path_prefix is None:
            self.rate = RateWindow(per_minute=per_minute or PLANS[self.plan].requests)
        elif per_minute is None:
            self.endpoint_rates.pop(path_prefix, None)
        else:
            self.endpoint_rates[path_prefix] = RateWindow(per_minute=per_minute)

    @locked
    def inject_fault(
        self,
        status: int,
        *,
        count: int = 1,
        method: str | None = None,
        path_prefix: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``count`` matching API requests with ``status`` (500, 503, 401...)."""
        for _ in range(count):
            self.faults.append(
                Fault(
                    status=status,
                    method=method,
                    path_prefix=path_prefix,
                    retry_after=retry_after,
                )
            )

    @locked
    def inject_timeout(
        self,
        seconds: float,
        *,
        count: int = 1,
        after_write: bool = False,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> None:
        """Stall the next ``count`` matching requests; ``after_write`` applies the write first."""
        for _ in range(count):
            self.faults.append(
                Fault(
                    sleep=seconds,
                    after_write=after_write,
                    method=method,
                    path_prefix=path_prefix,
                )
            )

    @locked
    def take_fault(self, method: str, path: str) -> Fault | None:
        """Pop the first injected fault that applies to this request."""
        for index, fault in enumerate(self.faults):
            if fault.matches(method, path):
                return self.faults.pop(index)
        return None

    @locked
    def permitted(self, path: str, user_id: int) -> bool:
        """Tell whether ``user_id``'s role may call ``path`` (the exports are for admins only)."""
        if not path.startswith(ADMIN_ONLY):
            return True
        return self.users.get(user_id, {}).get("role") == "admin"  # type: ignore[attr-defined]

    def _windows(self, method: str, path: str, user_id: int) -> list[tuple[str, RateWindow]]:
        """Return every documented limit this request counts against, most specific first."""
        windows: list[tuple[str, RateWindow]] = [
            (prefix, w) for prefix, w in self.endpoint_rates.items() if path.startswith(prefix)
        ]
        ticket_id = updated_ticket(method, path)
        if ticket_id is not None:
            windows.append(("ticket_user", self._ticket_user_window(ticket_id, user_id)))
            windows.append(("ticket_updates", self.update_rate))
        if path.startswith(EXPORTS):
            windows.append(("exports", self.export_rate))
        windows.append(("account", self.rate))
        return windows

    def _ticket_user_window(self, ticket_id: int, user_id: int) -> RateWindow:
        limit, seconds = PER_TICKET_USER
        return self.ticket_user_rates.setdefault(
            (ticket_id, user_id), RateWindow(per_minute=limit, seconds=seconds)
        )

    @locked
    def check_rate_limit(
        self, path: str = "", method: str = "GET", user_id: int | None = None
    ) -> tuple[bool, dict[str, str]]:
        """Count one request against every limit it falls under; refuse it if any is spent.

        A request refused by one limit uses up none of the others.
        """
        windows = self._windows(method.upper(), path, user_id or self.api_user_id)
        headers: dict[str, str] = {}
        for name, window in windows:
            allowed, headers = self._peek(window)
            if not allowed:
                self.refused[name] = self.refused.get(name, 0) + 1
                return False, headers
        for _, window in windows:
            _, headers = self._take(window)
        return True, self._peek(self.rate)[1]

    @locked
    def agent_edit(self, ticket_id: int, agent_id: int, body: dict[str, Any] | None = None) -> bool:
        """Apply an agent's own edit made in Zendesk's UI, which counts against the ticket-update
        limit like an API update; return False (and count it) when the limit refused it."""
        self.agent_edits += 1
        windows = [
            ("ticket_user", self._ticket_user_window(ticket_id, agent_id)),
            ("ticket_updates", self.update_rate),
        ]
        if not all(self._peek(w)[0] for _, w in windows):
            self.agent_edits_refused += 1
            return False
        for _, window in windows:
            self._take(window)
        update = body or {"comment": {"body": "Agent reply", "public": True}}
        if isinstance(update.get("comment"), dict):
            update = {**update, "comment": {**update["comment"], "author_id": agent_id}}
        self.update_ticket(ticket_id, update)  # type: ignore[attr-defined]
        return True

    def _roll(self, window: RateWindow) -> None:
        now = self.now()
        length = timedelta(seconds=window.seconds)
        if window.window_start is None or now - window.window_start >= length:
            window.window_start, window.used = now, 0

    def _peek(self, window: RateWindow) -> tuple[bool, dict[str, str]]:
        self._roll(window)
        limit = window.per_minute or 0
        assert window.window_start is not None
        reset = window.window_start + timedelta(seconds=window.seconds) - self.now()
        retry_after = max(1, int(reset.total_seconds() + 0.999))
        headers = {
            "X-Rate-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(max(0, limit - window.used)),
            "ratelimit-reset": str(retry_after),
        }
        if window.used >= limit:
            headers["Retry-After"] = str(retry_after)
            return False, headers
        return True, headers

    def _take(self, window: RateWindow) -> tuple[bool, dict[str, str]]:
        allowed, headers = self._peek(window)
        if allowed:
            window.used += 1
            headers["X-Rate-Limit-Remaining"] = str(max(0, (window.per_minute or 0) - window.used))
        return allowed, headers

    @locked
    def record(self, method: str, path: str, status: int, query: str = "") -> None:
        """Append one line to the request log."""
        self.log.append(LogEntry(method, path, status, query))

    @locked
    def requests(self, method: str | None = None, path_prefix: str | None = None) -> list[LogEntry]:
        """Return the logged API requests, optionally only those matching method and path."""
        return [
            e
            for e in self.log
            if (method is None or e.method == method.upper())
            and (path_prefix is None or e.path.startswith(path_prefix))
        ]


@bp.post("/_sandbox/rate_limit")
def control_rate_limit() -> Response:
    st = state()
    data = request.get_json(silent=True) or {}
    st.configure_rate_limit(data.get("per_minute"), path_prefix=data.get("path_prefix"))
    return jsonify({"per_minute": data.get("per_minute")})


@bp.post("/_sandbox/faults")
def control_faults() -> Response:
    st = state()
    data = request.get_json(silent=True) or {}
    common = {"count": int(data.get("count", 1)), "method": data.get("method"),
              "path_prefix": data.get("path_prefix")}  # fmt: skip
    if data.get("timeout") is not None:
        st.inject_timeout(
            float(data["timeout"]), after_write=bool(data.get("after_write")), **common
        )
    else:
        st.inject_fault(int(data.get("status", 500)), retry_after=data.get("retry_after"),
                        **common)  # fmt: skip
    return jsonify({"pending": len(st.faults)})


@bp.get("/_sandbox/log")
def control_log() -> Response:
    st = state()
    return jsonify({"requests": [e.__dict__ for e in st.requests()]})


@bp.post("/_sandbox/plan")
def control_plan() -> Response:
    st = state()
    data = request.get_json(silent=True) or {}
    st.configure_plan(str(data.get("plan")))
    return jsonify({"plan": st.plan})


@bp.post("/_sandbox/tickets/<int:ticket_id>/agent_edit")
def control_agent_edit(ticket_id: int) -> tuple[Response, int]:
    st = state()
    data = request.get_json(silent=True) or {}
    applied = st.agent_edit(ticket_id, int(data["agent_id"]), data.get("ticket"))
    return jsonify({"applied": applied}), 200 if applied else 429
