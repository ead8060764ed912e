"""Build one fact row per contact from the source tables: path, week, outcomes, durations, flags.

A contact is one customer issue. Its sources (bot conversations, packets, a ticket) are joined
by every link available: a conversation's ``ticket_id``, a packet's ``conversation_id`` and
``ticket_id``, and, when the bot left both ids out, the customer's identity and time (a packet
posted while a conversation of the same customer was running, or just after it ended). The
contact is keyed by its first conversation (``c:``), else its first packet (``p:``), else its
ticket (``t:``). The path comes from what happened on the ticket: a public reply by a human
agent makes a contact ``escalated`` whatever the bot reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.delivery.objects import nonagent_user_ids
from handoff.detection.engine import REASK
from handoff.errors import ValidationFailed
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
from handoff.packets import COMPLETENESS_FIELDS, parse_time
from handoff.productconfig import ProductConfig

AI_ONLY, ESCALATED, HUMAN_ONLY = "ai_only", "escalated", "human_only"
PATHS = (AI_ONLY, ESCALATED, HUMAN_ONLY)
UNKNOWN = "unknown"
AGENT_ROLES = ("agent", "admin")
MERGED_TAG = "closed_by_merge"  # Zendesk tags a ticket closed by a merge with this
REPEAT_WINDOWS = {
    "repeat_24h": timedelta(hours=24),
    "repeat_7d": timedelta(days=7),
    "repeat_30d": timedelta(days=30),
}
# A packet without conversation_id belongs to a conversation of the same customer that was
# running when it was posted, or had ended at most this long before.
LINK_SLACK = timedelta(minutes=30)
# A ticket's description is stored with (or a moment after) the ticket's own creation time.
OPENING_SLACK = timedelta(seconds=60)
# How far back a packet looks for the start of the conversation it may belong to.
LINK_SPAN = timedelta(days=1)


@dataclass
class ContactRow:
    """One contact's facts, one field per ``contact_facts`` column."""

    contact_key: str
    ticket_id: int | None
    conversation_id: str | None
    customer_key: str | None
    customer_email: str | None
    intent: str
    segment: str
    channel: str
    path: str
    week: str
    started_at: datetime
    outcome: str | None
    handoff_at: datetime | None
    resolved_at: datetime | None
    bot_handle_s: int | None
    handle_s: int | None
    first_reply_s: int | None
    first_useful_reply_s: int | None
    csat: str | None
    csat_offered: bool
    delayed_csat: str | None
    delayed_sent: bool
    model_csat: float | None  # the sum of the contact's conversation scores
    model_csat_n: int
    flagged: bool
    checked: bool
    repeated: bool
    reask_suggested: bool
    packets: int
    packets_complete: int
    missing_fields: list[str]
    acknowledged: bool
    refused_valid: bool | None
    tools: list[str]
    repeat_24h: bool
    repeat_7d: bool
    repeat_30d: bool
    refreshed_at: datetime
    member_keys: tuple[str, ...] = field(default=(), compare=False)
    packet_rows: tuple[int, ...] = field(default=(), compare=False)

    def columns(self) -> dict[str, Any]:
        """Return the row as ``contact_facts`` column values."""
        return {f.name: getattr(self, f.name) for f in COLUMNS}


COLUMNS = tuple(f for f in fields(ContactRow) if f.name not in ("member_keys", "packet_rows"))


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


def _score(raw: Any) -> str | None:
    """Normalise a rating: good_with_comment counts as good, 4-5 of five as good, 1-3 as bad."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return "good" if raw >= 4 else "bad"
    raw = str(raw).lower()
    if raw.startswith("good"):
        return "good"
    if raw.startswith("bad"):
        return "bad"
    return None


def _time(value: Any) -> datetime | None:
    """Parse a transcript's RFC 3339 ``at`` (the schema checked it), or None."""
    if not isinstance(value, str):
        return None
    try:
        return parse_time(value)
    except (ValueError, ValidationFailed):
        return None


