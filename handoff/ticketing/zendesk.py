"""The one Zendesk adapter: ``Helpdesk`` on top of zenpy.

This is the only module that imports zenpy, and the only place zenpy's and requests' exceptions
become the project's (``handoff.ticketing.errors``). Where zenpy has a wrapper we use it; where it
has none, or only an auto-paging generator when the caller needs one page and its cursor, we call
zenpy's own low-level ``_get``/``_call_api`` through the same client and session.

Rate limits: zenpy 2.0.57 sleeps on a 429 with Retry-After (``BaseApi._call_api``) until its
``ratelimit_budget`` runs out. The worker must decide when to retry, so a response hook on zenpy's
session raises ``RateLimited(retry_after)`` on the first 429, before zenpy's loop sees it; the
budget of 1 second is a second guard (zenpy raises ``RatelimitBudgetExceeded`` before it sleeps).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment as ZComment
from zenpy.lib.api_objects import Ticket as ZTicket
from zenpy.lib.api_objects import TicketField as ZTicketField
from zenpy.lib.api_objects import Trigger as ZTrigger
from zenpy.lib.api_objects import User as ZUser
from zenpy.lib.api_objects import Webhook as ZWebhook
from zenpy.lib.endpoint import Url
from zenpy.lib.exception import (
    APIException,
    RatelimitBudgetExceeded,
    RecordNotFoundException,
    ZenpyException,
)

from handoff.config import Settings
from handoff.errors import ConfigError
from handoff.ticketing.base import (
    Comment,
    FieldOption,
    ImportTicket,
    JobStatus,
    Minutes,
    NewComment,
    NewTicketField,
    Page,
    Requester,
    SatisfactionRating,
    Ticket,
    TicketEvent,
    TicketEventPage,
    TicketExportPage,
    TicketField,
    TicketMetric,
    TicketWrite,
    Trigger,
    User,
    Webhook,
)
from handoff.ticketing.errors import (
    HelpdeskAuthError,
    HelpdeskNotFound,
    HelpdeskRejected,
    HelpdeskTimeout,
    HelpdeskUnavailable,
    RateLimited,
    UpdateConflict,
)

DEFAULT_TIMEOUT = 20.0
_USERS_PER_CALL = 100  # show_many accepts at most 100 ids


# --- error translation ---------------------------------------------------------------------
def _retry_after(response: requests.Response | None) -> float | None:
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None  # an HTTP-date Retry-After: let the worker use its own backoff


def _raise_on_429(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Requests response hook: turn a 429 into RateLimited before zenpy can sleep on it."""
    if response.status_code == 429:
        response.content  # noqa: B018 - read the body so the connection returns to the pool
        raise RateLimited("Zendesk rate limit reached", retry_after=_retry_after(response))


def _body_of(response: requests.Response | None) -> dict[str, Any]:
    if response is None:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _from_status(status: int, response: requests.Response | None, message: str) -> Exception:
    body = _body_of(response)
    error = body.get("error") if isinstance(body.get("error"), str) else None
    description = body.get("description") or error or message
    if isinstance(body.get("error"), dict):
        # Some refusals (403 Forbidden) carry {"error": {"title", "message"}}.
        error = str(body["error"].get("title") or "") or None
        description = body["error"].get("message") or error or message
    details_raw = body.get("details") or body.get("errors")
    details: list[dict[str, Any]] = []
    if isinstance(details_raw, dict):
        for field_name, problems in sorted(details_raw.items()):
            for problem in problems if isinstance(problems, list) else [problems]:
                text = problem.get("description") if isinstance(problem, dict) else str(problem)
                details.append({"path": field_name, "message": text})
    elif isinstance(details_raw, list):
        details = [
            {"path": str(p.get("source") or ""), "message": p.get("detail") or p.get("title")}
            for p in details_raw
            if isinstance(p, dict)
        ]
    text = f"Zendesk answered {status}: {description}"
    if status == 429:
        return RateLimited(text, retry_after=_retry_after(response))
    if status >= 500:
        return HelpdeskUnavailable(text)
    if status in (401, 403):
        return HelpdeskAuthError(text, http_status=status, error=error)
    if status == 404:
        return HelpdeskNotFound(text, http_status=status, error=error)
    if status == 409 and error == "UpdateConflict":
        return UpdateConflict(text, http_status=status, error=error)
    return HelpdeskRejected(text, http_status=status, error=error, details=details)


