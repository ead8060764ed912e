"""How each kind of outbox item is written to the helpdesk: a small registry keyed by ``kind``.

A handler gets the item and a ``DeliveryContext`` and returns what it did (stored as the item's
``result``). It raises the helpdesk's errors unchanged; the worker decides on retries. Every
write that adds a comment carries a marker, and when ``ctx.uncertain`` is set (an earlier
attempt may have reached Zendesk: a timeout, a 5xx, a worker killed mid-call) the handler
looks for the marker before writing again. A marker counts only where content cannot put it:
the last line of a comment written by our own API user (free text in our notes is escaped so it
can never end a note with a marker, and a customer's or an agent's comment has another author).
Right before each write the handler calls ``ctx.hold()``, which proves the worker still holds
the item's lease (and extends it), so a worker that was too slow never writes after another
took the item over. A lease cannot fence a request already in flight, so every marked comment
(packet note, public comment) is also sent as a Zendesk safe update (``updated_stamp``): a write
that lands late is refused with 409.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.delivery.note import packet_marker, packet_tags, render_note, subject_for
from handoff.delivery.objects import REASK_TAG
from handoff.errors import HandoffError
from handoff.models import BotConversation
from handoff.models.delivery import OutboxItem
from handoff.packets import get_packet
from handoff.policy.checks import check_conversation, check_packet
from handoff.ticketing.base import Helpdesk, NewComment, Requester
from handoff.ticketing.errors import UpdateConflict

ArchetypeOf = Callable[[str], "str | None"]


def no_archetype(intent: str) -> str | None:
    """Know no archetype (the default until a product configuration says otherwise)."""
    return None


class PermanentDeliveryError(HandoffError):
    """The item cannot be delivered as it stands (bad payload, missing packet): do not retry."""

    code = "delivery_permanent"


@dataclass
class DeliveryContext:
    """What a handler may use: the session, the helpdesk, the clock's now and setup's field ids."""

    session: Session
    helpdesk: Helpdesk
    now: datetime
    fields: dict[str, int]
    archetype_of: ArchetypeOf = no_archetype
    uncertain: bool = False
    notes: dict[str, Any] = field(default_factory=dict)
    # Called right before each write: raises LeaseLost when another worker took the item.
    hold: Callable[[], None] = lambda: None
    # The same proof before a write to our own database only (a policy check): it does not wait
    # out a pause Zendesk imposed on the helpdesk calls.
    hold_local: Callable[[], None] = lambda: None
    # Our API user's id (whose comments alone can carry a marker); None when it cannot be known.
    author_id: Callable[[], int | None] = lambda: None


class LeaseLost(HandoffError):
    """The worker no longer holds the item's lease: another worker owns it now; do not write."""

    code = "lease_lost"


def find_marked(ctx: DeliveryContext, ticket_id: int, marker: str) -> Any | None:
    """Return our comment on the ticket that ends with ``marker``, or None.

    Only a comment by our API user whose last non-blank line is exactly the marker counts: a
    customer quoting the marker, an agent pasting it, or another note quoting it in its text
    (escaped there, and never on its last line) cannot make a write look done.
    """
    ours = ctx.author_id()
    for comment in ctx.helpdesk.list_comments(ticket_id):
        lines = [line.strip() for line in (comment.body or "").splitlines() if line.strip()]
        if not lines or lines[-1] != marker:
            continue
        if ours is not None and comment.author_id != ours:
            continue
        return comment
    return None


Handler = Callable[[DeliveryContext, OutboxItem], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}
# Kinds whose handler writes only to our own database: Zendesk's pacing and pauses do not apply,
# and a worker runs them first in its batch so they never wait behind paced notes.
LOCAL_KINDS = frozenset({"policy_check"})


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Register a handler for outbox items of ``kind``."""

    def register(handler: Handler) -> Handler:
        HANDLERS[kind] = handler
        return handler

    return register


def handler_for(kind: str) -> Handler:
    """Return the handler of ``kind``; an unknown kind is a permanent failure."""
    try:
        return HANDLERS[kind]
    except KeyError:
        raise PermanentDeliveryError(f"no handler for outbox kind {kind!r}") from None


def _payload(item: OutboxItem, name: str) -> Any:
    if name not in item.payload:
        raise PermanentDeliveryError(f"payload of {item.kind} lacks {name!r}")
    return item.payload[name]


def _fields_of_packet(ctx: DeliveryContext, packet: Any) -> dict[int, Any]:
    """Map our custom field ids to the packet's values (fields setup has not made are skipped)."""
    values = {
        "intent": packet.intent,
        "archetype": ctx.archetype_of(packet.intent),
        "escalation_reason": packet.escalation_reason,
        "completeness": round(packet.completeness * 100),
    }
    return {ctx.fields[k]: v for k, v in values.items() if k in ctx.fields and v is not None}


