"""Handoff packets: validate, score completeness, assemble, and store them idempotently."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

from handoff import jsonguard, outbox, schemas
from handoff.db import driver_rows
from handoff.errors import Conflict, NotFound, SchemaError, ValidationFailed
from handoff.models import OutboxItem, Packet
from handoff.models.base import MAX_BIGINT
from handoff.models.delivery import PENDING
from handoff.outbox import Queued

SCHEMA_VERSION = "1.0"

# What an agent can work without but misses: each absent one lowers completeness.
# Paths are dotted; a list or object counts as present only when non-empty.
COMPLETENESS_FIELDS: tuple[str, ...] = (
    "created_at",
    "conversation_id",
    "bot.version",
    "channel",
    "customer",
    "intent.confidence",
    "account_state",
    "prior_actions",
    "escalation.detail",
    "sentiment",
    "identifiers",
    "policy_citations",
    "model_csat",
)

DELIVERY_KIND = "packet_note"
SERVER_FIELDS = ("completeness", "received_at")


@dataclass(frozen=True)
class Completeness:
    """Share of the optional fields a packet carries, and which ones it lacks."""

    score: float
    missing: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form reported beside a stored packet."""
        return {"score": self.score, "missing": list(self.missing)}


@dataclass(frozen=True)
class Accepted:
    """The outcome of posting a packet: the stored row and whether this call created it."""

    packet: Packet
    created: bool


def _lookup(document: Mapping[str, Any], dotted: str) -> Any:
    """Follow a dotted path through nested objects; None where any step is absent."""
    value: Any = document
    for part in dotted.split("."):
        # A decoded document holds plain dicts: test for one first (the ABC check is slower).
        if not (type(value) is dict or isinstance(value, Mapping)) or part not in value:
            return None
        value = value[part]
    return value


def _present(value: Any) -> bool:
    """Tell whether a field counts as given: not None, and not an empty string, list or object."""
    if value is None:
        return False
    if isinstance(value, str | list | dict):
        return len(value) > 0
    return True


def completeness(
    document: Mapping[str, Any], fields: Sequence[str] = COMPLETENESS_FIELDS
) -> Completeness:
    """Score how many of ``fields`` the packet carries (1.0 = all)."""
    missing = tuple(f for f in fields if not _present(_lookup(document, f)))
    score = round(1 - len(missing) / len(fields), 4) if fields else 1.0
    return Completeness(score=score, missing=missing)


def canonical_json(document: Mapping[str, Any]) -> str:
    """Return a document's JSON text independent of key order and whitespace."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_hash(document: Mapping[str, Any]) -> str:
    """Hash a document independently of key order and whitespace."""
    return _hash(canonical_json(document))


def _hash(text: str) -> str:
    """Return the SHA-256 hex digest of a canonical JSON text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def validate_packet(document: Any, *, text_checked: bool = False) -> list[SchemaError]:
    """Return every schema error of a packet, sorted by JSON path (empty when valid).

    ``text_checked``: the document came through ``jsonguard.parse`` (no NUL in any string).
    """
    return schemas.validate(schemas.PACKET, document, text_checked=text_checked)


def parse_time(value: str, path: str = "$.created_at") -> datetime:
    """Parse an RFC 3339 timestamp the schema accepted; refuse one that has no UTC equivalent."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        # e.g. 0001-01-01T00:00:00+05:00 lies before the first representable instant.
        raise ValidationFailed(
            f"{value!r} is outside the representable range",
            details=[{"path": path, "message": f"{value!r} is outside the representable range"}],
        ) from None


def customer_key(document: Mapping[str, Any]) -> str | None:
    """Identify the customer across contacts: email first, then the bot's customer id."""
    email = _lookup(document, "customer.email") or _lookup(document, "requester.email")
    if email:
        return str(email).strip().lower()
    ident = _lookup(document, "customer.id") or _lookup(document, "requester.external_id")
    return f"id:{ident}" if ident else None


def no_follow_ups(packet_id: str) -> Sequence[Queued]:
    """Queue nothing beyond the packet's own delivery."""
    return ()