@contextmanager
def _translated() -> Iterator[None]:
    """Turn zenpy's and requests' exceptions into the project's helpdesk errors."""
    try:
        yield
    except (RateLimited, HelpdeskUnavailable, HelpdeskRejected):
        raise
    except RatelimitBudgetExceeded:
        raise RateLimited("Zendesk rate limit reached", retry_after=None) from None
    except RecordNotFoundException as exc:
        raise HelpdeskNotFound(
            "Zendesk has no such record", http_status=404, error="RecordNotFound"
        ) from exc
    except APIException as exc:
        response = exc.response
        status = response.status_code if response is not None else 502
        raise _from_status(status, response, str(exc)) from exc
    except requests.Timeout as exc:
        raise HelpdeskTimeout(f"Zendesk did not answer in time: {exc}") from exc
    except requests.HTTPError as exc:
        response = exc.response
        status = response.status_code if response is not None else 502
        raise _from_status(status, response, str(exc)) from exc
    except requests.RequestException as exc:
        raise HelpdeskUnavailable(f"Zendesk could not be reached: {exc}") from exc
    except ZenpyException as exc:
        raise HelpdeskRejected(f"zenpy refused the call: {exc}") from exc
    except (KeyError, TypeError, AttributeError) as exc:
        # A 2xx body without the fields every Zendesk answer has: treat it as an outage.
        raise HelpdeskUnavailable(f"Zendesk answered an unexpected body: {exc!r}") from exc


# --- parsing Zendesk JSON into our values ------------------------------------------------
def _time(raw: Any) -> datetime | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, int | float):
        return datetime.fromtimestamp(raw, UTC)
    parsed = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(raw: Any) -> int | None:
    return None if raw is None or raw == "" else int(raw)


def _dict(obj: Any) -> dict[str, Any]:
    """Return a zenpy object or a plain JSON object as a plain dict."""
    if isinstance(obj, dict):
        return obj
    return dict(obj.to_dict())


def parse_user(raw: Any) -> User:
    """Build a User from Zendesk's JSON (or a zenpy User)."""
    d = _dict(raw)
    return User(
        id=int(d["id"]),
        name=d.get("name"),
        email=d.get("email"),
        role=str(d.get("role") or "end-user"),
        organization_id=_int(d.get("organization_id")),
        external_id=d.get("external_id"),
        created_at=_time(d.get("created_at")),
        updated_at=_time(d.get("updated_at")),
    )


def parse_ticket(raw: Any) -> Ticket:
    """Build a Ticket from Zendesk's JSON (or a zenpy Ticket)."""
    d = _dict(raw)
    via = d.get("via") or {}
    return Ticket(
        id=int(d["id"]),
        subject=d.get("subject"),
        description=d.get("description"),
        status=str(d.get("status")),
        requester_id=_int(d.get("requester_id")),
        submitter_id=_int(d.get("submitter_id")),
        assignee_id=_int(d.get("assignee_id")),
        organization_id=_int(d.get("organization_id")),
        group_id=_int(d.get("group_id")),
        brand_id=_int(d.get("brand_id")),
        priority=d.get("priority"),
        type=d.get("type"),
        external_id=d.get("external_id"),
        channel=via.get("channel") if isinstance(via, dict) else None,
        tags=tuple(d.get("tags") or ()),
        custom_fields={int(f["id"]): f.get("value") for f in d.get("custom_fields") or ()},
        created_at=_time(d.get("created_at")),
        updated_at=_time(d.get("updated_at")),
        url=d.get("url"),
        comment_count=_int(d.get("comment_count")),
        rating=_ticket_rating(d),
    )


