"""Keep contact facts and weekly rollups current, touching only what changed since the last refresh.

Opening the panel reads ``metric_rollups`` only, so its cost follows the number of weeks shown,
not the number of tickets stored. A refresh finds the conversations and tickets whose rows
changed since the cursor, rebuilds their contacts, re-marks repeat contacts of the customers
involved, and recomputes the rollup rows (week x intent x segment x channel x path) those
contacts were or are in, and the weekly histograms of their weeks and paths.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.metrics import facts as facts_mod
from handoff.metrics import rebuild
from handoff.metrics.stats import bucket
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
from handoff.models.metrics import (
    ContactFact,
    DelayedSurvey,
    MetricRollup,
    MetricState,
    MetricWeekHistogram,
)
from handoff.productconfig import ProductConfig

log = logging.getLogger(__name__)

STATE = "rollups"
# Every source row is stamped with when we stored it (our clock), so a late arrival is found
# however old its helpdesk timestamps are; this margin covers a writer that committed just
# after a refresh read the cursor.
LOOKBACK = timedelta(minutes=10)
BATCH = 2000

COUNTS = (
    "contacts", "engaged", "ai_resolved", "contained", "abandoned", "refused", "refused_valid",
    "refusals_judged", "escalated",
    "csat_good", "csat_bad", "csat_offered", "dcsat_good", "dcsat_bad", "dcsat_sent",
    "model_csat_n", "flagged", "checked", "repeated", "reask_suggested", "packets",
    "packets_complete", "acknowledged", "resolved", "repeat_24h", "repeat_7d", "repeat_30d",
)  # fmt: skip
HISTOGRAMS = ("bot_handle", "handle", "first_reply", "first_useful_reply")
_KEY_COLUMNS = (
    ContactFact.week, ContactFact.intent, ContactFact.segment, ContactFact.channel, ContactFact.path,
)  # fmt: skip
_FACT_COLUMNS = (
    "week", "intent", "segment", "channel", "path", "outcome", "csat", "csat_offered",
    "delayed_csat", "delayed_sent", "model_csat", "model_csat_n", "flagged", "checked", "repeated",
    "reask_suggested", "packets", "packets_complete", "missing_fields", "acknowledged",
    "refused_valid", "resolved_at",
    "repeat_24h", "repeat_7d", "repeat_30d", "bot_handle_s", "handle_s", "first_reply_s",
    "first_useful_reply_s",
)  # fmt: skip


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh did: full or incremental, how many contacts and weeks it rebuilt."""

    full: bool
    contacts: int
    weeks: tuple[str, ...]
    cursor: datetime


