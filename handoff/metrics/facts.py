"""Build one fact row per contact from the source tables: path, week, outcomes, durations, flags.

A contact is one customer issue. A bot conversation is a contact (``c:``) whatever happened next;
its packet and ticket belong to it. A packet whose conversation never reached us is a contact
of its own (``p:``); a ticket that no conversation or packet references is ``human_only`` (``t:``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.models import (
    BotConversation,
    HelpdeskComment,
    HelpdeskTicket,
    HelpdeskUser,
    Packet,
    SatisfactionRating,
    TicketMetric,
)
from handoff.models.detection import DetectionFinding, DetectionRun
from handoff.models.flags import PacketAcknowledgement, ReaskFlag
from handoff.models.metrics import DelayedSurvey
from handoff.packets import COMPLETENESS_FIELDS
from handoff.productconfig import ProductConfig

AI_ONLY, ESCALATED, HUMAN_ONLY = "ai_only", "escalated", "human_only"
PATHS = (AI_ONLY, ESCALATED, HUMAN_ONLY)
UNKNOWN = "unknown"
REASK_KIND = "agent_reask"  # handoff.detection.engine.REASK
AGENT_ROLES = ("agent", "admin")
REPEAT_WINDOWS = {
    "repeat_24h": timedelta(hours=24),
    "repeat_7d": timedelta(days=7),
    "repeat_30d": timedelta(days=30),
}


def _chunks(values: list[Any], size: int = 2000) -> Iterable[list[Any]]:
    """Split a list for IN clauses small enough for every backend."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _lookup(document: Mapping[str, Any] | None, dotted: str) -> Any:
    """Read a dotted path from a JSON document."""
    node: Any = document
    for part in dotted.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    """Return whole seconds from start to end, or None when either is missing or end precedes."""
    if start is None or end is None or end < start:
        return None
    return int((end - start).total_seconds())


def _score(raw: str | None) -> str | None:
    """Normalise a Zendesk rating: good_with_comment counts as good; offered/unoffered are not ratings."""
    if raw is None:
        return None
    raw = raw.lower()
    if raw.startswith("good"):
        return "good"
    if raw.startswith("bad"):
        return "bad"
    return None


def _ticket_tag_value(tags: list[Any], prefix: str) -> str | None:
    """Return the rest of the first tag starting with ``prefix``."""
    for tag in tags or []:
        if isinstance(tag, str) and tag.startswith(prefix):
            return tag[len(prefix) :]
    return None


def _custom_field(fields: list[Any], field_id: int) -> Any:
    """Return a ticket custom field's value."""
    for item in fields or []:
        if isinstance(item, Mapping) and item.get("id") == field_id:
            return item.get("value")
    return None


def ticket_intent(ticket: HelpdeskTicket, config: ProductConfig) -> str:
    """Return the intent of a ticket no bot touched, from its tag or custom field."""
    if config.ticket_custom_field_id is not None:
        value = _custom_field(ticket.custom_fields, config.ticket_custom_field_id)
        if value:
            return str(value)
    if config.ticket_tag_prefix:
        value = _ticket_tag_value(ticket.tags, config.ticket_tag_prefix)
        if value:
            return value
    return UNKNOWN


def segment_of(
    config: ProductConfig, ticket: HelpdeskTicket | None, bodies: list[Mapping[str, Any] | None]
) -> str:
    """Return the customer segment from the first configured source that has one."""
    for source in config.segment_sources:
        value: Any = None
        if source == "ticket:segment" and ticket is not None:
            value = ticket.segment
        elif source.startswith("ticket:custom_field:") and ticket is not None:
            value = _custom_field(ticket.custom_fields, int(source.rsplit(":", 1)[1]))
        elif source.startswith("ticket:tag:") and ticket is not None:
            value = _ticket_tag_value(ticket.tags, source[len("ticket:tag:") :])
        elif source.startswith("body:"):
            for body in bodies:
                value = _lookup(body, source[len("body:") :])
                if value:
                    break
        if value not in (None, ""):
            return str(value)[:80]
    return UNKNOWN


class _Loaded:
    """Every source row a batch of contacts needs, indexed by ticket or conversation."""

    def __init__(self) -> None:
        self.conversations: dict[str, BotConversation] = {}
        self.packets_by_conv: dict[str, list[Packet]] = defaultdict(list)
        self.packets_by_ticket: dict[int, list[Packet]] = defaultdict(list)
        self.orphans: list[Packet] = []
        self.tickets: dict[int, HelpdeskTicket] = {}
        self.solved: dict[int, datetime] = {}
        self.ratings: dict[int, list[SatisfactionRating]] = defaultdict(list)
        self.agent_replies: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
        self.reask_comments: set[int] = set()
        self.runs: dict[int, DetectionRun] = {}
        self.flagged: set[int] = set()
        self.acknowledged: set[int] = set()
        self.delayed: dict[int, DelayedSurvey] = {}
        self.emails: dict[int, str] = {}