def _ticket_rating(d: Mapping[str, Any]) -> SatisfactionRating | None:
    """Read a ticket's ``satisfaction_rating`` ({id, score, comment, reason}): a rating when it
    has an id; offered or unoffered without one is none yet. It carries no times."""
    raw = d.get("satisfaction_rating")
    if not isinstance(raw, dict) or raw.get("id") is None or not raw.get("score"):
        return None
    return SatisfactionRating(
        id=int(raw["id"]),
        ticket_id=int(d["id"]),
        score=str(raw["score"]),
        comment=raw.get("comment"),
        requester_id=_int(d.get("requester_id")),
        reason=raw.get("reason"),
    )


def parse_comment(raw: Any, ticket_id: int) -> Comment:
    """Build a Comment from Zendesk's JSON (a comment, or a Comment audit event)."""
    d = _dict(raw)
    via = d.get("via")
    return Comment(
        id=int(d["id"]),
        ticket_id=ticket_id,
        author_id=_int(d.get("author_id")),
        body=str(d.get("body") or d.get("plain_body") or ""),
        public=bool(d.get("public", True)),
        created_at=_time(d.get("created_at")),
        html_body=d.get("html_body"),
        plain_body=d.get("plain_body"),
        audit_id=_int(d.get("audit_id")),
        channel=via.get("channel") if isinstance(via, dict) else None,
    )


def parse_rating(raw: Any) -> SatisfactionRating:
    """Build a SatisfactionRating from Zendesk's JSON."""
    d = _dict(raw)
    return SatisfactionRating(
        id=int(d["id"]),
        ticket_id=_int(d.get("ticket_id")),
        score=str(d.get("score")),
        comment=d.get("comment"),
        requester_id=_int(d.get("requester_id")),
        assignee_id=_int(d.get("assignee_id")),
        group_id=_int(d.get("group_id")),
        reason=d.get("reason"),
        reason_code=_int(d.get("reason_code")),
        created_at=_time(d.get("created_at")),
        updated_at=_time(d.get("updated_at")),
    )


def _minutes(raw: Any) -> Minutes | None:
    if not isinstance(raw, dict):
        return None
    return Minutes(calendar=_int(raw.get("calendar")), business=_int(raw.get("business")))


def parse_metric(raw: Any) -> TicketMetric:
    """Build a TicketMetric from Zendesk's JSON."""
    d = _dict(raw)
    return TicketMetric(
        id=int(d["id"]),
        ticket_id=int(d["ticket_id"]),
        reopens=_int(d.get("reopens")),
        replies=_int(d.get("replies")),
        assigned_at=_time(d.get("assigned_at")),
        solved_at=_time(d.get("solved_at")),
        created_at=_time(d.get("created_at")),
        updated_at=_time(d.get("updated_at")),
        reply_time=_minutes(d.get("reply_time_in_minutes")),
        first_resolution_time=_minutes(d.get("first_resolution_time_in_minutes")),
        full_resolution_time=_minutes(d.get("full_resolution_time_in_minutes")),
        agent_wait_time=_minutes(d.get("agent_wait_time_in_minutes")),
        requester_wait_time=_minutes(d.get("requester_wait_time_in_minutes")),
        on_hold_time=_minutes(d.get("on_hold_time_in_minutes")),
    )


def parse_ticket_field(raw: Any) -> TicketField:
    """Build a TicketField from Zendesk's JSON."""
    d = _dict(raw)
    return TicketField(
        id=int(d["id"]),
        type=str(d.get("type")),
        title=str(d.get("title")),
        active=bool(d.get("active", True)),
        key=d.get("key"),
        tag=d.get("tag"),
        options=tuple(
            FieldOption(name=str(o.get("name")), value=str(o.get("value")))
            for o in d.get("custom_field_options") or ()
        ),
    )