@handles("packet_note")
def deliver_packet_note(ctx: DeliveryContext, item: OutboxItem) -> dict[str, Any]:
    """Write the packet onto its ticket as one internal note with tags and fields, or open the ticket."""
    packet = get_packet(ctx.session, str(_payload(item, "packet_id")), missing_ok=True)
    if packet is None:
        raise PermanentDeliveryError(f"packet {item.payload['packet_id']} no longer exists")
    marker = packet_marker(packet.packet_id)
    archetype = ctx.archetype_of(packet.intent)
    note = render_note(
        packet.body,
        completeness=packet.completeness,
        missing=list(packet.missing_fields),
        archetype=archetype,
    )
    tags = packet_tags(packet.body)
    custom = _fields_of_packet(ctx, packet)
    if packet.ticket_id is None:
        return _create_ticket(ctx, item, packet, note=note, tags=tags, custom=custom)
    ticket_id = int(packet.ticket_id)
    comment = NewComment(body=note, public=False)
    return _write_fenced(ctx, ticket_id, marker, comment, tags=tags, custom=custom)


# A 409 on a safe update means the ticket moved since it was read (our own late write, another
# worker's, an agent's edit): re-read and re-check this many times before backing off normally.
CONFLICT_RETRIES = 3


def _write_fenced(
    ctx: DeliveryContext,
    ticket_id: int,
    marker: str,
    comment: NewComment,
    *,
    tags: list[str] | None = None,
    custom: dict[int, Any] | None = None,
) -> dict[str, Any]:
    """Add a marked comment as a safe update stamped with the ticket's ``updated_at`` as read.

    The stamp is read before the marker is looked for, so a write that lands after the look
    (a slower worker's, whose lease ran out while its request was in flight) moves
    ``updated_at`` and our PUT is refused with ``UpdateConflict`` instead of writing twice.
    The marker is looked for on uncertain attempts and after every conflict; a first attempt
    needs no look, as no other worker ever held the item.
    """
    look = ctx.uncertain
    for _ in range(CONFLICT_RETRIES + 1):
        stamp = ctx.helpdesk.get_ticket(ticket_id).updated_at
        if look:
            found = find_marked(ctx, ticket_id, marker)
            if found is not None:
                # The comment and its fields (same PUT) are there; the tags are a second call
                # that may not have run. Adding a tag twice changes nothing, so add them again.
                if tags:
                    ctx.helpdesk.add_tags(ticket_id, tags)
                return {"ticket_id": ticket_id, "comment_id": found.id, "already_there": True}
        # The comment and fields go in one PUT; the adapter adds the tags through the tags
        # endpoint, which keeps the tags agents and triggers set (a single-ticket PUT replaces
        # the list).
        ctx.hold()
        try:
            write = ctx.helpdesk.update_ticket(
                ticket_id,
                comment=comment,
                add_tags=tags or (),
                custom_fields=custom or None,
                updated_stamp=stamp,
            )
        except UpdateConflict:
            look = True
            continue
        return {"ticket_id": ticket_id, "comment_id": write.comment_id, "audit_id": write.audit_id}
    raise UpdateConflict(
        f"ticket {ticket_id} kept changing across {CONFLICT_RETRIES + 1} safe updates",
        http_status=409,
        error="UpdateConflict",
    )


def external_id_for(packet_id: str) -> str:
    """Return the external id of a ticket opened for a packet (finds it again after a timeout)."""
    return f"handoff-packet-{packet_id}"