def first_customer_at(body: Mapping[str, Any] | None) -> datetime | None:
    """Return the time of the transcript's first customer message, when it carries one."""
    transcript = _lookup(body, "transcript")
    if not isinstance(transcript, list):
        return None
    times = [
        _time(m.get("at"))
        for m in transcript
        if isinstance(m, Mapping) and m.get("role") == "customer"
    ]
    found = [t for t in times if t is not None]
    return min(found) if found else None


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


def ticket_intent(ticket: Any, config: ProductConfig) -> str:
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


def segment_of(config: ProductConfig, ticket: Any, bodies: list[Mapping[str, Any] | None]) -> str:
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


@dataclass(frozen=True)
class Identity:
    """Who a source names: the customer id (the bot's id, or the Zendesk user's external_id) and email."""

    customer_id: str | None = None
    email: str | None = None

    def keys(self) -> set[str]:
        """Return the identity's keys (``id:...``, ``email:...``)."""
        out = set()
        if self.customer_id:
            out.add(f"id:{self.customer_id}")
        if self.email:
            out.add(f"email:{self.email}")
        return out

    def merged(self, other: Identity) -> Identity:
        """Fill what this identity lacks from another."""
        return Identity(self.customer_id or other.customer_id, self.email or other.email)


def _clean_email(value: Any) -> str | None:
    return str(value).strip().lower() if value else None


def body_identity(body: Mapping[str, Any] | None, stored: str | None) -> Identity:
    """Read the customer of a conversation or packet: its customer id, then external id, then email."""
    # The Zendesk-side id wins: it is what the helpdesk's users carry as external_id.
    ident = (
        _lookup(body, "customer.external_id")
        or _lookup(body, "requester.external_id")
        or _lookup(body, "customer.id")
    )
    email = _lookup(body, "customer.email") or _lookup(body, "requester.email")
    found = Identity(str(ident) if ident else None, _clean_email(email))
    if stored:  # the column kept at intake: ``id:<id>`` or an email
        if stored.startswith("id:"):
            found = found.merged(Identity(stored[3:], None))
        else:
            found = found.merged(Identity(None, _clean_email(stored)))
    return found


class _Loaded:
    """Every source row a batch of contacts needs, indexed by ticket or conversation."""

    def __init__(self) -> None:
        self.conversations: dict[str, Any] = {}
        self.packets: dict[int, Any] = {}
        self.tickets: dict[int, Any] = {}
        self.solved: dict[int, datetime] = {}
        self.reply_minutes: dict[int, int] = {}
        self.ratings: dict[int, list[Any]] = defaultdict(list)
        self.human_replies: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
        self.nonagent_first: dict[int, datetime] = {}
        self.reask_comments: set[int] = set()
        self.runs: dict[int, Any] = {}
        self.flagged: set[int] = set()
        self.opened: dict[int, datetime] = {}
        self.delayed: dict[int, Any] = {}
        self.users: dict[int, Identity] = {}


def _rows(session: Session, model: Any, condition: Any) -> Any:
    """Select a table's columns as plain rows (attribute access like the model, without ORM cost)."""
    return session.execute(sa.select(*model.__table__.c).where(condition))


def _in(session: Session, model: Any, column: Any, values: Iterable[Any]) -> list[Any]:
    """Return the rows of ``model`` whose ``column`` is one of ``values``."""
    out: list[Any] = []
    for part in _chunks(sorted(set(values))):
        out += list(_rows(session, model, column.in_(part)))
    return out


def _packet_candidates(session: Session, conv: Any) -> list[Any]:
    """Return packets without conversation_id posted while ``conv`` ran or just after it ended."""
    end = (conv.ended_at or conv.started_at) + LINK_SLACK
    return list(
        _rows(
            session,
            Packet,
            sa.and_(
                Packet.conversation_id.is_(None),
                Packet.created_at >= conv.started_at - timedelta(minutes=1),
                Packet.created_at <= end,
            ),
        )
    )