def parse_job(raw: Any) -> JobStatus:
    """Build a JobStatus from Zendesk's JSON."""
    d = _dict(raw)
    results = d.get("results")
    return JobStatus(
        id=str(d["id"]),
        status=str(d.get("status")),
        total=_int(d.get("total")),
        progress=_int(d.get("progress")),
        message=d.get("message"),
        # zenpy fills every JobStatusResult attribute; keep only what Zendesk sent.
        results=tuple({k: v for k, v in _dict(r).items() if v is not None} for r in results)
        if isinstance(results, list)
        else (),
    )


def parse_webhook(raw: Any) -> Webhook:
    """Build a Webhook from Zendesk's JSON."""
    d = _dict(raw)
    return Webhook(
        id=str(d["id"]),
        name=str(d.get("name")),
        endpoint=str(d.get("endpoint")),
        status=str(d.get("status")),
        http_method=str(d.get("http_method") or "POST"),
        request_format=str(d.get("request_format") or "json"),
        subscriptions=tuple(d.get("subscriptions") or ()),
    )


def parse_trigger(raw: Any) -> Trigger:
    """Build a Trigger from Zendesk's JSON."""
    d = _dict(raw)
    return Trigger(
        id=int(d["id"]),
        title=str(d.get("title")),
        active=bool(d.get("active", True)),
        conditions=d.get("conditions") or {},
        actions=tuple(d.get("actions") or ()),
    )


def parse_ticket_event(raw: Mapping[str, Any]) -> TicketEvent:
    """Build a TicketEvent (one audit) from the incremental ticket-event export."""
    ticket_id = int(raw["ticket_id"])
    children = tuple(raw.get("child_events") or ())
    comments = tuple(
        parse_comment({**c, "created_at": c.get("created_at") or raw.get("created_at")}, ticket_id)
        for c in children
        if (c.get("event_type") or c.get("type")) == "Comment" and "body" in c
    )
    return TicketEvent(
        id=int(raw["id"]),
        ticket_id=ticket_id,
        created_at=_time(raw.get("created_at") or raw.get("timestamp")),
        updater_id=_int(raw.get("updater_id")),
        event_type=str(raw.get("event_type") or "Audit"),
        comments=comments,
        child_events=children,
    )


def _comment_id_of(audit: Any) -> int | None:
    events = _dict(audit).get("events") or ()
    for e in events:
        if isinstance(e, dict) and e.get("type") == "Comment":
            return _int(e.get("id"))
    return None


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _custom_fields(values: Mapping[int, Any] | None) -> list[dict[str, Any]]:
    return [{"id": int(fid), "value": value} for fid, value in (values or {}).items()]