def _find_ticket_for(ctx: DeliveryContext, external_id: str) -> int | None:
    """Return the id of the ticket an earlier attempt opened (the first, if several), or None."""
    found = ctx.helpdesk.find_tickets_by_external_id(external_id)
    return min((int(t.id) for t in found), default=None)


def _create_ticket(
    ctx: DeliveryContext,
    item: OutboxItem,
    packet: Any,
    *,
    note: str,
    tags: list[str],
    custom: dict[int, Any],
) -> dict[str, Any]:
    requester = packet.body.get("requester") or {}
    if not requester:
        raise PermanentDeliveryError(
            f"packet {packet.packet_id} has neither ticket_id nor requester"
        )
    external_id = external_id_for(packet.packet_id)
    ticket_id = _find_ticket_for(ctx, external_id) if ctx.uncertain else None
    result: dict[str, Any]
    if ticket_id is not None:
        result = {"ticket_id": ticket_id, "created": False, "already_there": True}
    else:
        ctx.hold()
        write = ctx.helpdesk.create_ticket(
            Requester(
                email=requester.get("email"),
                name=requester.get("name"),
                external_id=requester.get("external_id"),
            ),
            subject=subject_for(packet.body),
            comment=NewComment(body=note, public=False),
            tags=tags,
            custom_fields=custom or None,
            external_id=external_id,
        )
        ticket_id = write.ticket.id
        result = {"ticket_id": ticket_id, "created": True, "audit_id": write.audit_id}
    packet.ticket_id = ticket_id
    item.ticket_id = ticket_id
    ctx.session.flush()
    return result


@handles("reask_flag")
def deliver_reask_flag(ctx: DeliveryContext, item: OutboxItem) -> dict[str, Any]:
    """Mirror the agent's "had to re-ask" flag onto the ticket's checkbox field and tag."""
    ticket_id = int(_payload(item, "ticket_id"))
    value = bool(_payload(item, "value"))
    field_id = ctx.fields.get("reask")
    custom = {field_id: value} if field_id is not None else None
    # Setting the same value twice is harmless, so no marker is needed here.
    ctx.hold()
    write = ctx.helpdesk.update_ticket(
        ticket_id,
        add_tags=[REASK_TAG] if value else [],
        remove_tags=[] if value else [REASK_TAG],
        custom_fields=custom,
    )
    return {"ticket_id": ticket_id, "value": value, "audit_id": write.audit_id}


@handles("public_comment")
def deliver_public_comment(ctx: DeliveryContext, item: OutboxItem) -> dict[str, Any]:
    """Add a public comment once; its marker is appended when the body lacks it."""
    ticket_id = int(_payload(item, "ticket_id"))
    body = str(_payload(item, "body"))
    marker = str(_payload(item, "marker"))
    if not marker.strip():
        raise PermanentDeliveryError("public_comment needs a non-empty marker")
    if not body.rstrip().endswith(marker):
        # The marker counts only on the last line (see find_marked).
        body = f"{body.rstrip()}\n\n{marker}"
    return _write_fenced(ctx, ticket_id, marker, NewComment(body=body, public=True))


@handles("policy_check")
def run_policy_check(ctx: DeliveryContext, item: OutboxItem) -> dict[str, Any]:
    """Check a stored packet or conversation against the policy golden set (rerunning replaces its results)."""
    source, source_id = str(_payload(item, "source")), str(_payload(item, "id"))
    if source == "packet":
        packet = get_packet(ctx.session, source_id, missing_ok=True)
        if packet is None:
            raise PermanentDeliveryError(f"packet {source_id} no longer exists")
        ctx.hold_local()
        result = check_packet(ctx.session, packet, ctx.now)
    elif source == "conversation":
        conversation = ctx.session.scalar(
            sa.select(BotConversation).where(BotConversation.conversation_id == source_id)
        )
        if conversation is None:
            raise PermanentDeliveryError(f"conversation {source_id} no longer exists")
        ctx.hold_local()
        result = check_conversation(ctx.session, conversation, ctx.now)
    else:
        raise PermanentDeliveryError(f"policy_check of an unknown source {source!r}")
    ctx.session.flush()
    return {"source": source, "id": source_id, "incidents": len(result.incidents)}