def _rows(session: Session, model: Any, condition: Any) -> Any:
    """Select a table's columns as plain rows (attribute access like the model, without ORM cost)."""
    return session.execute(sa.select(*model.__table__.c).where(condition))


def _load(session: Session, conversation_ids: set[str], ticket_ids: set[int]) -> _Loaded:
    """Load the conversations, packets and tickets of a batch, and every row hanging off them."""
    data = _Loaded()
    for part in _chunks(sorted(conversation_ids)):
        for c in _rows(session, BotConversation, BotConversation.conversation_id.in_(part)):
            data.conversations[c.conversation_id] = c
    for part in _chunks(sorted(ticket_ids)):
        for c in _rows(session, BotConversation, BotConversation.ticket_id.in_(part)):
            data.conversations[c.conversation_id] = c
    conv_ids = sorted(data.conversations)
    tickets = set(ticket_ids) | {c.ticket_id for c in data.conversations.values() if c.ticket_id}
    packets: dict[int, Packet] = {}
    for part in _chunks(conv_ids):
        for p in _rows(session, Packet, Packet.conversation_id.in_(part)):
            packets[p.id] = p
    for part in _chunks(sorted(tickets)):
        for p in _rows(session, Packet, Packet.ticket_id.in_(part)):
            packets[p.id] = p
    # A packet found through its ticket may name a conversation outside the batch.
    missing = {p.conversation_id for p in packets.values() if p.conversation_id} - set(
        data.conversations
    )
    for part in _chunks(sorted(missing)):
        for c in _rows(session, BotConversation, BotConversation.conversation_id.in_(part)):
            data.conversations[c.conversation_id] = c
            if c.ticket_id:
                tickets.add(c.ticket_id)
    for p in sorted(packets.values(), key=lambda p: (p.created_at, p.id)):
        if p.ticket_id:
            tickets.add(p.ticket_id)
            data.packets_by_ticket[p.ticket_id].append(p)
        if p.conversation_id and p.conversation_id in data.conversations:
            data.packets_by_conv[p.conversation_id].append(p)
        else:
            data.orphans.append(p)
    ids = sorted(tickets)
    for part in _chunks(ids):
        for t in _rows(session, HelpdeskTicket, HelpdeskTicket.id.in_(part)):
            data.tickets[t.id] = t
            if t.solved_at:
                data.solved[t.id] = t.solved_at
        for m in _rows(session, TicketMetric, TicketMetric.ticket_id.in_(part)):
            if m.solved_at and m.ticket_id not in data.solved:
                data.solved[m.ticket_id] = m.solved_at
        for r in _rows(session, SatisfactionRating, SatisfactionRating.ticket_id.in_(part)):
            data.ratings[r.ticket_id].append(r)
        replies = sa.select(
            HelpdeskComment.ticket_id, HelpdeskComment.created_at, HelpdeskComment.id
        ).where(
            HelpdeskComment.ticket_id.in_(part),
            HelpdeskComment.public.is_(True),
            HelpdeskComment.author_role.in_(AGENT_ROLES),
        )
        for ticket_id, created_at, comment_id in session.execute(replies):
            data.agent_replies[ticket_id].append((created_at, comment_id))
        reasks = sa.select(DetectionFinding.comment_id).where(
            DetectionFinding.ticket_id.in_(part), DetectionFinding.kind == REASK_KIND
        )
        data.reask_comments.update(c for (c,) in session.execute(reasks) if c is not None)
        for run in _rows(session, DetectionRun, DetectionRun.ticket_id.in_(part)):
            data.runs[run.ticket_id] = run
        flagged = sa.select(ReaskFlag.ticket_id).where(
            ReaskFlag.ticket_id.in_(part), ReaskFlag.active.is_(True)
        )
        data.flagged.update(session.scalars(flagged))
        acks = sa.select(PacketAcknowledgement.ticket_id).where(
            PacketAcknowledgement.ticket_id.in_(part)
        )
        data.acknowledged.update(session.scalars(acks))
        for s in _rows(session, DelayedSurvey, DelayedSurvey.ticket_id.in_(part)):
            data.delayed[s.ticket_id] = s
    requesters = {t.requester_id for t in data.tickets.values() if t.requester_id}
    for part in _chunks(sorted(requesters)):
        for uid, email in session.execute(
            sa.select(HelpdeskUser.id, HelpdeskUser.email).where(HelpdeskUser.id.in_(part))
        ):
            if email:
                data.emails[uid] = email.strip().lower()
    for replies_of in data.agent_replies.values():
        replies_of.sort()
    return data


