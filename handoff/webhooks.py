"""Zendesk webhooks in: verify the signature, refuse stale and replayed requests, store, then process.

A request is accepted only when ``X-Zendesk-Webhook-Signature`` equals
base64(HMAC-SHA256(secret, timestamp + body)) for one of our secrets (compared in constant
time), its timestamp is within the allowed skew, and the same signed request was not seen
before. Accepted events are stored raw in ``webhook_events`` (a retried event, same ``id``, is
stored once) and processed after the commit; an event whose processing fails stays pending for
the worker, so none is lost.

Bodies understood:

- event subscriptions (``zen:event-type:ticket.comment_added``, ``.status_changed``,
  ``.custom_field_changed``): Zendesk's envelope ``{"id", "type", "time", "subject",
  "detail": {ticket}, "event": {...}}``;
- trigger-connected webhooks, in this form (the admin writes it; placeholders are Zendesk's)::

    {"type": "trigger:ticket.updated", "ticket_id": "{{ticket.id}}",
     "status": "{{ticket.status}}", "updated_at": "{{ticket.updated_at_with_timestamp}}",
     "actor_id": "{{current_user.id}}", "reask": "{{ticket.ticket_field_<reask field id>}}"}

  such a body has no event id, so its digest stands in for one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff import jsonguard
from handoff.delivery import mirror
from handoff.delivery.objects import field_ids
from handoff.detection.store import recompute_ticket
from handoff.errors import HandoffError
from handoff.flags import record_flag_from_helpdesk
from handoff.models.delivery_state import (
    INBOX_FAILED,
    INBOX_PENDING,
    INBOX_PROCESSED,
    SeenSignature,
    WebhookEvent,
)

log = logging.getLogger("handoff.webhooks")

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
TICKET_CREATED = "zen:event-type:ticket.created"
COMMENT_ADDED = "zen:event-type:ticket.comment_added"
STATUS_CHANGED = "zen:event-type:ticket.status_changed"
FIELD_CHANGED = "zen:event-type:ticket.custom_field_changed"
TRIGGER_UPDATED = "trigger:ticket.updated"
MAX_PROCESS_ATTEMPTS = 5
_TRUE = {"true", "1", "yes", "on", "checked"}


class WebhookRefused(HandoffError):
    """The request is not signed by Zendesk with our secret."""

    status = 401
    code = "webhook_signature_invalid"


class WebhookStale(WebhookRefused):
    """The signed timestamp is too far from our clock."""

    code = "webhook_stale"


class WebhookReplayed(HandoffError):
    """This exact signed request was received before."""

    status = 409
    code = "webhook_replayed"


class WebhookMalformed(HandoffError):
    """The signed body is not a JSON object we can store."""

    status = 400
    code = "webhook_malformed"


class WebhookNotConfigured(HandoffError):
    """No signing secret is known yet (run ``handoff zendesk setup``)."""

    status = 503
    code = "webhook_not_configured"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return Zendesk's signature of a request: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + body, hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")


def verify(
    secrets: Iterable[str],
    *,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: datetime,
    max_skew: timedelta,
) -> datetime:
    """Check the signature against each secret in constant time, then the timestamp; return it."""
    if not timestamp or not signature:
        raise WebhookRefused("the request is not signed")
    candidates = [s for s in secrets if s]
    if not candidates:
        raise WebhookNotConfigured("no webhook signing secret is configured")
    given = signature.strip().encode("ascii", "replace")
    matches = [
        hmac.compare_digest(sign(s, timestamp, body).encode("ascii"), given) for s in candidates
    ]
    if not any(matches):
        raise WebhookRefused("the signature does not match")
    signed_at = mirror.parse_time(timestamp)
    if signed_at is None:
        raise WebhookRefused("the signature timestamp is not a time")
    if abs(now - signed_at) > max_skew:
        raise WebhookStale(
            f"the signature timestamp is {abs(now - signed_at).total_seconds():.0f}s from now"
        )
    return signed_at


@dataclass(frozen=True)
class Received:
    """The stored event and whether it had been stored before (a retry)."""

    event: WebhookEvent
    duplicate: bool


def _ticket_id_of(document: Mapping[str, Any]) -> int | None:
    """Return the ticket an event is about; refuse one named by a value that is no 64-bit id."""
    detail = document.get("detail")
    subject = str(document.get("subject") or "")
    if isinstance(detail, Mapping) and detail.get("id") not in (None, ""):
        raw: Any = detail.get("id")
    elif subject.startswith("zen:ticket:"):
        raw = subject.rsplit(":", 1)[1]
    else:
        raw = document.get("ticket_id")
    if raw is None or raw == "":
        return None
    ticket_id = mirror.as_int(raw)
    if ticket_id is None or ticket_id < 1:
        shown = str(raw)[:40]
        raise WebhookMalformed(
            f"the ticket id {shown!r} is not a ticket id (a positive 64-bit integer)",
            details=[{"path": "$.ticket_id", "message": f"not a ticket id: {shown!r}"}],
        )
    return ticket_id


def receive(
    session: Session,
    *,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    secrets: Iterable[str],
    now: datetime,
    max_skew: timedelta = timedelta(minutes=5),
    limits: jsonguard.Limits = jsonguard.DEFAULT_LIMITS,
) -> Received:
    """Verify and store one webhook request; flush, the caller commits.

    The body is read by the same strict guard as the API's (depth, numbers, UTF-8, NUL), so an
    event that is stored can always be processed and served.
    """
    signed_at = verify(
        secrets, timestamp=timestamp, signature=signature, body=body, now=now, max_skew=max_skew
    )
    digest = hashlib.sha256(f"{timestamp}\n{signature}".encode()).hexdigest()
    # Signatures older than the window can never be accepted again; forget them.
    session.execute(sa.delete(SeenSignature).where(SeenSignature.received_at < now - 2 * max_skew))
    try:
        with session.begin_nested():
            session.add(SeenSignature(digest=digest, received_at=now))
            session.flush()
    except IntegrityError:
        raise WebhookReplayed("this signed request was already received") from None
    document = jsonguard.parse(body, limits)
    if not isinstance(document, dict):
        raise WebhookMalformed("the body is not a JSON object")
    raw_id = document.get("id")
    event_id = (
        f"event:{raw_id}"[:200]
        if isinstance(raw_id, str | int) and str(raw_id)
        else f"body:{hashlib.sha256(body).hexdigest()}"
    )
    existing = session.scalar(sa.select(WebhookEvent).where(WebhookEvent.event_id == event_id))
    if existing is not None:
        return Received(existing, duplicate=True)
    event = WebhookEvent(
        event_id=event_id,
        event_type=str(document.get("type") or "unknown")[:120],
        ticket_id=_ticket_id_of(document),
        body=body.decode("utf-8"),
        signed_at=signed_at,
        received_at=now,
        status=INBOX_PENDING,
        attempts=0,
    )
    try:
        with session.begin_nested():
            session.add(event)
            session.flush()
    except IntegrityError:
        # Zendesk retried while the first delivery was still in flight.
        existing = session.scalar(sa.select(WebhookEvent).where(WebhookEvent.event_id == event_id))
        assert existing is not None
        return Received(existing, duplicate=True)
    log.info(
        "webhook stored id=%s event_id=%s type=%s ticket_id=%s",
        event.id,
        event.event_id,
        event.event_type,
        event.ticket_id,
    )
    return Received(event, duplicate=False)


# --- processing ---------------------------------------------------------------------------------


def _ticket_values(detail: Mapping[str, Any]) -> dict[str, Any]:
    """Map the ticket in an event's ``detail`` to hd_tickets columns (only what it carries)."""
    values: dict[str, Any] = {}
    for name in ("subject", "status"):
        if detail.get(name):
            values[name] = str(detail[name]).lower() if name == "status" else detail[name]
    for name in ("requester_id", "assignee_id", "organization_id", "group_id"):
        if name in detail:
            values[name] = mirror.as_int(detail.get(name))
    via = detail.get("via")
    if isinstance(via, Mapping) and via.get("channel"):
        values["channel"] = str(via["channel"])[:40]
    if isinstance(detail.get("tags"), list):
        values["tags"] = [str(t) for t in detail["tags"]]
    for name in ("created_at", "updated_at"):
        parsed = mirror.parse_time(detail.get(name))
        if parsed is not None:
            values[name] = parsed
    return values


