"""What the product asks of a helpdesk: the ``Helpdesk`` Protocol and the plain values it returns.

Everything here is independent of zenpy and of Zendesk's JSON; ``handoff.ticketing.zendesk``
is the one implementation. Datetimes are timezone-aware UTC. Every method may raise the errors
of ``handoff.ticketing.errors`` (all subclasses of ``handoff.errors.HelpdeskError``) and nothing
else: ``RateLimited`` (429, with ``retry_after``), ``HelpdeskTimeout`` (a write may have been
applied), ``HelpdeskUnavailable`` (5xx, connection), ``HelpdeskNotFound`` (404),
``HelpdeskAuthError`` (401/403), ``HelpdeskRejected`` (other 4xx, e.g. 422 with ``details``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")

Role = Literal["end-user", "agent", "admin"]
RATING_SCORES = ("offered", "unoffered", "good", "bad")


@dataclass(frozen=True)
class User:
    """A helpdesk user; ``role`` tells a customer (end-user) from an agent or admin."""

    id: int
    name: str | None
    email: str | None
    role: str
    organization_id: int | None = None
    external_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_staff(self) -> bool:
        """Return True for agents and admins."""
        return self.role in ("agent", "admin")


@dataclass(frozen=True)
class Ticket:
    """A ticket as the helpdesk has it now; ``custom_fields`` maps field id to value."""

    id: int
    subject: str | None
    description: str | None
    status: str
    requester_id: int | None
    submitter_id: int | None = None
    assignee_id: int | None = None
    organization_id: int | None = None
    group_id: int | None = None
    brand_id: int | None = None
    priority: str | None = None
    type: str | None = None
    external_id: str | None = None
    channel: str | None = None  # via.channel: web, email, api, chat...
    tags: tuple[str, ...] = ()
    custom_fields: Mapping[int, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    url: str | None = None
    # How many comments the ticket has, when the read side-loaded it (``comment_count``).
    comment_count: int | None = None
    # The ticket's own ``satisfaction_rating`` when it has been rated (an id and a score).
    rating: SatisfactionRating | None = None


@dataclass(frozen=True)
class Comment:
    """A ticket comment; ``public`` is False for an internal note."""

    id: int
    ticket_id: int
    author_id: int | None
    body: str
    public: bool
    created_at: datetime | None
    html_body: str | None = None
    plain_body: str | None = None
    audit_id: int | None = None
    channel: str | None = None  # via.channel


@dataclass(frozen=True)
class SatisfactionRating:
    """A satisfaction rating: ``score`` is offered, unoffered, good or bad."""

    id: int
    ticket_id: int | None
    score: str
    comment: str | None
    requester_id: int | None
    assignee_id: int | None = None
    group_id: int | None = None
    reason: str | None = None
    reason_code: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Minutes:
    """A duration as Zendesk reports it: calendar and business minutes (either may be missing)."""

    calendar: int | None
    business: int | None


@dataclass(frozen=True)
class TicketMetric:
    """Zendesk's ticket metrics for one ticket."""

    id: int
    ticket_id: int
    reopens: int | None
    replies: int | None
    assigned_at: datetime | None = None
    solved_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    reply_time: Minutes | None = None
    first_resolution_time: Minutes | None = None
    full_resolution_time: Minutes | None = None
    agent_wait_time: Minutes | None = None
    requester_wait_time: Minutes | None = None
    on_hold_time: Minutes | None = None


@dataclass(frozen=True)
class FieldOption:
    """One option of a dropdown (tagger) field: the label shown and the tag it sets."""

    name: str
    value: str


@dataclass(frozen=True)
class TicketField:
    """A ticket field: ``type`` is checkbox, text, tagger (dropdown), ...; ``tag`` is a checkbox's tag."""

    id: int
    type: str
    title: str
    active: bool = True
    key: str | None = None
    tag: str | None = None
    options: tuple[FieldOption, ...] = ()