def _ticket_part(data: _Loaded, ticket_id: int | None, start: datetime | None) -> dict[str, Any]:
    """Return the ticket-side facts: solve time, ratings, replies, detection, flags, survey."""
    out: dict[str, Any] = {
        "solved_at": None, "csat": None, "csat_offered": False, "delayed_csat": None,
        "delayed_sent": False, "flagged": False, "checked": False, "repeated": False,
        "reask_suggested": False, "acknowledged": False, "first_reply_s": None,
        "first_useful_reply_s": None,
    }  # fmt: skip
    if ticket_id is None:
        return out
    out["solved_at"] = data.solved.get(ticket_id)
    ratings = sorted(data.ratings.get(ticket_id, []), key=lambda r: (r.updated_at, r.id))
    scored = [r for r in ratings if _score(r.score)]
    out["csat"] = _score(scored[-1].score) if scored else None
    out["csat_offered"] = bool(scored) or any(r.score.lower() == "offered" for r in ratings)
    survey = data.delayed.get(ticket_id)
    if survey is not None:
        out["delayed_sent"] = True
        out["delayed_csat"] = survey.score
    out["flagged"] = ticket_id in data.flagged
    out["acknowledged"] = ticket_id in data.acknowledged
    run = data.runs.get(ticket_id)
    if run is not None:
        out["checked"] = True
        out["repeated"] = bool(run.repetition)
        out["reask_suggested"] = run.reask_count > 0
    if start is not None:
        replies = [(at, cid) for at, cid in data.agent_replies.get(ticket_id, []) if at >= start]
        if replies:
            out["first_reply_s"] = _seconds(start, replies[0][0])
            useful = [at for at, cid in replies if cid not in data.reask_comments]
            out["first_useful_reply_s"] = _seconds(start, useful[0]) if useful else None
    return out


def _packet_part(packet: Packet | None, config: ProductConfig, intent: str) -> dict[str, Any]:
    """Return the packet-side facts: completeness against the archetype's needs, missing fields."""
    if packet is None:
        return {"packet_complete": None, "missing_fields": []}
    archetype = config.archetypes.get(config.archetype_of(intent) or "")
    required = (
        archetype.required_fields
        if archetype and archetype.required_fields
        else COMPLETENESS_FIELDS
    )
    missing = [str(f) for f in packet.missing_fields or []]
    return {"packet_complete": not (set(missing) & set(required)), "missing_fields": missing}