def _recompute(session: Session, ticket_id: int, now: datetime) -> None:
    recompute_ticket(session, ticket_id, now)


def _on_comment_added(
    session: Session, doc: Mapping[str, Any], ticket_id: int, now: datetime
) -> None:
    event = doc.get("event") or {}
    comment = event.get("comment") or {}
    comment_id = mirror.as_int(comment.get("id"))
    if comment_id is None:
        raise WebhookMalformed("comment_added without a comment id")
    author = comment.get("author") or {}
    author_id = mirror.as_int(author.get("id"))
    role: str | None = None
    if author_id is not None:
        staff = author.get("is_staff")
        user = mirror.upsert_user(
            session,
            author_id,
            name=author.get("name") or None,
            staff=bool(staff) if staff is not None else None,
        )
        role = user.role
    at = mirror.parse_time(doc.get("time")) or now
    detail = doc.get("detail") or {}
    mirror.upsert_ticket(session, ticket_id, _ticket_values(detail), seen_at=at)
    _, new = mirror.upsert_comment(
        session,
        comment_id,
        ticket_id=ticket_id,
        author_id=author_id,
        author_role=role,
        public=bool(comment.get("is_public", comment.get("public", True))),
        body=str(comment.get("body") or ""),
        created_at=at,
    )
    if new:
        _recompute(session, ticket_id, now)