def _conversation_candidates(session: Session, packet: Any) -> list[Any]:
    """Return conversations that were running when ``packet`` (without conversation_id) was posted."""
    return list(
        _rows(
            session,
            BotConversation,
            sa.and_(
                BotConversation.started_at >= packet.created_at - LINK_SPAN,
                BotConversation.started_at <= packet.created_at + timedelta(minutes=1),
            ),
        )
    )


def _fits(conv: Any, packet: Any) -> bool:
    """True when the packet could be this conversation's: same customer, posted during or just after it."""
    if (
        conv.outcome != "escalated"
        or packet.conversation_id is not None
        or (conv.ticket_id and packet.ticket_id and conv.ticket_id != packet.ticket_id)
    ):
        return False
    start = conv.started_at - timedelta(minutes=1)
    end = (conv.ended_at or conv.started_at) + LINK_SLACK
    if not start <= packet.created_at <= end:
        return False
    mine = body_identity(conv.body, conv.customer_key).keys()
    theirs = body_identity(packet.body, packet.customer_key).keys()
    return bool(mine & theirs)


def _load(
    session: Session,
    config: ProductConfig,
    conversation_ids: set[str],
    ticket_ids: set[int],
    packet_ids: set[int],
) -> _Loaded:
    """Load the sources of a batch and of every contact they link to, then what hangs off them."""
    data = _Loaded()
    convs, packets = data.conversations, data.packets
    want_convs, want_tickets = set(conversation_ids), set(ticket_ids)
    for p in _in(session, Packet, Packet.id, packet_ids):
        packets[p.id] = p
        if p.conversation_id:
            want_convs.add(p.conversation_id)
        if p.ticket_id:
            want_tickets.add(p.ticket_id)
    probe_first = True
    seen_convs: set[str] = set()
    seen_tickets: set[int] = set()
    probed_convs: set[str] = set()
    probed_packets: set[int] = set()
    while want_convs or want_tickets or probe_first:
        probe_first = False
        new_convs = want_convs - seen_convs
        new_tickets = want_tickets - seen_tickets
        seen_convs |= new_convs
        seen_tickets |= new_tickets
        want_convs, want_tickets = set(), set()
        found = _in(session, BotConversation, BotConversation.conversation_id, new_convs)
        found += _in(session, BotConversation, BotConversation.ticket_id, new_tickets)
        found_packets = _in(session, Packet, Packet.conversation_id, new_convs)
        found_packets += _in(session, Packet, Packet.ticket_id, new_tickets)
        for c in found:
            convs[c.conversation_id] = c
        for p in found_packets:
            packets[p.id] = p
        for c in list(convs.values()):
            want_convs.add(c.conversation_id)
            if c.ticket_id:
                want_tickets.add(c.ticket_id)
        for p in list(packets.values()):
            if p.conversation_id:
                want_convs.add(p.conversation_id)
            if p.ticket_id:
                want_tickets.add(p.ticket_id)
        # Identity and time: a conversation no packet names, a packet naming no conversation.
        named = {p.conversation_id for p in packets.values() if p.conversation_id}
        for c in list(convs.values()):
            if (
                c.conversation_id in named
                or c.conversation_id in probed_convs
                or c.outcome != "escalated"
            ):
                continue
            probed_convs.add(c.conversation_id)
            for p in _packet_candidates(session, c):
                if _fits(c, p) and p.id not in packets:
                    packets[p.id] = p
                    if p.ticket_id:
                        want_tickets.add(p.ticket_id)
        for p in list(packets.values()):
            if p.conversation_id is not None or p.id in probed_packets:
                continue
            probed_packets.add(p.id)
            for c in _conversation_candidates(session, p):
                if _fits(c, p) and c.conversation_id not in convs:
                    convs[c.conversation_id] = c
                    want_convs.add(c.conversation_id)
        want_convs -= seen_convs
        want_tickets -= seen_tickets
    tickets = seen_tickets
    for t in _in(session, HelpdeskTicket, HelpdeskTicket.id, tickets):
        data.tickets[t.id] = t
        if t.solved_at:
            data.solved[t.id] = t.solved_at
    ids = sorted(data.tickets)
    for m in _in(session, TicketMetric, TicketMetric.ticket_id, ids):
        if m.solved_at and m.ticket_id not in data.solved:
            data.solved[m.ticket_id] = m.solved_at
        if m.reply_time_minutes is not None:
            data.reply_minutes[m.ticket_id] = m.reply_time_minutes
    for r in _in(session, SatisfactionRating, SatisfactionRating.ticket_id, ids):
        data.ratings[r.ticket_id].append(r)
    skip = nonagents(session, config)
    for part in _chunks(ids):
        comments = session.execute(
            sa.select(
                HelpdeskComment.ticket_id, HelpdeskComment.created_at, HelpdeskComment.id,
                HelpdeskComment.author_id, HelpdeskComment.author_role, HelpdeskComment.public,
            ).where(HelpdeskComment.ticket_id.in_(part))
        ).all()  # fmt: skip
        opening: dict[int, tuple[datetime, int]] = {}
        for ticket_id, created_at, comment_id, *_ in comments:
            first = opening.get(ticket_id)
            if first is None or (created_at, comment_id) < first:
                opening[ticket_id] = (created_at, comment_id)
        for ticket_id, created_at, comment_id, author_id, role, public in comments:
            is_opening = opening[ticket_id][1] == comment_id and _opens(
                data.tickets[ticket_id], created_at
            )
            if public and author_id in skip and not is_opening:
                spoke = data.nonagent_first.get(ticket_id, created_at)
                data.nonagent_first[ticket_id] = min(created_at, spoke)
            if not public or role not in AGENT_ROLES or author_id in skip:
                continue
            if is_opening:
                continue  # a ticket's opening comment (an agent-made phone ticket) is no reply
            data.human_replies[ticket_id].append((created_at, comment_id))
        reasks = sa.select(DetectionFinding.comment_id).where(
            DetectionFinding.ticket_id.in_(part), DetectionFinding.kind == REASK
        )
        data.reask_comments.update(c for (c,) in session.execute(reasks) if c is not None)
        for run in _rows(session, DetectionRun, DetectionRun.ticket_id.in_(part)):
            data.runs[run.ticket_id] = run
        for ticket_id, active, created_at in session.execute(
            sa.select(ReaskFlag.ticket_id, ReaskFlag.active, ReaskFlag.created_at).where(
                ReaskFlag.ticket_id.in_(part)
            )
        ):
            if active:
                data.flagged.add(ticket_id)
            data.opened[ticket_id] = min(created_at, data.opened.get(ticket_id, created_at))
        for ticket_id, created_at in session.execute(
            sa.select(PacketAcknowledgement.ticket_id, PacketAcknowledgement.created_at).where(
                PacketAcknowledgement.ticket_id.in_(part)
            )
        ):
            data.opened[ticket_id] = min(created_at, data.opened.get(ticket_id, created_at))
        for s in _rows(session, DelayedSurvey, DelayedSurvey.ticket_id.in_(part)):
            data.delayed[s.ticket_id] = s
    requesters = {t.requester_id for t in data.tickets.values() if t.requester_id}
    for part in _chunks(sorted(requesters)):
        for uid, email, external in session.execute(
            sa.select(HelpdeskUser.id, HelpdeskUser.email, HelpdeskUser.external_id).where(
                HelpdeskUser.id.in_(part)
            )
        ):
            data.users[uid] = Identity(str(external) if external else None, _clean_email(email))
    for replies_of in data.human_replies.values():
        replies_of.sort()
    return data


