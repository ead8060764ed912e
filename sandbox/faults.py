"""Rate limits, injected faults and the request log: how the sandbox fails like Zendesk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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



@dataclass
class RateWindow:
    per_minute: int | None = None
    window_start: datetime | None = None
    used: int = 0



bp = Blueprint("sandbox_faults", __name__)


class FaultsMixin:
    """Per-minute windows, queued faults and every API request answered."""

    @locked
    def configure_rate_limit(
        self, per_minute: int | None, *, path_prefix: str | None = None
    ) -> None:
        """Answer 429 past ``per_minute`` requests a minute (account-wide, or under ``path_prefix``)."""
        if path_prefix is None:
            self.rate = RateWindow(per_minute=per_minute)
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
    def check_rate_limit(self, path: str = "") -> tuple[bool, dict[str, str]]:
        """Count one request; return whether it is allowed and the rate-limit headers to send."""
        # An endpoint limit (e.g. incremental exports, 10/min at Zendesk) is checked first;
        # a request refused there does not use up the account-wide budget.
        for prefix, window in self.endpoint_rates.items():
            if path.startswith(prefix):
                allowed, headers = self._take(window)
                if not allowed:
                    return False, headers
        if self.rate.per_minute is None:
            return True, {"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699"}
        return self._take(self.rate)

    def _take(self, window: RateWindow) -> tuple[bool, dict[str, str]]:
        limit = window.per_minute or 0
        now = self.now()
        if window.window_start is None or now - window.window_start >= timedelta(minutes=1):
            window.window_start, window.used = now, 0
        reset = window.window_start + timedelta(minutes=1) - now
        retry_after = max(1, int(reset.total_seconds() + 0.999))
        headers = {"X-Rate-Limit": str(limit), "ratelimit-reset": str(retry_after)}
        if window.used >= limit:
            headers["X-Rate-Limit-Remaining"] = "0"
            headers["Retry-After"] = str(retry_after)
            return False, headers
        window.used += 1
        headers["X-Rate-Limit-Remaining"] = str(limit - window.used)
        return True, headers

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