def _on_ticket_created(
    session: Session, doc: Mapping[str, Any], ticket_id: int, now: datetime
) -> None:
    at = mirror.parse_time(doc.get("time")) or now
    mirror.upsert_ticket(session, ticket_id, _ticket_values(doc.get("detail") or {}), seen_at=at)


def _on_status_changed(
    session: Session, doc: Mapping[str, Any], ticket_id: int, now: datetime
) -> None:
    event = doc.get("event") or {}
    detail = doc.get("detail") or {}
    status = event.get("current") or detail.get("status")
    if not status:
        raise WebhookMalformed("status_changed without a status")
    at = mirror.parse_time(doc.get("time")) or now
    mirror.upsert_ticket(session, ticket_id, _ticket_values(detail), seen_at=at)
    mirror.set_ticket_status(session, ticket_id, str(status).lower(), at=at)


def field_event_value(raw: Any) -> Any:
    """Return the value of a custom_field_changed ``current``/``previous``: real payloads wrap it
    in an object ``{"value", "id", "relationship_target"}``; a bare value is accepted too."""
    if isinstance(raw, Mapping):
        return raw.get("value")
    return raw


def checkbox_value(value: Any) -> bool:
    """Read a checkbox value however Zendesk spells it (true, "true", "1", null...)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE if value is not None else False


def _apply_reask(
    session: Session, ticket_id: int, value: Any, agent_id: int | None, now: datetime
) -> None:
    record_flag_from_helpdesk(
        session, ticket_id=ticket_id, value=checkbox_value(value), agent_id=agent_id, now=now
    )


def _on_field_changed(
    session: Session, doc: Mapping[str, Any], ticket_id: int, now: datetime
) -> None:
    event = doc.get("event") or {}
    detail = doc.get("detail") or {}
    field = event.get("custom_field") or event.get("field") or {}
    field_id = mirror.as_int(field.get("id") if isinstance(field, Mapping) else field)
    field_id = field_id if field_id is not None else mirror.as_int(event.get("field_id"))
    if field_id is None:
        raise WebhookMalformed("custom_field_changed without a field id")
    at = mirror.parse_time(doc.get("time")) or now
    current = field_event_value(event.get("current"))
    mirror.upsert_ticket(session, ticket_id, _ticket_values(detail), seen_at=at)
    mirror.set_custom_field(session, ticket_id, field_id, current)
    if field_id == field_ids(session).get("reask"):
        agent = mirror.as_int(
            detail.get("actor_id") or event.get("actor_id") or doc.get("actor_id")
        )
        _apply_reask(session, ticket_id, current, agent, now)


def _on_trigger(session: Session, doc: Mapping[str, Any], ticket_id: int, now: datetime) -> None:
    at = mirror.parse_time(doc.get("updated_at")) or now
    if doc.get("status"):
        mirror.set_ticket_status(session, ticket_id, str(doc["status"]).lower(), at=at)
    if "reask" in doc:
        reask_id = field_ids(session).get("reask")
        if reask_id is not None:
            mirror.set_custom_field(session, ticket_id, reask_id, checkbox_value(doc["reask"]))
        _apply_reask(session, ticket_id, doc["reask"], mirror.as_int(doc.get("actor_id")), now)


PROCESSORS: dict[str, Callable[[Session, Mapping[str, Any], int, datetime], None]] = {
    TICKET_CREATED: _on_ticket_created,
    COMMENT_ADDED: _on_comment_added,
    STATUS_CHANGED: _on_status_changed,
    FIELD_CHANGED: _on_field_changed,
    TRIGGER_UPDATED: _on_trigger,
}


def process_event(session: Session, event: WebhookEvent, now: datetime) -> str:
    """Apply one stored event to the mirror (and flags, and detection); flush, the caller commits.

    Returns the new status: processed (also for types we do not use) or raises to retry.
    """
    document = json.loads(event.body)
    handler = PROCESSORS.get(event.event_type)
    if handler is not None:
        if event.ticket_id is None:
            raise WebhookMalformed(f"{event.event_type} without a ticket id")
        handler(session, document, event.ticket_id, now)
    event.status = INBOX_PROCESSED
    event.processed_at = now
    event.attempts += 1
    event.last_error = None
    session.flush()
    return event.status


def process_safely(
    sessions: Callable[[], Session],
    event_id: int,
    now: datetime,
    *,
    max_attempts: int = MAX_PROCESS_ATTEMPTS,
) -> str:
    """Process one stored event in its own transaction; on failure record it and leave it pending."""
    with sessions() as session:
        event = session.get(WebhookEvent, event_id)
        if event is None or event.status != INBOX_PENDING:
            return "skipped"
        try:
            status = process_event(session, event, now)
            session.commit()
            log.info(
                "webhook processed id=%s type=%s ticket_id=%s",
                event.id,
                event.event_type,
                event.ticket_id,
            )
            return status
        except Exception as exc:  # noqa: BLE001 - recorded and retried by the worker, never lost
            session.rollback()
            event = session.get(WebhookEvent, event_id, populate_existing=True)
            assert event is not None
            event.attempts += 1
            event.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if event.attempts >= max_attempts:
                event.status = INBOX_FAILED
            session.commit()
            log.warning(
                "webhook processing failed id=%s type=%s attempts=%s error=%s",
                event.id,
                event.event_type,
                event.attempts,
                type(exc).__name__,
            )
            return event.status


def process_pending(
    sessions: Callable[[], Session],
    now: datetime,
    *,
    older_than: timedelta = timedelta(0),
    limit: int = 200,
) -> int:
    """Process pending inbox events received before ``now - older_than``, oldest first; return how many."""
    with sessions() as session:
        ids = list(
            session.scalars(
                sa.select(WebhookEvent.id)
                .where(
                    WebhookEvent.status == INBOX_PENDING,
                    WebhookEvent.received_at <= now - older_than,
                )
                .order_by(WebhookEvent.id)
                .limit(limit)
            )
        )
    for event_id in ids:
        process_safely(sessions, event_id, now)
    return len(ids)


def inbox_counts(session: Session) -> dict[str, int]:
    """Count inbox events by status."""
    counts = {INBOX_PENDING: 0, INBOX_PROCESSED: 0, INBOX_FAILED: 0}
    for status, count in session.execute(
        sa.select(WebhookEvent.status, sa.func.count()).group_by(WebhookEvent.status)
    ):
        counts[status] = int(count)
    return counts


def utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