def _opens(ticket: Any, created_at: datetime) -> bool:
    """True when a ticket's first comment is its description (written as the ticket was made)."""
    opened: datetime = ticket.created_at
    return created_at <= opened + OPENING_SLACK


class _Components:
    """Union-find over source nodes: ``c:<conversation>``, ``p:<packet row id>``, ``t:<ticket>``."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, node: str) -> str:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _time_links(data: _Loaded) -> list[tuple[str, int]]:
    """Pair conversations no packet names with packets naming none: mutual closest fit only."""
    named = {p.conversation_id for p in data.packets.values() if p.conversation_id}
    convs = [c for c in data.conversations.values() if c.conversation_id not in named]
    packets = [p for p in data.packets.values() if p.conversation_id is None]

    def distance(c: Any, p: Any) -> tuple[float, str, int]:
        end = c.ended_at or c.started_at
        return (abs((p.created_at - end).total_seconds()), c.conversation_id, p.id)

    best_packet: dict[str, int] = {}
    best_conv: dict[int, str] = {}
    for c in convs:
        fits = [p for p in packets if _fits(c, p)]
        if fits:
            best_packet[c.conversation_id] = min(fits, key=lambda p: distance(c, p)).id
    for p in packets:
        fits = [c for c in convs if _fits(c, p)]
        if fits:
            best_conv[p.id] = min(fits, key=lambda c: distance(c, p)).conversation_id
    return [(c, p) for c, p in best_packet.items() if best_conv.get(p) == c]


def _path_and_handoff(
    convs: list[Any], packets: list[Any], replies: list[tuple[datetime, int]]
) -> tuple[str, datetime | None, str | None]:
    """Return the contact's path, handoff time and outcome from what happened, not what was claimed."""
    if not convs and not packets:
        return HUMAN_ONLY, None, None
    first_reply = replies[0][0] if replies else None
    escalated_convs = [c for c in convs if c.outcome == "escalated"]
    if not escalated_convs and not packets and first_reply is None:
        last = max(convs, key=lambda c: (c.started_at, c.conversation_id))
        return AI_ONLY, None, last.outcome
    # The handoff is when the bot escalated, as the conversation shows it.
    if escalated_convs:
        first = min(escalated_convs, key=lambda c: (c.started_at, c.conversation_id))
        handoff = (
            first.ended_at or min(p.created_at for p in packets) if packets else first.ended_at
        )
        handoff = handoff or first.started_at
    elif packets:
        handoff = min(p.created_at for p in packets)
    else:  # the bot reported resolved, but a human replied on the ticket
        last = max(convs, key=lambda c: (c.started_at, c.conversation_id))
        handoff = last.ended_at or last.started_at
    if first_reply is not None and handoff > first_reply:
        handoff = first_reply
    return ESCALATED, handoff, "escalated"