@dataclass(frozen=True)
class NewTicketField:
    """A ticket field to create; give ``options`` for a tagger and ``tag`` for a checkbox."""

    type: Literal["checkbox", "text", "tagger", "textarea", "integer"]
    title: str
    tag: str | None = None
    options: tuple[FieldOption, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class NewComment:
    """A comment to add; internal (``public=False``) unless said otherwise."""

    body: str
    public: bool = False
    author_id: int | None = None  # None: the API user


@dataclass(frozen=True)
class Requester:
    """Who a new ticket is for: Zendesk finds or creates the user by email (or external_id)."""

    email: str | None = None
    name: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class TicketWrite:
    """What a create or update returned: the ticket after the write and the audit that made it."""

    ticket: Ticket
    audit_id: int | None
    comment_id: int | None = None  # the new comment's id, when the write added one


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paged list; pass ``after_cursor`` back for the next one."""

    items: tuple[T, ...]
    after_cursor: str | None
    has_more: bool


@dataclass(frozen=True)
class TicketExportPage:
    """One page of the incremental ticket export; save ``cursor`` only after storing ``tickets``."""

    tickets: tuple[Ticket, ...]
    cursor: str | None  # Zendesk's after_cursor: resume with export_tickets(cursor=...)
    end_of_stream: bool
    # Side-loaded with the page when asked for (``sideload``): the tickets' metric sets (none
    # for imported tickets) and their requesters, submitters and assignees.
    metrics: tuple[TicketMetric, ...] = ()
    users: tuple[User, ...] = ()


@dataclass(frozen=True)
class TicketEvent:
    """One audit from the incremental ticket-event export, with the comments it added."""

    id: int
    ticket_id: int
    created_at: datetime | None
    updater_id: int | None
    event_type: str
    comments: tuple[Comment, ...] = ()
    # Every child event as Zendesk sent it (Create, Change, Comment...): for fields we do not model.
    child_events: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class TicketEventPage:
    """One page of the incremental ticket-event export; resume with ``end_time`` as start_time."""

    events: tuple[TicketEvent, ...]
    end_time: datetime | None
    end_of_stream: bool


@dataclass(frozen=True)
class ImportComment:
    """A historical comment for the import API."""

    author_id: int
    body: str
    created_at: datetime
    public: bool = True


@dataclass(frozen=True)
class ImportTicket:
    """A ticket with its history, for the import API (timestamps are kept as given)."""

    requester_id: int
    subject: str
    comments: tuple[ImportComment, ...]
    created_at: datetime
    updated_at: datetime | None = None
    solved_at: datetime | None = None
    status: str = "new"
    assignee_id: int | None = None
    submitter_id: int | None = None
    tags: tuple[str, ...] = ()
    custom_fields: Mapping[int, Any] = field(default_factory=dict)
    external_id: str | None = None


@dataclass(frozen=True)
class JobStatus:
    """A background job (bulk import): ``status`` is queued, working, completed, failed or killed."""

    id: str
    status: str
    total: int | None = None
    progress: int | None = None
    message: str | None = None
    results: tuple[Mapping[str, Any], ...] = ()

    @property
    def done(self) -> bool:
        """Return True once the job will not change any more."""
        return self.status in ("completed", "failed", "killed")


@dataclass(frozen=True)
class Webhook:
    """A helpdesk webhook: where it posts and which events it is subscribed to."""

    id: str
    name: str
    endpoint: str
    status: str
    http_method: str = "POST"
    request_format: str = "json"
    subscriptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trigger:
    """A business rule; ours notify a webhook."""

    id: int
    title: str
    active: bool
    conditions: Mapping[str, Any] = field(default_factory=dict)
    actions: tuple[Mapping[str, Any], ...] = ()


@runtime_checkable
class Helpdesk(Protocol):
    """The helpdesk as the product uses it; every call is one or a few HTTP requests."""

    # --- tickets ---------------------------------------------------------------------------
    def get_ticket(self, ticket_id: int) -> Ticket:
        """Return the ticket, read fresh (never from a cache)."""
        ...

    def update_ticket(
        self,
        ticket_id: int,
        *,
        comment: NewComment | None = None,
        add_tags: Sequence[str] = (),
        remove_tags: Sequence[str] = (),
        custom_fields: Mapping[int, Any] | None = None,
        status: str | None = None,
        updated_stamp: datetime | None = None,
    ) -> TicketWrite:
        """Add a comment, add/remove tags and set custom fields in one PUT; other fields are kept.

        With ``updated_stamp`` the PUT is refused (``UpdateConflict``) if the ticket changed since.
        """
        ...

    def create_ticket(
        self,
        requester: Requester,
        *,
        subject: str,
        comment: NewComment,
        tags: Sequence[str] = (),
        custom_fields: Mapping[int, Any] | None = None,
        external_id: str | None = None,
    ) -> TicketWrite:
        """Create a ticket for the requester with a first comment, tags and custom fields."""
        ...

    def find_tickets_by_external_id(self, external_id: str) -> list[Ticket]:
        """Return the tickets whose external id is ``external_id`` (none, one, or several)."""
        ...

    def set_tags(self, ticket_id: int, tags: Sequence[str]) -> tuple[str, ...]:
        """Replace the ticket's tags; return them as stored."""
        ...

    def add_tags(self, ticket_id: int, tags: Sequence[str]) -> tuple[str, ...]:
        """Add tags to the ticket; return all its tags."""
        ...

    def remove_tags(self, ticket_id: int, tags: Sequence[str]) -> tuple[str, ...]:
        """Remove tags from the ticket; return the tags left."""
        ...

    def list_comments(self, ticket_id: int) -> list[Comment]:
        """Return every comment of the ticket, oldest first (all pages)."""
        ...

    def find_comment(self, ticket_id: int, marker: str) -> Comment | None:
        """Return the first comment whose body contains ``marker``, or None."""
        ...

    # --- users and fields ------------------------------------------------------------------
    def get_users(self, user_ids: Sequence[int]) -> list[User]:
        """Return the users with these ids (unknown ids are left out)."""
        ...

    def me(self) -> User:
        """Return the user the credentials belong to (checks the credentials)."""
        ...

    def list_ticket_fields(self) -> list[TicketField]:
        """Return every ticket field, system and custom."""
        ...

    def create_ticket_field(self, new: NewTicketField) -> TicketField:
        """Create a custom ticket field."""
        ...

    # --- ratings and metrics ---------------------------------------------------------------
    def satisfaction_ratings(
        self, since: datetime, *, cursor: str | None = None, page_size: int = 100
    ) -> Page[SatisfactionRating]:
        """Return one page of ratings created at or after ``since``."""
        ...

    def ticket_metric(self, ticket_id: int) -> TicketMetric:
        """Return the metrics of one ticket."""
        ...

    def ticket_metrics(
        self, *, cursor: str | None = None, page_size: int = 100
    ) -> Page[TicketMetric]:
        """Return one page of every ticket's metrics."""
        ...

    # --- incremental exports and import ----------------------------------------------------
    def export_tickets(
        self,
        *,
        start_time: datetime | None = None,
        cursor: str | None = None,
        page_size: int | None = None,
        sideload: Sequence[str] = (),
    ) -> TicketExportPage:
        """Return one page of tickets changed since ``start_time``, or after ``cursor``, with
        the side-loads asked for (``metric_sets``, ``users``)."""
        ...

    def export_ticket_events(
        self, start_time: datetime, *, page_size: int | None = None
    ) -> TicketEventPage:
        """Return one page of ticket events since ``start_time``, with their comments."""
        ...

    def import_ticket(self, ticket: ImportTicket) -> Ticket:
        """Import one ticket with its historical timestamps and comments."""
        ...

    def import_tickets(self, tickets: Sequence[ImportTicket]) -> JobStatus:
        """Import up to 100 tickets in one background job."""
        ...

    def job_status(self, job_id: str) -> JobStatus:
        """Return the current state of a background job."""
        ...

    # --- webhooks and triggers -------------------------------------------------------------
    def create_webhook(
        self,
        *,
        name: str,
        endpoint: str,
        subscriptions: Sequence[str] = ("conditional_ticket_events",),
    ) -> Webhook:
        """Create an active JSON POST webhook (subscribe to zen:event-type:... or trigger events)."""
        ...

    def list_webhooks(self, name_contains: str | None = None) -> list[Webhook]:
        """Return the account's webhooks (those whose name contains ``name_contains``)."""
        ...

    def list_triggers(self) -> list[Trigger]:
        """Return the account's triggers (all pages)."""
        ...

    def webhook_signing_secret(self, webhook_id: str) -> str:
        """Return the secret the webhook signs its requests with."""
        ...

    def create_trigger(
        self,
        *,
        title: str,
        conditions: Mapping[str, Any],
        actions: Sequence[Mapping[str, Any]],
    ) -> Trigger:
        """Create a trigger; ``conditions`` is ``{"all": [...], "any": [...]}`` as in Zendesk."""
        ...
