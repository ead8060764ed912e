"""The sandbox's in-memory Zendesk: one state made of its resources, each in its own module.

Every public method runs under the state's re-entrant lock, so one state can serve a threaded
server and a test at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.core import API_EMAIL, StateBase, locked
from sandbox.exports import ImportsMixin
from sandbox.faults import Exchange, Fault, FaultsMixin, LogEntry
from sandbox.fields import FieldsMixin
from sandbox.ratings import RatingsMixin
from sandbox.tickets import TicketsMixin
from sandbox.users import UsersMixin
from sandbox.webhooks import WebhookDelivery, WebhooksMixin


@dataclass
class SandboxState(
    StateBase,
    FaultsMixin,
    UsersMixin,
    FieldsMixin,
    TicketsMixin,
    RatingsMixin,
    ImportsMixin,
    WebhooksMixin,
):
    """Everything the sandbox knows; thread-safe, resettable."""

    def __post_init__(self) -> None:
        self._initial_now = self.now
        self.reset()

    @locked
    def reset(self) -> None:
        """Forget every record, limit, fault, log line and pending webhook; seed the API user."""
        self._reset_base()
        self.users: dict[int, dict[str, Any]] = {}
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.audits: list[dict[str, Any]] = []
        self.ticket_fields: dict[int, dict[str, Any]] = {}
        self.ratings: dict[int, dict[str, Any]] = {}
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.webhook_secrets: dict[str, str] = {}
        self.triggers: dict[int, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.log: list[LogEntry] = []
        self.exchanges: list[Exchange] | None = None  # set to [] to keep whole exchanges
        self.faults: list[Fault] = []
        self._reset_limits()
        self.outbox: list[WebhookDelivery] = []
        self.delivered: list[tuple[WebhookDelivery, int | None]] = []
        self.auto_deliver = False
        self._next_ticket = 1
        self._seed_system_fields()
        self.oauth_tokens: dict[str, int] = {}
        self.api_user_id = self.add_user("Sandbox Admin", API_EMAIL, "admin")["id"]