def _packets_complete(
    packets: list[Any], config: ProductConfig, intent: str
) -> tuple[int, list[str]]:
    """Count the packets carrying every field the archetype needs; list every missing field."""
    archetype = config.archetypes.get(config.archetype_of(intent) or "")
    required = set(
        archetype.required_fields
        if archetype and archetype.required_fields
        else COMPLETENESS_FIELDS
    )
    complete = 0
    missing: list[str] = []
    for packet in packets:
        gaps = [str(f) for f in packet.missing_fields or []]
        complete += not (set(gaps) & required)
        missing += gaps
    return complete, missing


def _widget_csat(convs: list[Any]) -> tuple[str | None, bool]:
    """Return the CSAT answered in the bot's widget (latest conversation first) and whether offered."""
    offered = False
    for conv in sorted(convs, key=lambda c: (c.started_at, c.conversation_id), reverse=True):
        survey = _lookup(conv.body, "csat")
        if isinstance(survey, Mapping):
            offered = True
            score = _score(survey.get("score"))
            if score:
                return score, True
    return None, offered


def _contact(
    data: _Loaded, config: ProductConfig, members: list[str], now: datetime
) -> ContactRow | None:
    """Build one contact's facts from the sources of one component."""
    convs = sorted(
        (data.conversations[m[2:]] for m in members if m.startswith("c:")),
        key=lambda c: (c.started_at, c.conversation_id),
    )
    packets = sorted(
        (data.packets[int(m[2:])] for m in members if m.startswith("p:")),
        key=lambda p: (p.created_at, p.id),
    )
    ticket_ids = sorted(int(m[2:]) for m in members if m.startswith("t:"))
    ticket_id = next((c.ticket_id for c in convs if c.ticket_id), None) or next(
        (p.ticket_id for p in packets if p.ticket_id), None
    ) or (ticket_ids[0] if ticket_ids else None)  # fmt: skip
    ticket = data.tickets.get(ticket_id) if ticket_id else None
    if not convs and not packets:
        if ticket is None or MERGED_TAG in (ticket.tags or []):
            return None  # a ticket closed by a merge is not a contact of its own
    replies = data.human_replies.get(ticket_id, []) if ticket_id else []
    path, handoff, outcome = _path_and_handoff(convs, packets, replies)
    first_conv = convs[0] if convs else None
    first_packet = packets[0] if packets else None
    # The contact's time is the customer's first message, not the bot's greeting.
    if first_conv is not None:
        started = first_customer_at(first_conv.body) or first_conv.started_at
        key = f"c:{first_conv.conversation_id}"
    elif first_packet is not None:
        started = first_customer_at(first_packet.body) or first_packet.created_at
        key = f"p:{first_packet.packet_id}"
    else:
        assert ticket is not None
        started = ticket.created_at
        key = f"t:{ticket_id}"
    if handoff is not None and handoff < started:
        started = handoff
    if first_conv is not None:
        intent = first_conv.intent
        channel = first_conv.channel
    elif first_packet is not None:
        intent, channel = first_packet.intent, first_packet.channel
    else:
        intent, channel = ticket_intent(ticket, config), None
    channel = channel or (ticket.channel if ticket else None) or UNKNOWN
    # Identity: the bot's customer id, the Zendesk user's external_id, then email.
    identity = Identity()
    for source in [*convs, *packets]:
        identity = identity.merged(body_identity(source.body, source.customer_key))
    if ticket is not None and ticket.requester_id:
        identity = identity.merged(data.users.get(ticket.requester_id, Identity()))
    customer = (
        f"id:{identity.customer_id}"
        if identity.customer_id
        else (f"email:{identity.email}" if identity.email else None)
    )
    if customer is None and ticket is not None and ticket.requester_id:
        customer = f"requester:{ticket.requester_id}"
    # Outcomes and durations.
    solved = data.solved.get(ticket_id) if ticket_id else None
    last_conv = convs[-1] if convs else None
    if path == AI_ONLY:
        assert last_conv is not None
        resolved = last_conv.ended_at if outcome == "resolved" else None
        bot_end = resolved
        handle = None
        clock_start = None
    elif path == ESCALATED:
        resolved = solved
        bot_end = handoff
        handle = _seconds(handoff, solved)
        clock_start = handoff
    else:
        resolved = solved
        bot_end = None
        handle = _seconds(started, solved)
        clock_start = started
    bot_handle = _seconds(started, bot_end) if path != HUMAN_ONLY else None
    first_reply = first_useful = None
    if clock_start is not None:
        after = [(at, cid) for at, cid in replies if at >= clock_start]
        if after:
            first_reply = _seconds(clock_start, after[0][0])
            useful = [at for at, cid in after if cid not in data.reask_comments]
            first_useful = _seconds(clock_start, useful[0]) if useful else None
        bot_spoke = data.nonagent_first.get(ticket_id) if ticket_id else None
        human = after[0][0] if after else None
        if ticket_id in data.reply_minutes and (
            bot_spoke is None or (human is not None and human < bot_spoke)
        ):
            # Zendesk's own figure wins, unless Zendesk would have counted the bot's reply.
            first_reply = data.reply_minutes[ticket_id] * 60
    # Ratings: the ticket's latest, else the bot widget's.
    ratings = sorted(
        data.ratings.get(ticket_id, []) if ticket_id else [], key=lambda r: (r.updated_at, r.id)
    )
    scored = [r for r in ratings if _score(r.score)]
    csat = _score(scored[-1].score) if scored else None
    offered = bool(scored) or any(str(r.score).lower() == "offered" for r in ratings)
    if csat is None:
        widget, widget_offered = _widget_csat(convs)
        csat = widget
        offered = offered or widget_offered
    survey = data.delayed.get(ticket_id) if ticket_id else None
    run = data.runs.get(ticket_id) if ticket_id else None
    opened = data.opened.get(ticket_id) if ticket_id else None
    acknowledged = bool(
        opened is not None
        and replies
        and opened <= replies[0][0]
        and replies[0][1] not in data.reask_comments
    )
    # Model CSAT is per conversation: every conversation's own score (a packet's stands in for
    # a conversation that never reached us).
    scores = [
        c.model_csat if c.model_csat is not None else _lookup(c.body, "model_csat") for c in convs
    ] or [_lookup(p.body, "model_csat") for p in packets[:1]]
    model = [float(v) for v in scores if isinstance(v, int | float) and not isinstance(v, bool)]
    complete, missing = _packets_complete(packets, config, intent)
    refused = [c for c in convs if c.outcome == "refused"]
    valid = [_lookup(c.body, "refusal.valid_question") for c in refused]
    tools = sorted({
        str(t) for c in convs for t in (_lookup(c.body, "tools_called") or []) if isinstance(t, str)
    })  # fmt: skip
    bodies = [c.body for c in convs] + [p.body for p in packets]
    return ContactRow(
        contact_key=key[:160],
        ticket_id=ticket_id,
        conversation_id=first_conv.conversation_id if first_conv else None,
        customer_key=customer[:320] if customer else None,
        customer_email=identity.email[:320] if identity.email else None,
        intent=(intent or UNKNOWN)[:120],
        segment=segment_of(config, ticket, bodies),
        channel=channel[:40],
        path=path,
        week=config.week_of(started),
        started_at=started,
        outcome=outcome,
        handoff_at=handoff,
        resolved_at=resolved,
        bot_handle_s=bot_handle,
        handle_s=handle,
        first_reply_s=first_reply,
        first_useful_reply_s=first_useful,
        csat=csat,
        csat_offered=offered,
        delayed_csat=survey.score if survey is not None else None,
        delayed_sent=survey is not None,
        model_csat=sum(model) if model else None,
        model_csat_n=len(model),
        flagged=ticket_id in data.flagged if ticket_id else False,
        checked=run is not None,
        repeated=bool(run.repetition) if run is not None else False,
        reask_suggested=bool(run.reask_count) if run is not None else False,
        packets=len(packets),
        packets_complete=complete,
        missing_fields=missing,
        acknowledged=acknowledged,
        refused_valid=(any(v is True for v in valid) if any(v is not None for v in valid) else None)
        if refused and path == AI_ONLY
        else None,
        tools=tools,
        repeat_24h=False,
        repeat_7d=False,
        repeat_30d=False,
        refreshed_at=now,
        member_keys=tuple(sorted(_member_keys(convs, packets, ticket_ids))),
        packet_rows=tuple(p.id for p in packets),
    )