def aggregate(rows: Iterable[Mapping[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Sum fact rows into rollup rows keyed by week × intent × segment × channel × path."""
    out: dict[tuple[str, ...], dict[str, Any]] = {}
    for f in rows:
        key = (f["week"], f["intent"], f["segment"], f["channel"], f["path"])
        r = out.get(key)
        if r is None:
            r = dict.fromkeys(COUNTS, 0)
            r.update(zip(("week", "intent", "segment", "channel", "path"), key, strict=True))
            r.update(
                model_csat_sum=0.0, hist={h: {} for h in HISTOGRAMS}, missing={}, refreshed_at=now
            )
            out[key] = r
        path, outcome = f["path"], f["outcome"]
        engaged = path != facts_mod.HUMAN_ONLY
        escalated = path == facts_mod.ESCALATED
        r["contacts"] += 1
        r["engaged"] += engaged
        r["ai_resolved"] += path == facts_mod.AI_ONLY and outcome == "resolved"
        r["contained"] += engaged and outcome == "resolved"
        r["abandoned"] += engaged and outcome == "abandoned"
        r["refused"] += engaged and outcome == "refused"
        if f["refused_valid"] is not None:
            r["refusals_judged"] += 1
            r["refused_valid"] += bool(f["refused_valid"])
        r["escalated"] += escalated
        r["csat_good"] += f["csat"] == "good"
        r["csat_bad"] += f["csat"] == "bad"
        r["csat_offered"] += bool(f["csat_offered"])
        r["dcsat_good"] += f["delayed_csat"] == "good"
        r["dcsat_bad"] += f["delayed_csat"] == "bad"
        r["dcsat_sent"] += bool(f["delayed_sent"])
        if f["model_csat"] is not None:
            r["model_csat_sum"] += float(f["model_csat"])
            r["model_csat_n"] += f["model_csat_n"]
        if escalated:
            r["flagged"] += bool(f["flagged"])
            r["checked"] += bool(f["checked"])
            r["repeated"] += bool(f["checked"] and f["repeated"])
            r["reask_suggested"] += bool(f["reask_suggested"])
            r["acknowledged"] += bool(f["acknowledged"])
        r["packets"] += f["packets"]
        r["packets_complete"] += f["packets_complete"]
        for name in f["missing_fields"] or []:
            r["missing"][name] = r["missing"].get(name, 0) + 1
        if f["resolved_at"] is not None:
            r["resolved"] += 1
            for window in ("repeat_24h", "repeat_7d", "repeat_30d"):
                r[window] += bool(f[window])
        for name, column in zip(
            HISTOGRAMS,
            ("bot_handle_s", "handle_s", "first_reply_s", "first_useful_reply_s"),
            strict=True,
        ):
            seconds = f[column]
            if seconds is not None:
                edge = str(bucket(seconds))
                r["hist"][name][edge] = r["hist"][name].get(edge, 0) + 1
    return list(out.values())


@dataclass
class Sources:
    """Source rows whose contacts a refresh rebuilds: conversations, tickets, packets (row ids)."""

    conversations: set[str]
    tickets: set[int]
    packets: set[int]


def _touched(session: Session, since: datetime) -> Sources:
    """Return the conversations, tickets and packets with any source row stored since ``since``."""
    convs: set[str] = set()
    tickets: set[int] = set()
    convs.update(
        session.scalars(
            sa.select(BotConversation.conversation_id).where(BotConversation.received_at > since)
        )
    )
    packets = set(session.scalars(sa.select(Packet.id).where(Packet.received_at > since)))
    per_ticket = [
        (HelpdeskTicket.id, HelpdeskTicket.synced_at),
        (HelpdeskComment.ticket_id, HelpdeskComment.synced_at),
        (SatisfactionRating.ticket_id, SatisfactionRating.synced_at),
        (TicketMetric.ticket_id, TicketMetric.synced_at),
        (DetectionRun.ticket_id, DetectionRun.computed_at),
        (DetectionFinding.ticket_id, DetectionFinding.created_at),
        (DelayedSurvey.ticket_id, DelayedSurvey.sent_at),
        (DelayedSurvey.ticket_id, DelayedSurvey.answered_at),
        (DelayedSurvey.ticket_id, DelayedSurvey.recorded_at),
        (ReaskFlag.ticket_id, ReaskFlag.updated_at),
        (PacketAcknowledgement.ticket_id, PacketAcknowledgement.created_at),
    ]
    for column, stamp in per_ticket:
        tickets.update(session.scalars(sa.select(column).where(stamp > since).distinct()))
    # A user's email or external id decides whose contacts their tickets are.
    users = sa.select(HelpdeskUser.id).where(HelpdeskUser.synced_at > since)
    tickets.update(
        session.scalars(sa.select(HelpdeskTicket.id).where(HelpdeskTicket.requester_id.in_(users)))
    )
    return Sources(convs, tickets, packets)


def _all_sources(session: Session) -> Sources:
    """Return every conversation, ticket and packet (for a full rebuild)."""
    convs = session.scalars(sa.select(BotConversation.conversation_id))
    tickets = session.scalars(sa.select(HelpdeskTicket.id))
    packets = session.scalars(sa.select(Packet.id))
    return Sources(set(convs), set(tickets), set(packets))


def _write_facts(
    session: Session,
    built: dict[str, facts_mod.ContactRow],
    rows: set[rebuild.Key],
    customers: set[str],
    *,
    fresh: bool = False,
) -> None:
    """Replace the facts of these contacts, remembering the rollup rows and customers they leave and enter.

    A contact's stale rows are found under any key one of its sources could have had, and by
    its ticket and conversation, so a contact that grew (a late conversation joining its
    packet) replaces the rows its parts had alone.
    """
    keys = sorted({k for f in built.values() for k in (f.contact_key, *f.member_keys)})
    tickets = sorted({f.ticket_id for f in built.values() if f.ticket_id})
    convs = sorted({f.conversation_id for f in built.values() if f.conversation_id})
    stale = [ContactFact.contact_key.in_(part) for part in facts_mod._chunks(keys)]
    stale += [ContactFact.ticket_id.in_(part) for part in facts_mod._chunks(tickets)]
    stale += [ContactFact.conversation_id.in_(part) for part in facts_mod._chunks(convs)]
    for condition in [] if fresh else stale:
        for week, intent, segment, channel, path, customer, email in session.execute(
            sa.select(*_KEY_COLUMNS, ContactFact.customer_key, ContactFact.customer_email).where(
                condition
            )
        ):
            rows.add((week, intent, segment, channel, path))
            customers.update(c for c in (customer, email and f"email:{email}") if c)
        session.execute(sa.delete(ContactFact).where(condition))
    if built:
        # Core executemany (batched by the dialect), not the ORM's per-row bulk path.
        session.connection().execute(sa.insert(ContactFact), [f.columns() for f in built.values()])
    for f in built.values():
        rows.add((f.week, f.intent, f.segment, f.channel, f.path))
        customers.update(
            c for c in (f.customer_key, f.customer_email and f"email:{f.customer_email}") if c
        )


def _customer_rows(session: Session, customers: set[str] | None) -> list[Any]:
    """Load the contacts of these customers and of everyone linked to them by a shared key or email."""
    columns = (
        ContactFact.contact_key, ContactFact.customer_key, ContactFact.customer_email,
        ContactFact.intent, ContactFact.started_at, ContactFact.resolved_at, ContactFact.week,
        ContactFact.repeat_24h, ContactFact.repeat_7d, ContactFact.repeat_30d,
        ContactFact.segment, ContactFact.channel, ContactFact.path,
    )  # fmt: skip
    if customers is None:
        return list(
            session.execute(sa.select(*columns).where(ContactFact.customer_key.is_not(None)))
        )
    rows: dict[str, Any] = {}
    wanted, asked = set(customers), set[str]()
    while wanted - asked:
        batch = sorted(wanted - asked)
        asked |= set(batch)
        emails = [c[len("email:") :] for c in batch if c.startswith("email:")]
        conditions = [ContactFact.customer_key.in_(p) for p in facts_mod._chunks(batch)]
        conditions += [ContactFact.customer_email.in_(p) for p in facts_mod._chunks(emails)]
        for condition in conditions:
            for r in session.execute(sa.select(*columns).where(condition)):
                rows[r[0]] = r
                wanted.update(c for c in (r[1], r[2] and f"email:{r[2]}") if c)
    return list(rows.values())


def _remark_repeats(
    session: Session, config: ProductConfig, customers: set[str] | None, keys: set[rebuild.Key]
) -> None:
    """Recompute repeat-contact flags for these customers (all when None); note keys that change."""
    rows = _customer_rows(session, customers)
    who = facts_mod.customer_groups((r[0], r[1], r[2]) for r in rows)
    flags = facts_mod.repeat_flags(((r[0], who.get(r[0]), r[3], r[4], r[5]) for r in rows), config)
    changes = []
    for r in rows:
        new = flags[r[0]]
        if (new["repeat_24h"], new["repeat_7d"], new["repeat_30d"]) != (r[7], r[8], r[9]):
            changes.append({"key": r[0], **new})
            keys.add((r[6], r[3], r[10], r[11], r[12]))
    if changes:
        statement = (
            sa.update(ContactFact)
            .where(ContactFact.contact_key == sa.bindparam("key"))
            .values(
                repeat_24h=sa.bindparam("repeat_24h"),
                repeat_7d=sa.bindparam("repeat_7d"),
                repeat_30d=sa.bindparam("repeat_30d"),
            )
        )
        session.connection().execute(statement, changes)


def _rebuild_weeks(session: Session, weeks: set[str], now: datetime) -> None:
    """Recompute the rollup rows of these weeks from the contact facts."""
    columns = [getattr(ContactFact, name) for name in _FACT_COLUMNS]
    for part in facts_mod._chunks(sorted(weeks), 50):
        session.execute(sa.delete(MetricRollup).where(MetricRollup.week.in_(part)))
        result = session.execute(sa.select(*columns).where(ContactFact.week.in_(part)))
        rows = aggregate((dict(r._mapping) for r in result), now)
        if rows:
            session.connection().execute(sa.insert(MetricRollup), rows)
        session.execute(sa.delete(MetricWeekHistogram).where(MetricWeekHistogram.week.in_(part)))
        weekly: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
        for row in rows:
            merged = weekly.setdefault((row["week"], row["path"]), {h: {} for h in HISTOGRAMS})
            for name, histogram in row["hist"].items():
                for edge, count in histogram.items():
                    merged[name][edge] = merged[name].get(edge, 0) + count
        if weekly:
            session.connection().execute(
                sa.insert(MetricWeekHistogram),
                [{"week": w, "path": p, "hist": h} for (w, p), h in weekly.items()],
            )


def refresh(
    session: Session,
    config: ProductConfig,
    *,
    now: datetime,
    full: bool = False,
    python: bool = False,
) -> RefreshResult:
    """Bring facts and rollups up to date; flush, never commit.

    A changed configuration (archetypes, timezone...) forces a full rebuild, since weeks and
    repeat contacts depend on it. The full rebuild and the weekly rollups are set-based SQL
    (``handoff.metrics.rebuild``); ``python=True`` takes the per-contact Python path instead,
    kept as the reference the SQL is tested against.
    """
    rebuild.lock(session)  # one refresh at a time (PostgreSQL); held until commit
    state = session.get(MetricState, STATE)
    full = full or state is None or state.cursor is None or state.config_digest != config.digest
    keys: set[rebuild.Key] = set()
    customers: set[str] = set()
    all_weeks = False
    if full and not python:
        session.flush()
        count = rebuild.full(session, config, now)
        all_weeks = True
    elif full:
        session.execute(sa.delete(MetricWeekHistogram))
        session.execute(sa.delete(MetricRollup))
        session.execute(sa.delete(ContactFact))
        sources = _all_sources(session)
        count = 0
        for built in facts_mod.build_batched(
            session, config, conversations=sources.conversations, tickets=sources.tickets,
            packets=sources.packets, now=now, batch=BATCH,
        ):  # fmt: skip
            _write_facts(session, built, keys, customers, fresh=True)
            count += len(built)
        _remark_repeats(session, config, None, keys)
    else:
        assert state is not None and state.cursor is not None
        touched = _touched(session, state.cursor - LOOKBACK)
        built = facts_mod.build(
            session, config, conversation_ids=touched.conversations, ticket_ids=touched.tickets,
            packet_ids=touched.packets, now=now,
        )  # fmt: skip
        _write_facts(session, built, keys, customers)
        count = len(built)
        _remark_repeats(session, config, customers, keys)
    session.flush()
    weeks = {key[0] for key in keys}
    if all_weeks:
        weeks = set(session.scalars(sa.select(MetricRollup.week).distinct()))
    elif python:
        _rebuild_weeks(session, weeks, now)
    else:
        rebuild.rebuild_keys(session, config, keys, now)
    if state is None:
        state = MetricState(name=STATE, updated_at=now)
        session.add(state)
    state.cursor = now
    state.config_digest = config.digest
    state.updated_at = now
    session.flush()
    log.info("metrics refresh full=%s contacts=%d weeks=%d", full, count, len(weeks))
    return RefreshResult(full=full, contacts=count, weeks=tuple(sorted(weeks)), cursor=now)
