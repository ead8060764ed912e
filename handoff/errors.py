"""The project's own errors; adapters translate third-party exceptions into these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class HandoffError(Exception):
    """Base class of every error the core raises on purpose."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ConfigError(HandoffError):
    """A setting is missing or malformed; raised at start-up."""

    code = "config_error"


class ValidationFailed(HandoffError):
    """A document does not match its JSON Schema; ``details`` lists every error with its path."""

    status = 422
    code = "validation_failed"


class Conflict(HandoffError):
    """A record with this id exists with different content."""

    status = 409
    code = "conflict"


class NotFound(HandoffError):
    """The record asked for does not exist."""

    status = 404
    code = "not_found"


class Busy(HandoffError):
    """A lock could not be taken in the time allowed; nothing was changed, try again later."""

    status = 503
    code = "busy"
    retryable = True


class HelpdeskError(HandoffError):
    """The helpdesk could not be reached or refused the call."""

    status = 502
    code = "helpdesk_error"
    retryable = True


@dataclass(frozen=True)
class SchemaError:
    """One schema violation: where it is, what is wrong, and which rule said so."""

    path: str
    message: str
    validator: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form used in API error bodies and CLI output."""
        return {"path": self.path, "message": self.message, "validator": self.validator}
