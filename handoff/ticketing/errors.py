"""Helpdesk errors: the adapter turns zenpy's and requests' exceptions into these, and only these.

The worker decides what to do from the class alone: ``retryable`` says whether the same call
may succeed later; ``RateLimited.retry_after`` says when. After a write fails with
``HelpdeskUnavailable`` (a timeout above all, but also a 5xx or a dropped connection) the write
may have been applied: look for its marker (``Helpdesk.find_comment``) before sending it again.
"""

from __future__ import annotations

from typing import Any

from handoff.errors import HelpdeskError


class HelpdeskUnavailable(HelpdeskError):
    """The helpdesk answered 5xx, or could not be reached; retry later."""

    code = "helpdesk_unavailable"
    retryable = True


class HelpdeskTimeout(HelpdeskUnavailable):
    """The request timed out: a write may or may not have been applied (check before retrying)."""

    code = "helpdesk_timeout"


class RateLimited(HelpdeskError):
    """The helpdesk answered 429; ``retry_after`` is its Retry-After in seconds, when given."""

    status = 503
    code = "helpdesk_rate_limited"
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HelpdeskRejected(HelpdeskError):
    """The helpdesk refused the request (4xx): retrying the same request will not help."""

    code = "helpdesk_rejected"
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        http_status: int | None = None,
        error: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.http_status = http_status
        self.error = error


class HelpdeskNotFound(HelpdeskRejected):
    """The record asked for does not exist in the helpdesk (404)."""

    code = "helpdesk_not_found"


class HelpdeskAuthError(HelpdeskRejected):
    """The helpdesk refused our credentials (401/403), or none are configured."""

    code = "helpdesk_auth_error"


class ExportForbidden(HelpdeskAuthError):
    """Zendesk answered 403 to an incremental export: they are for admins only, and the API
    token's user is not one. The message says what to change."""

    code = "helpdesk_export_forbidden"


class UpdateConflict(HelpdeskError):
    """409 ``UpdateConflict``: the ticket changed since the ``updated_stamp`` sent with
    ``safe_update``; nothing was written. Re-read the ticket (and look for the marker) and retry."""

    code = "helpdesk_update_conflict"
    retryable = True

    def __init__(
        self, message: str, *, http_status: int = 409, error: str = "UpdateConflict"
    ) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.error = error