def delivery_of(packet_id: str, ticket_id: int | None) -> Queued:
    """The outbox row that writes a new packet's note to its ticket."""
    return Queued(
        DELIVERY_KIND, f"{DELIVERY_KIND}:{packet_id}", {"packet_id": packet_id}, ticket_id
    )


def accept_packet(
    session: Session,
    document: Any,
    *,
    now: datetime,
    follow_ups: Callable[[str], Sequence[Queued]] = no_follow_ups,
) -> Accepted:
    """Validate and store a packet and queue its delivery to the ticket, in the caller's transaction.

    ``follow_ups(packet_id)`` names more work to queue for a new packet (its policy check); it
    is written with the packet and its delivery, on PostgreSQL in the same single statement.
    The same body posted again returns the stored packet and queues nothing; a different body
    under the same ``packet_id`` raises Conflict. Nothing is written when validation fails.
    """
    values, queued, _text = _prepare(document, now, follow_ups)
    new_id = _insert_new(session, values, queued, now)
    if new_id is None:
        return Accepted(_same_as_stored(session, values), created=False)
    packet = Packet(id=new_id, **values)
    make_transient_to_detached(packet)
    session.add(packet)
    return Accepted(packet, created=True)


@dataclass(frozen=True)
class StoredPacket:
    """What the intake answers about a stored packet, without an ORM object."""

    packet_id: str
    body: dict[str, Any]
    completeness: float
    missing_fields: list[str]
    received_at: datetime
    # The body's canonical JSON when this call just wrote it: the answer is built around it.
    body_json: str | None = None


@dataclass(frozen=True)
class Intake:
    """The outcome of the API's intake: the stored packet and whether this call created it."""

    packet: StoredPacket
    created: bool


@dataclass(frozen=True)
class NewPacket:
    """A valid packet's row values and the outbox rows queued with it, ready to insert."""

    values: dict[str, Any]
    queued: Sequence[Queued]
    now: datetime
    # The body's canonical JSON, already written to hash it: PostgreSQL stores it as jsonb,
    # which keeps no key order, so it need not be encoded a second time.
    body_json: str | None = None


def intake(
    document: Any,
    *,
    now: datetime,
    write: Callable[[NewPacket], int | None],
    session: Callable[[], Session],
    follow_ups: Callable[[str], Sequence[Queued]] = no_follow_ups,
    text_checked: bool = False,
) -> Intake:
    """Do what ``accept_packet`` does without an ORM object: the API's intake.

    ``write(new)`` inserts the packet unless its ``packet_id`` is taken and returns once that
    is committed: its id, or None (e.g. ``GroupCommit.run`` over ``insert_batch``). Validation
    and row values are computed here, before it. Only a repeat reads the stored row, from
    ``session()``. ``text_checked``: ``document`` came through ``jsonguard.parse``.
    """
    values, queued, text = _prepare(document, now, follow_ups, text_checked=text_checked)
    if write(NewPacket(values, queued, now, text)) is not None:
        return Intake(_stored(values, text), created=True)
    found = _same_as_stored(session(), values)
    return Intake(_stored({f: getattr(found, f) for f in _ANSWERED}, None), created=False)


# What the intake answers about a packet (StoredPacket), read from its row values or stored row.
_ANSWERED = ("packet_id", "body", "completeness", "missing_fields", "received_at")


def _stored(row: Mapping[str, Any], body_json: str | None) -> StoredPacket:
    """Return what the intake answers about a packet, from its row's ``_ANSWERED`` fields."""
    return StoredPacket(row["packet_id"], row["body"], row["completeness"], row["missing_fields"],
                        row["received_at"], body_json)  # fmt: skip


def _prepare(
    document: Any,
    now: datetime,
    follow_ups: Callable[[str], Sequence[Queued]],
    *,
    text_checked: bool = False,
) -> tuple[dict[str, Any], list[Queued], str]:
    """Validate a packet (422 with every error); return its row values, what to queue, its body's canonical JSON."""
    errors = validate_packet(document, text_checked=text_checked)
    if errors:
        raise ValidationFailed(
            f"the packet has {len(errors)} schema error(s)", details=[e.as_dict() for e in errors]
        )
    values, text = _row(document, now)
    queued = [
        delivery_of(values["packet_id"], values["ticket_id"]),
        *follow_ups(values["packet_id"]),
    ]
    return values, queued, text