def _member_keys(convs: list[Any], packets: list[Any], tickets: list[int]) -> set[str]:
    """Every contact key any of these sources could have had: stale rows to replace."""
    return (
        {f"c:{c.conversation_id}" for c in convs}
        | {f"p:{p.packet_id}" for p in packets}
        | {f"t:{t}" for t in tickets}
    )


def build(
    session: Session,
    config: ProductConfig,
    *,
    conversation_ids: set[str],
    ticket_ids: set[int],
    now: datetime,
    packet_ids: set[int] | None = None,
) -> dict[str, ContactRow]:
    """Build the facts of every contact touching these conversations, tickets or packets (row ids)."""
    data = _load(session, config, conversation_ids, ticket_ids, packet_ids or set())
    parts = _Components()
    for conv in data.conversations.values():
        parts.find(f"c:{conv.conversation_id}")
        if conv.ticket_id:
            parts.union(f"c:{conv.conversation_id}", f"t:{conv.ticket_id}")
    for packet in data.packets.values():
        node = f"p:{packet.id}"
        parts.find(node)
        if packet.conversation_id and packet.conversation_id in data.conversations:
            parts.union(node, f"c:{packet.conversation_id}")
        if packet.ticket_id:
            parts.union(node, f"t:{packet.ticket_id}")
    for conversation_id, packet_id in _time_links(data):
        parts.union(f"c:{conversation_id}", f"p:{packet_id}")
    for ticket_id in data.tickets:
        parts.find(f"t:{ticket_id}")
    groups: dict[str, list[str]] = defaultdict(list)
    for node in list(parts.parent):
        groups[parts.find(node)].append(node)
    facts: dict[str, ContactRow] = {}
    for members in groups.values():
        if all(m.startswith("t:") and int(m[2:]) not in data.tickets for m in members):
            continue  # a ticket we have not synced yet, reached through a link
        row = _contact(data, config, members, now)
        if row is not None:
            facts[row.contact_key] = row
    return facts