def build(
    session: Session,
    config: ProductConfig,
    *,
    conversation_ids: set[str],
    ticket_ids: set[int],
    now: datetime,
) -> dict[str, dict[str, Any]]:
    """Build the facts of every contact touching these conversations or tickets, keyed by contact."""
    data = _load(session, conversation_ids, ticket_ids)
    facts: dict[str, dict[str, Any]] = {}
    claimed: set[int] = set()

    def add(key: str, base: dict[str, Any], packet: Packet | None, ticket_id: int | None) -> None:
        ticket = data.tickets.get(ticket_id) if ticket_id else None
        engaged = base["path"] != HUMAN_ONLY
        start = base["handoff_at"] if engaged else base["started_at"]
        part = _ticket_part(data, ticket_id, start if base["path"] != AI_ONLY else None)
        solved = part.pop("solved_at")
        if base["path"] == AI_ONLY:
            resolved = base["ended_at"] if base["outcome"] == "resolved" else None
            handle = None
        else:
            resolved = solved
            handle = _seconds(start, solved)
        bodies = [base.pop("body", None), packet.body if packet else None]
        requester = ticket.requester_id if ticket else None
        customer = base["customer_key"] or (data.emails.get(requester) if requester else None)
        if customer is None and requester:
            customer = f"requester:{requester}"
        row = {
            "contact_key": key[:160],
            "ticket_id": ticket_id,
            "conversation_id": base["conversation_id"],
            "customer_key": customer,
            "intent": base["intent"] or UNKNOWN,
            "segment": segment_of(config, ticket, bodies),
            "channel": (base["channel"] or (ticket.channel if ticket else None) or UNKNOWN)[:40],
            "path": base["path"],
            "week": config.week_of(base["started_at"]),
            "started_at": base["started_at"],
            "outcome": base["outcome"],
            "handoff_at": base["handoff_at"],
            "resolved_at": resolved,
            "bot_handle_s": base["bot_handle_s"],
            "handle_s": handle,
            "model_csat": base["model_csat"],
            "repeat_24h": False,
            "repeat_7d": False,
            "repeat_30d": False,
            "refreshed_at": now,
            **part,
            **_packet_part(packet, config, base["intent"]),
        }
        facts[row["contact_key"]] = row

    for conv in data.conversations.values():
        packets = data.packets_by_conv.get(conv.conversation_id) or (
            data.packets_by_ticket.get(conv.ticket_id, []) if conv.ticket_id else []
        )
        packet = packets[0] if packets else None
        ticket_id = conv.ticket_id or (packet.ticket_id if packet else None)
        escalated = conv.outcome == "escalated" or packet is not None
        handoff_at = packet.created_at if packet else (conv.ended_at if escalated else None)
        ends = handoff_at if escalated else (conv.ended_at if conv.outcome == "resolved" else None)
        model = (
            conv.model_csat
            if conv.model_csat is not None
            else _lookup(packet.body if packet else None, "model_csat")
        )
        add(
            f"c:{conv.conversation_id}",
            {
                "conversation_id": conv.conversation_id, "customer_key": conv.customer_key,
                "intent": conv.intent, "channel": conv.channel, "started_at": conv.started_at,
                "ended_at": conv.ended_at, "outcome": conv.outcome, "handoff_at": handoff_at,
                "path": ESCALATED if escalated else AI_ONLY,
                "bot_handle_s": _seconds(conv.started_at, ends),
                "model_csat": float(model) if isinstance(model, int | float) else None,
                "body": conv.body,
            },
            packet,
            ticket_id,
        )  # fmt: skip
        if ticket_id:
            claimed.add(ticket_id)
    seen_orphan_tickets: set[int] = set()
    for packet in data.orphans:
        if packet.ticket_id and (
            packet.ticket_id in claimed or packet.ticket_id in seen_orphan_tickets
        ):
            continue  # the ticket's contact is already counted; a second packet is a re-escalation
        if packet.ticket_id:
            seen_orphan_tickets.add(packet.ticket_id)
        model = _lookup(packet.body, "model_csat")
        add(
            f"p:{packet.packet_id}",
            {
                "conversation_id": packet.conversation_id, "customer_key": packet.customer_key,
                "intent": packet.intent, "channel": packet.channel, "started_at": packet.created_at,
                "ended_at": packet.created_at, "outcome": "escalated", "handoff_at": packet.created_at,
                "path": ESCALATED, "bot_handle_s": None,
                "model_csat": float(model) if isinstance(model, int | float) else None,
            },
            packet,
            packet.ticket_id,
        )  # fmt: skip
    claimed |= seen_orphan_tickets
    for ticket_id, ticket in data.tickets.items():
        if ticket_id in claimed or data.packets_by_ticket.get(ticket_id):
            continue
        add(
            f"t:{ticket_id}",
            {
                "conversation_id": None, "customer_key": None, "intent": ticket_intent(ticket, config),
                "channel": ticket.channel, "started_at": ticket.created_at, "ended_at": None,
                "outcome": None, "handoff_at": None, "path": HUMAN_ONLY, "bot_handle_s": None,
                "model_csat": None,
            },
            None,
            ticket_id,
        )  # fmt: skip
    return facts


def repeat_flags(
    rows: Iterable[tuple[str, str | None, str, datetime, datetime | None]], config: ProductConfig
) -> dict[str, dict[str, bool]]:
    """Mark resolved contacts followed by a new contact of the same customer and archetype.

    ``rows`` are (contact_key, customer_key, intent, started_at, resolved_at). A later contact
    counts when it starts after the first was resolved and within the window.
    """
    groups: dict[tuple[str, str], list[tuple[datetime, str, datetime | None]]] = defaultdict(list)
    keys: list[str] = []
    for key, customer, intent, started, resolved in rows:
        keys.append(key)
        if customer:
            archetype = config.archetype_of(intent) or f"intent:{intent}"
            groups[(customer, archetype)].append((started, key, resolved))
    flags = {key: dict.fromkeys(REPEAT_WINDOWS, False) for key in keys}
    for contacts in groups.values():
        contacts.sort()
        starts = [c[0] for c in contacts]
        for _, key, resolved in contacts:
            if resolved is None:
                continue
            following = [s for s in starts if s > resolved]
            if following:
                gap = following[0] - resolved
                for name, window in REPEAT_WINDOWS.items():
                    flags[key][name] = gap <= window
    return flags