# --- the adapter ---------------------------------------------------------------------------
class ZendeskHelpdesk:
    """``Helpdesk`` backed by Zendesk through zenpy."""

    def __init__(self, client: Zenpy) -> None:
        self._z = client
        # Every zenpy Api object shares this one requests session; hook it once for all.
        hooks = client.users.session.hooks.setdefault("response", [])
        if _raise_on_429 not in hooks:
            hooks.append(_raise_on_429)

    @classmethod
    def connect(
        cls,
        *,
        subdomain: str,
        email: str | None = None,
        token: str | None = None,
        oauth_token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> ZendeskHelpdesk:
        """Build the adapter with an API token (email + token) or an OAuth token."""
        credentials: dict[str, Any]
        if oauth_token:
            credentials = {"oauth_token": oauth_token}
        elif email and token:
            credentials = {"email": email, "token": token}
        else:
            raise ConfigError(
                "Zendesk: set ZENDESK_EMAIL and ZENDESK_API_TOKEN, or ZENDESK_OAUTH_TOKEN"
            )
        client = Zenpy(
            subdomain=subdomain,
            timeout=timeout,
            ratelimit_budget=1,  # zenpy raises instead of sleeping if the hook is ever bypassed
            disable_cache=True,  # the worker and sync must see Zendesk as it is now
            **credentials,
        )
        return cls(client)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT
    ) -> ZendeskHelpdesk:
        """Build the adapter from the product's settings (ZENDESK_* variables)."""
        if not settings.zendesk_subdomain:
            raise ConfigError("ZENDESK_SUBDOMAIN: required to reach Zendesk")
        return cls.connect(
            subdomain=settings.zendesk_subdomain,
            email=settings.zendesk_email,
            token=settings.zendesk_api_token,
            oauth_token=settings.zendesk_oauth_token,
            timeout=timeout,
        )

    # --- low-level calls through zenpy's own client --------------------------------------
    def _url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        # zenpy's Url does not quote; quote here so cursors and brackets survive.
        quoted = {quote(str(k), safe=""): quote(str(v), safe="") for k, v in (params or {}).items()}
        return str(self._z.tickets._build_url(Url(path, params=quoted)))

    def _get_json(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = self._z.tickets._get(self._url(path, params), raw_response=True)
        return dict(response.json())

    def _send_json(self, method: str, path: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        api = self._z.tickets
        http_method = getattr(api.session, method)
        response = api._call_api(http_method, self._url(path), json=payload, timeout=api.timeout)
        return dict(response.json()) if response.content else {}

    # --- tickets ---------------------------------------------------------------------------
    def get_ticket(self, ticket_id: int) -> Ticket:
        """Return the ticket, read fresh (never from a cache)."""
        with _translated():
            return parse_ticket(self._z.tickets(id=ticket_id))

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
        """Add a comment, set custom fields and status in one PUT, then add/remove tags through
        the tags endpoint; other fields and other tags are kept.

        With ``updated_stamp`` (the ticket's ``updated_at`` as read) the PUT is a safe update:
        Zendesk refuses it with 409 ``UpdateConflict`` when the ticket changed since then
        (Tickets API, Update Ticket, "Protecting against ticket update collisions").
        """
        write: TicketWrite | None = None
        if comment is not None or custom_fields or status is not None:
            ticket = ZTicket(id=ticket_id)
            if updated_stamp is not None:
                # zenpy sends every attribute set on the object (its dirty attributes).
                ticket.safe_update = True
                ticket.updated_stamp = _iso(updated_stamp)
            if comment is not None:
                ticket.comment = _zcomment(comment)
            if custom_fields:
                ticket.custom_fields = _custom_fields(custom_fields)
            if status is not None:
                ticket.status = status
            with _translated():
                result = self._z.tickets.update(ticket)
                write = TicketWrite(
                    ticket=parse_ticket(result.ticket),
                    audit_id=_int(_dict(result.audit).get("id")),
                    comment_id=_comment_id_of(result.audit) if comment is not None else None,
                )
        # A single-ticket PUT replaces the whole tag list (additional_tags/remove_tags are for
        # update_many only), which would wipe tags agents and triggers set meanwhile: the tags
        # endpoint changes only the tags named.
        tags: tuple[str, ...] | None = None
        try:
            if add_tags:
                tags = self.add_tags(ticket_id, add_tags)
            if remove_tags:
                tags = self.remove_tags(ticket_id, remove_tags)
        except RateLimited as exc:
            if write is None:
                raise  # nothing written yet: a clean refusal
            # The PUT is applied; a 429 now is no clean refusal, and a retry must first look
            # for what was written (HelpdeskUnavailable makes the next attempt uncertain).
            raise HelpdeskUnavailable(
                f"ticket {ticket_id} updated but its tags were refused (429): {exc}"
            ) from exc
        if write is None:
            current = self.get_ticket(ticket_id) if tags is None else None
            base = current or Ticket(id=ticket_id, subject=None, description=None, status="",
                                     requester_id=None)  # fmt: skip
            return TicketWrite(ticket=replace(base, tags=tags or base.tags), audit_id=None)
        if tags is not None:
            write = replace(write, ticket=replace(write.ticket, tags=tags))
        return write

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
        who = {k: v for k, v in vars(requester).items() if v is not None}
        ticket = ZTicket(subject=subject, requester=ZUser(**who), comment=_zcomment(comment))
        if tags:
            ticket.tags = list(tags)
        if custom_fields:
            ticket.custom_fields = _custom_fields(custom_fields)
        if external_id:
            ticket.external_id = external_id
        with _translated():
            result = self._z.tickets.create(ticket)
            return TicketWrite(
                ticket=parse_ticket(result.ticket),
                audit_id=_int(_dict(result.audit).get("id")),
                comment_id=_comment_id_of(result.audit),
            )

    def find_tickets_by_external_id(self, external_id: str) -> list[Ticket]:
        """Return the tickets whose external id is ``external_id`` (none, one, or several)."""
        found: list[Ticket] = []
        params: dict[str, Any] = {"external_id": external_id, "per_page": 100}
        with _translated():
            body = self._get_json("tickets.json", params)
            found.extend(parse_ticket(t) for t in body.get("tickets") or ())
            # Offset paging: follow next_page (absolute) while Zendesk gives one.
            while body.get("next_page"):
                response = self._z.tickets._get(str(body["next_page"]), raw_response=True)
                body = dict(response.json())
                found.extend(parse_ticket(t) for t in body.get("tickets") or ())
        return found

    def set_tags(self, ticket_id: int, tags: Sequence[str]) -> tuple[str, ...]:
        """Replace the ticket's tags; return them as stored."""
        with _translated():
            return tuple(self._z.tickets.set_tags(ticket_id, list(tags)))

    def add_tags(self, ticket_id: int, tags: Sequence[str]) -> tuple[str, ...]:
        """Add tags to the ticket; return all its tags."""
        with _translated():
            return tuple(self._z.tickets.add_tags(ticket_id, list(tags)))

    def remove_tags(self, ticket_id: int, tags: Sequence[str]) -> tuple[str, ...]:
        """Remove tags from the ticket; return the tags left."""
        # Remove Tags takes the tags as a comma-separated query parameter (zenpy's delete_tags
        # sends a body the API description does not document).
        api = self._z.tickets
        url = self._url(f"tickets/{int(ticket_id)}/tags.json", {"tags": ",".join(tags)})
        with _translated():
            response = api._call_api(api.session.delete, url, timeout=api.timeout)
            return tuple(dict(response.json()).get("tags") or ())

    def list_comments(self, ticket_id: int) -> list[Comment]:
        """Return every comment of the ticket, oldest first (all pages)."""
        with _translated():
            # zenpy follows links.next while meta.has_more; iterate inside the translation.
            return [parse_comment(c, ticket_id) for c in self._z.tickets.comments(ticket_id)]

    def find_comment(self, ticket_id: int, marker: str) -> Comment | None:
        """Return the first comment whose body contains ``marker``, or None."""
        for comment in self.list_comments(ticket_id):
            if marker in comment.body or marker in (comment.html_body or ""):
                return comment
        return None

    # --- users and fields ------------------------------------------------------------------
    def get_users(self, user_ids: Sequence[int]) -> list[User]:
        """Return the users with these ids (unknown ids are left out)."""
        ids = list(dict.fromkeys(int(i) for i in user_ids))
        users: list[User] = []
        with _translated():
            for start in range(0, len(ids), _USERS_PER_CALL):
                chunk = ids[start : start + _USERS_PER_CALL]
                users.extend(parse_user(u) for u in self._z.users(ids=chunk))
        return users

    def me(self) -> User:
        """Return the user the credentials belong to (checks the credentials)."""
        with _translated():
            return parse_user(self._z.users.me())

    def list_ticket_fields(self) -> list[TicketField]:
        """Return every ticket field, system and custom."""
        with _translated():
            return [parse_ticket_field(f) for f in self._z.ticket_fields()]

    def create_ticket_field(self, new: NewTicketField) -> TicketField:
        """Create a custom ticket field."""
        field = ZTicketField(type=new.type, title=new.title)
        if new.description:
            field.description = new.description
        if new.tag:
            field.tag = new.tag
        if new.options:
            field.custom_field_options = [{"name": o.name, "value": o.value} for o in new.options]
        with _translated():
            return parse_ticket_field(self._z.ticket_fields.create(field))

    # --- ratings and metrics ---------------------------------------------------------------
    def satisfaction_ratings(
        self, since: datetime, *, cursor: str | None = None, page_size: int = 100
    ) -> Page[SatisfactionRating]:
        """Return one page of ratings created at or after ``since``."""
        params: dict[str, Any] = {"start_time": _ts(since), "page[size]": page_size}
        if cursor:
            params["page[after]"] = cursor
        with _translated():
            body = self._get_json("satisfaction_ratings.json", params)
            return _page(body, "satisfaction_ratings", parse_rating)

    def ticket_metric(self, ticket_id: int) -> TicketMetric:
        """Return the metrics of one ticket."""
        with _translated():
            return parse_metric(self._z.tickets.metrics(ticket_id))

    def ticket_metrics(
        self, *, cursor: str | None = None, page_size: int = 100
    ) -> Page[TicketMetric]:
        """Return one page of every ticket's metrics."""
        params: dict[str, Any] = {"page[size]": page_size}
        if cursor:
            params["page[after]"] = cursor
        with _translated():
            body = self._get_json("ticket_metrics.json", params)
            return _page(body, "ticket_metrics", parse_metric)

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
        params: dict[str, Any]
        if cursor:
            params = {"cursor": cursor}
        elif start_time is not None:
            params = {"start_time": _ts(start_time)}
        else:
            raise ValueError("export_tickets needs start_time or cursor")
        if page_size is not None:
            params["per_page"] = page_size  # Zendesk's default and maximum is 1000
        if sideload:
            params["include"] = ",".join(sideload)
        with _translated():
            body = self._get_json("incremental/tickets/cursor.json", params)
            return TicketExportPage(
                tickets=tuple(parse_ticket(t) for t in body.get("tickets") or ()),
                cursor=body.get("after_cursor") or cursor,
                end_of_stream=bool(body.get("end_of_stream")),
                metrics=tuple(parse_metric(m) for m in body.get("metric_sets") or ()),
                users=tuple(parse_user(u) for u in body.get("users") or ()),
            )

    def export_ticket_events(
        self, start_time: datetime, *, page_size: int | None = None
    ) -> TicketEventPage:
        """Return one page of ticket events since ``start_time``, with their comments."""
        params: dict[str, Any] = {"start_time": _ts(start_time), "include": "comment_events"}
        if page_size is not None:
            params["per_page"] = page_size
        with _translated():
            body = self._get_json("incremental/ticket_events.json", params)
            return TicketEventPage(
                events=tuple(parse_ticket_event(e) for e in body.get("ticket_events") or ()),
                end_time=_time(body.get("end_time")),
                end_of_stream=bool(body.get("end_of_stream")),
            )

    def import_ticket(self, ticket: ImportTicket) -> Ticket:
        """Import one ticket with its historical timestamps and comments."""
        with _translated():
            return parse_ticket(self._z.ticket_import.create(_zimport(ticket)))

    def import_tickets(self, tickets: Sequence[ImportTicket]) -> JobStatus:
        """Import up to 100 tickets in one background job."""
        if not 1 <= len(tickets) <= 100:
            raise ValueError("import_tickets takes 1 to 100 tickets per job")
        with _translated():
            return parse_job(self._z.ticket_import.create([_zimport(t) for t in tickets]))

    def job_status(self, job_id: str) -> JobStatus:
        """Return the current state of a background job."""
        with _translated():
            return parse_job(self._z.job_status(id=job_id))

    # --- webhooks and triggers -------------------------------------------------------------
    def create_webhook(
        self,
        *,
        name: str,
        endpoint: str,
        subscriptions: Sequence[str] = ("conditional_ticket_events",),
    ) -> Webhook:
        """Create an active JSON POST webhook (subscribe to zen:event-type:... or trigger events)."""
        hook = ZWebhook(
            name=name,
            endpoint=endpoint,
            http_method="POST",
            request_format="json",
            status="active",
            subscriptions=list(subscriptions),
        )
        with _translated():
            return parse_webhook(self._z.webhooks.create(hook))

    def list_webhooks(self, name_contains: str | None = None) -> list[Webhook]:
        """Return the account's webhooks (those whose name contains ``name_contains``)."""
        params: dict[str, Any] = {"page[size]": 100}
        if name_contains:
            params["filter[name_contains]"] = name_contains
        return [parse_webhook(w) for w in self._all_pages("webhooks", "webhooks", params)]

    def list_triggers(self) -> list[Trigger]:
        """Return the account's triggers (all pages)."""
        params = {"page[size]": 100}
        return [parse_trigger(t) for t in self._all_pages("triggers.json", "triggers", params)]

    def _all_pages(self, path: str, key: str, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """Read every page of a cursor-paged list (``meta.has_more``, ``meta.after_cursor``)."""
        items: list[Mapping[str, Any]] = []
        query = dict(params)
        with _translated():
            while True:
                body = self._get_json(path, query)
                items.extend(body.get(key) or ())
                meta = body.get("meta") or {}
                if not meta.get("has_more") or not meta.get("after_cursor"):
                    return items
                query["page[after]"] = meta["after_cursor"]

    def webhook_signing_secret(self, webhook_id: str) -> str:
        """Return the secret the webhook signs its requests with."""
        with _translated():
            body = self._get_json(f"webhooks/{quote(webhook_id, safe='')}/signing_secret")
            return str(body["signing_secret"]["secret"])

    def create_trigger(
        self,
        *,
        title: str,
        conditions: Mapping[str, Any],
        actions: Sequence[Mapping[str, Any]],
    ) -> Trigger:
        """Create a trigger; ``conditions`` is ``{"all": [...], "any": [...]}`` as in Zendesk."""
        trigger = ZTrigger(
            title=title, conditions=json.loads(json.dumps(dict(conditions))), actions=list(actions)
        )
        with _translated():
            return parse_trigger(self._z.triggers.create(trigger))


def _zcomment(comment: NewComment) -> ZComment:
    z = ZComment(body=comment.body, public=comment.public)
    if comment.author_id is not None:
        z.author_id = comment.author_id
    return z


def _zimport(ticket: ImportTicket) -> ZTicket:
    z = ZTicket(
        requester_id=ticket.requester_id,
        subject=ticket.subject,
        status=ticket.status,
        created_at=_iso(ticket.created_at),
        comments=[
            {
                "author_id": c.author_id,
                "value": c.body,
                "public": c.public,
                "created_at": _iso(c.created_at),
            }
            for c in ticket.comments
        ],
    )
    optional = {
        "updated_at": _iso(ticket.updated_at) if ticket.updated_at else None,
        "solved_at": _iso(ticket.solved_at) if ticket.solved_at else None,
        "assignee_id": ticket.assignee_id,
        "submitter_id": ticket.submitter_id,
        "external_id": ticket.external_id,
        "tags": list(ticket.tags) or None,
        "custom_fields": _custom_fields(ticket.custom_fields) or None,
    }
    for name, value in optional.items():
        if value is not None:
            setattr(z, name, value)
    return z


def _page(body: Mapping[str, Any], key: str, parse: Any) -> Page[Any]:
    meta = body.get("meta") or {}
    has_more = bool(meta.get("has_more"))
    return Page(
        items=tuple(parse(item) for item in body.get(key) or ()),
        after_cursor=meta.get("after_cursor") if has_more else None,
        has_more=has_more,
    )