def customer_groups(rows: Iterable[tuple[str, str | None, str | None]]) -> dict[str, str]:
    """Map each contact to one customer: contacts sharing a customer key or an email are one customer.

    ``rows`` are (contact_key, customer_key, customer_email).
    """
    parts = _Components()
    keys: list[tuple[str, str | None]] = []
    for contact, customer, email in rows:
        nodes = [n for n in (customer, f"email:{email}" if email else None) if n]
        for node in nodes:
            parts.find(node)
        if len(nodes) == 2:
            parts.union(nodes[0], nodes[1])
        keys.append((contact, nodes[0] if nodes else None))
    return {contact: parts.find(node) for contact, node in keys if node}


def repeat_flags(
    rows: Iterable[tuple[str, str | None, str, datetime, datetime | None]], config: ProductConfig
) -> dict[str, dict[str, bool]]:
    """Mark resolved contacts followed by a new contact of the same customer and archetype.

    ``rows`` are (contact_key, customer, intent, started_at, resolved_at). A later contact
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


def nonagents(session: Session, config: ProductConfig) -> Collection[int]:
    """Return the Zendesk users whose comments are never a human agent's: the bot and the product."""
    return frozenset(config.bot_user_ids) | nonagent_user_ids(session)


def build_batched(
    session: Session,
    config: ProductConfig,
    *,
    conversations: Iterable[str],
    tickets: Iterable[int],
    packets: Iterable[int],
    now: datetime,
    batch: int = 2000,
) -> Iterator[dict[str, ContactRow]]:
    """Build the contacts of many sources a batch at a time; yield each batch's new contacts once.

    A source already inside a built contact, or reached by an earlier batch, is not built again.
    """
    seen_c: set[str] = set()
    seen_t: set[int] = set()
    seen_p: set[int] = set()
    done: set[str] = set()
    parts: list[tuple[set[str], set[int], set[int]]] = [
        (set(p), set(), set()) for p in _chunks(sorted(conversations), batch)
    ]
    parts += [(set(), set(p), set()) for p in _chunks(sorted(tickets), batch)]
    parts += [(set(), set(), set(p)) for p in _chunks(sorted(packets), batch)]
    for conv_part, ticket_part, packet_part in parts:
        conv_part -= seen_c
        ticket_part -= seen_t
        packet_part -= seen_p
        if not (conv_part or ticket_part or packet_part):
            continue
        built = build(
            session, config, conversation_ids=conv_part, ticket_ids=ticket_part,
            packet_ids=packet_part, now=now,
        )  # fmt: skip
        for row in built.values():
            seen_c.update(k[2:] for k in row.member_keys if k.startswith("c:"))
            seen_t.update(int(k[2:]) for k in row.member_keys if k.startswith("t:"))
            seen_p.update(row.packet_rows)
        # Sources reached but in no contact (a merged ticket alone) are done too.
        seen_c |= conv_part
        seen_t |= ticket_part
        seen_p |= packet_part
        new = {key: row for key, row in built.items() if key not in done}
        done.update(new)
        yield new