def _same_as_stored(session: Session, values: Mapping[str, Any]) -> Packet:
    """Return the packet already stored under this ``packet_id``; Conflict if its body differs."""
    existing = get_packet(session, values["packet_id"])
    assert existing is not None
    if existing.body_hash != values["body_hash"]:
        raise Conflict(
            f"packet {values['packet_id']} was already accepted with different content",
            details=[{"path": "$.packet_id", "message": "reuse of packet_id with another body"}],
        )
    return existing


def packet_values(document: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """Return the packets row for a valid packet: its body without server fields, and what is derived."""
    return _row(document, now)[0]


def _row(document: Mapping[str, Any], now: datetime) -> tuple[dict[str, Any], str]:
    """Return ``packet_values`` and the body's canonical JSON it hashed."""
    body = {k: v for k, v in document.items() if k not in SERVER_FIELDS}
    score = completeness(body)
    text = canonical_json(body)
    values = {
        "packet_id": body["packet_id"],
        # JSON Schema counts 42.0 as an integer; the column holds 42.
        "ticket_id": int(body["ticket_id"]) if body.get("ticket_id") is not None else None,
        "conversation_id": body.get("conversation_id"),
        "schema_version": body["schema_version"],
        "intent": body["intent"]["name"],
        "escalation_reason": body["escalation"]["reason"],
        "channel": body.get("channel"),
        "customer_key": customer_key(body),
        "completeness": score.score,
        "missing_fields": list(score.missing),
        "body": body,
        "body_hash": _hash(text),
        "created_at": parse_time(body["created_at"]) if "created_at" in body else now,
        "received_at": now,
    }
    return values, text


_PACKET_COLUMNS = (
    "packet_id", "ticket_id", "conversation_id", "schema_version", "intent", "escalation_reason",
    "channel", "customer_key", "completeness", "missing_fields", "body", "body_hash",
    "created_at", "received_at",
)  # fmt: skip
# What differs between the outbox rows queued with a packet; the rest is the packet's own.
_QUEUED_BOUND = ("kind", "key", "ticket_id", "payload")


@cache
def _insert_statement(dialect: str, queued: int) -> sa.Executable:
    """Build, once per shape, the statement that inserts a packet and ``queued`` outbox rows.

    The values are bound parameters, so SQLAlchemy compiles it once and each request only
    binds. PostgreSQL gets a single statement: the outbox rows are selected from the packet
    insert's RETURNING in a data-modifying CTE, so they exist only if the packet does. Only what
    differs between them is bound; their times are the packet's ``received_at`` and their state
    a new item's (as ``Queued.row``), so a packet binds 14 + 4 per item values, not 14 + 9.
    """
    packets: sa.Table = Packet.__table__  # type: ignore[assignment]
    items: sa.Table = OutboxItem.__table__  # type: ignore[assignment]
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    new_packet = (
        insert(packets)
        .values({c: sa.bindparam(c, type_=packets.c[c].type) for c in _PACKET_COLUMNS})
        .on_conflict_do_nothing(index_elements=["packet_id"])
        .returning(packets.c.id, packets.c.received_at)
    )
    if dialect != "postgresql" or not queued:
        return new_packet
    returned = new_packet.cte("new_packet")
    due = returned.c.received_at
    rows = [
        sa.select(
            *(sa.bindparam(f"q{i}_{c}", type_=items.c[c].type) for c in _QUEUED_BOUND),
            sa.literal_column(f"'{PENDING}'"),
            sa.literal_column("0"),
            due,
            due,
            due,
        ).select_from(returned)
        for i in range(queued)
    ]
    columns = [*_QUEUED_BOUND, "status", "attempts", "next_attempt_at", "created_at", "updated_at"]
    into_outbox = sa.insert(items).from_select(columns, sa.union_all(*rows)).cte("queued")
    return sa.select(returned.c.id).add_cte(into_outbox)


def _insert_new(
    db: Session | sa.Connection, values: dict[str, Any], queued: Sequence[Queued], now: datetime
) -> int | None:
    """Insert a packet and its queued work unless its ``packet_id`` is taken; its id, or None.

    ``INSERT ... ON CONFLICT (packet_id) DO NOTHING``: no lookup first, and a concurrent twin
    waits for the winner instead of failing on the unique key. PostgreSQL writes the packet
    and its outbox rows in one statement (one round trip); SQLite, which has no data-modifying
    CTE, takes a second statement in the same transaction.
    """
    bind = db.get_bind() if isinstance(db, Session) else db
    dialect = bind.dialect.name
    params = dict(values)
    if dialect == "postgresql":
        for i, q in enumerate(queued):
            params.update(
                {f"q{i}_kind": q.kind, f"q{i}_key": q.key, f"q{i}_ticket_id": q.ticket_id,
                 f"q{i}_payload": q.payload}
            )  # fmt: skip
    new_id: int | None = db.execute(_insert_statement(dialect, len(queued)), params).scalar()
    if new_id is not None and dialect != "postgresql":
        outbox.insert_new(db, queued, now)
    return new_id


@lru_cache(maxsize=256)  # one per batch shape; bounded should follow-ups vary
def _batch_statement(queued: tuple[int, ...]) -> sa.Select[Any]:
    """Build, once per shape, the PostgreSQL statement inserting several packets and their outbox rows.

    ``queued[j]`` is how many outbox rows packet ``j`` queues. As ``_insert_statement`` for one
    packet: an ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` in a data-modifying CTE, each
    outbox row selected from its packet's ``RETURNING`` row, so it exists only if the packet
    does; the statement answers the ``packet_id`` and id of each packet it inserted.
    """
    packets: sa.Table = Packet.__table__  # type: ignore[assignment]
    items: sa.Table = OutboxItem.__table__  # type: ignore[assignment]
    # Rows as a UNION of SELECTs of bound values, not a multi-row VALUES: SQLAlchemy caches
    # this statement's compiled form (a multi-row VALUES is compiled again on every call).
    rows = [
        sa.select(*(sa.bindparam(f"p{j}_{c}", type_=packets.c[c].type) for c in _PACKET_COLUMNS))
        for j in range(len(queued))
    ]
    returned = (
        pg_insert(packets)
        .from_select(list(_PACKET_COLUMNS), rows[0] if len(rows) == 1 else sa.union_all(*rows))
        .on_conflict_do_nothing(index_elements=["packet_id"])
        .returning(packets.c.id, packets.c.packet_id, packets.c.received_at)
        .cte("new_packet")
    )
    due = returned.c.received_at
    selects = [
        sa.select(
            *(sa.bindparam(f"q{j}_{i}_{c}", type_=items.c[c].type) for c in _QUEUED_BOUND),
            sa.literal_column(f"'{PENDING}'"),
            sa.literal_column("0"),
            due,
            due,
            due,
        )
        .select_from(returned)
        .where(returned.c.packet_id == sa.bindparam(f"p{j}_packet_id"))
        for j, count in enumerate(queued)
        for i in range(count)
    ]
    columns = [*_QUEUED_BOUND, "status", "attempts", "next_attempt_at", "created_at", "updated_at"]
    select = sa.select(returned.c.packet_id, returned.c.id)
    if not selects:
        return select
    into_outbox = sa.insert(items).from_select(columns, sa.union_all(*selects)).cte("queued")
    return select.add_cte(into_outbox)


@lru_cache(maxsize=256)
def _compiled_batch(
    queued: tuple[int, ...], dialect: sa.Dialect
) -> tuple[str, dict[str, Callable[[Any], Any]]]:
    """Compile ``_batch_statement(queued)`` once: its SQL for the driver and each bound value's converter."""
    compiled = _batch_statement(queued).compile(dialect=dialect)
    processors: dict[str, Callable[[Any], Any]] = {}
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            processors[name] = process
    return str(compiled), processors


def insert_batch(connection: sa.Connection, batch: Sequence[NewPacket]) -> list[int | None]:
    """Insert packets and their queued work, skipping any ``packet_id`` already taken; each one's id or None.

    PostgreSQL writes the whole batch in one prepared statement (``_batch_statement``): on a
    connection whose statements commit by themselves, one round trip and one WAL flush for all.
    SQLite inserts them one after another in the caller's transaction. A ``packet_id`` twice in
    a batch is inserted once, for its first item; the later ones answer None, as a repeat.
    """
    firsts: dict[str, int] = {}
    for j, new in enumerate(batch):
        firsts.setdefault(new.values["packet_id"], j)
    unique = [batch[j] for j in sorted(firsts.values())]
    if connection.dialect.name != "postgresql":
        ids = {new.values["packet_id"]: _insert_new(connection, new.values, new.queued, new.now)
               for new in unique}  # fmt: skip
    else:
        sql, processors = _compiled_batch(
            tuple(len(new.queued) for new in unique), connection.dialect
        )
        params: dict[str, Any] = {}
        for j, new in enumerate(unique):
            params.update({f"p{j}_{c}": v for c, v in new.values.items()})
            for i, q in enumerate(new.queued):
                params.update({f"q{j}_{i}_kind": q.kind, f"q{j}_{i}_key": q.key,
                               f"q{j}_{i}_ticket_id": q.ticket_id, f"q{j}_{i}_payload": q.payload})  # fmt: skip
        for name, process in processors.items():
            params[name] = process(params[name])
        for j, new in enumerate(unique):
            if new.body_json is not None:
                params[f"p{j}_body"] = new.body_json  # cast to jsonb as the processed value is
        # Its SQL compiled once, sent as is: compiling the statement's cache key on every call
        # cost more CPU than the rest of the insert, and so did building a result's metadata for
        # its rows (``driver_rows`` reads them from the cursor). psycopg prepares it after a few uses.
        ids = dict(driver_rows(connection, sql, params))
    return [ids.get(new.values["packet_id"]) if firsts[new.values["packet_id"]] == j else None
            for j, new in enumerate(batch)]  # fmt: skip


def get_packet(session: Session, packet_id: str, *, missing_ok: bool = False) -> Packet | None:
    """Return the packet with ``packet_id``; raise NotFound unless ``missing_ok``."""
    packet = session.scalar(sa.select(Packet).where(Packet.packet_id == packet_id))
    if packet is None and not missing_ok:
        raise NotFound(f"no packet with packet_id {packet_id}")
    return packet


def latest_packet_for_ticket(session: Session, ticket_id: int) -> Packet | None:
    """Return the ticket's newest packet (latest handoff time, then latest stored), or None."""
    if not 0 < ticket_id <= MAX_BIGINT:
        return None  # beyond any database integer: no packet, and no overflow in the query
    return session.scalar(
        sa.select(Packet)
        .where(Packet.ticket_id == ticket_id)
        .order_by(Packet.created_at.desc(), Packet.id.desc())
        .limit(1)
    )


def latest_packet_for_conversation(session: Session, conversation_id: str) -> Packet | None:
    """Return the conversation's newest packet (latest handoff time, then latest stored), or None."""
    return session.scalar(
        sa.select(Packet)
        .where(Packet.conversation_id == conversation_id)
        .order_by(Packet.created_at.desc(), Packet.id.desc())
        .limit(1)
    )


def packet_for_ticket(session: Session, ticket_id: int) -> Packet:
    """Return the latest packet written for a ticket, or raise NotFound."""
    packet = latest_packet_for_ticket(session, ticket_id)
    if packet is None:
        raise NotFound(f"no packet for ticket {ticket_id}")
    return packet


def packet_view(packet: Packet | StoredPacket) -> dict[str, Any]:
    """Serialize a stored packet: the bot's body plus what the server added."""
    return {
        **packet.body,
        "completeness": {"score": packet.completeness, "missing": packet.missing_fields},
        "received_at": packet.received_at.isoformat().replace("+00:00", "Z"),
    }


def packet_json(packet: Packet | StoredPacket) -> str:
    """Return ``packet_view`` as JSON text; a packet just written reuses its body's canonical JSON.

    The body was encoded once already, to hash it; only the server's two fields are encoded
    here and appended (the body never holds them: ``SERVER_FIELDS``), so the answer's keys come
    sorted, as the canonical form has them.
    """
    body_json = packet.body_json if isinstance(packet, StoredPacket) else None
    if body_json is None:
        return jsonguard.dumps(packet_view(packet))
    added = jsonguard.dumps({
        "completeness": {"score": packet.completeness, "missing": packet.missing_fields},
        "received_at": packet.received_at.isoformat().replace("+00:00", "Z"),
    })  # fmt: skip
    return f"{body_json[:-1]},{added[1:]}"


# --- assembling a packet from a conversation (for Python bots) --------------------------------

_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_ORDER = re.compile(
    r"(?:\border\s*(?:number|no\.?|#|id)?\s*[:#]?\s*|#)([A-Z]{0,4}-?\d{4,12})\b", re.I
)
_PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{7,}\d\b")
_FRUSTRATION = (
    "ridiculous",
    "useless",
    "frustrat",
    "angry",
    "unacceptable",
    "waste of time",
    "fed up",
    "third time",
    "again and again",
    "speak to a human",
    "real person",
    "terrible",
    "worst",
)


def extract_identifiers(texts: Iterable[str]) -> list[dict[str, str]]:
    """Find order numbers, emails and phone numbers the customer typed, in first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    for text in texts:
        for match in _ORDER.finditer(text):
            seen.setdefault(("order_id", match.group(1).upper()), None)
        for match in _EMAIL.finditer(text):
            seen.setdefault(("email", match.group(0).lower()), None)
        for match in _PHONE.finditer(text):
            digits = re.sub(r"[^\d+]", "", match.group(0))
            if len(digits.lstrip("+")) >= 9:
                seen.setdefault(("phone", digits), None)
    return [{"kind": kind, "value": value} for kind, value in seen]


def estimate_sentiment(texts: Sequence[str]) -> dict[str, Any]:
    """Estimate sentiment from frustration cues in the customer's messages (a fallback, not a model)."""
    lowered = [t.lower() for t in texts]
    signals = sorted({cue for cue in _FRUSTRATION for t in lowered if cue in t})
    shouting = any(sum(c.isupper() for c in t) > 12 and t.upper() == t for t in texts)
    if shouting:
        signals.append("all caps")
    score = max(-1.0, -0.25 * len(signals))
    label = "negative" if signals else "neutral"
    return {"label": label, "score": score, "frustration": bool(signals), "signals": signals}


def build_packet(
    *,
    transcript: Sequence[Mapping[str, Any]],
    intent: str,
    summary: str,
    escalation_reason: str,
    bot_name: str,
    ticket_id: int | None = None,
    requester: Mapping[str, Any] | None = None,
    now: datetime,
    **fields: Any,
) -> dict[str, Any]:
    """Assemble a packet from a conversation, filling identifiers and sentiment where absent.

    Extra keyword arguments are top-level packet fields (customer, account_state, prior_actions,
    channel, conversation_id...). The result is validated; a bad field raises ValidationFailed.
    """
    customer_texts = [str(m["text"]) for m in transcript if m.get("role") == "customer"]
    packet: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "packet_id": str(fields.pop("packet_id", uuid.uuid4())),
        "created_at": now.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "bot": {
            "name": bot_name,
            **({"version": fields.pop("bot_version")} if "bot_version" in fields else {}),
        },
        "intent": {
            "name": intent,
            **({"confidence": fields.pop("confidence")} if "confidence" in fields else {}),
        },
        "summary": summary,
        "escalation": {"reason": escalation_reason, **fields.pop("escalation", {})},
        "transcript": [dict(m) for m in transcript],
    }
    if ticket_id is not None:
        packet["ticket_id"] = ticket_id
    if requester is not None:
        packet["requester"] = dict(requester)
    packet.update(fields)
    packet.setdefault("identifiers", extract_identifiers(customer_texts))
    packet.setdefault("sentiment", estimate_sentiment(customer_texts))
    errors = validate_packet(packet)
    if errors:
        raise ValidationFailed(
            "the assembled packet is invalid", details=[e.as_dict() for e in errors]
        )
    packet["completeness"] = completeness(packet).as_dict()
    return packet
