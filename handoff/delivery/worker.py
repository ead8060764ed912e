"""The delivery worker: claim due outbox items under a lease, deliver each, retry or fail it.

Guarantees, and how:
- nothing is lost: an item leaves ``pending`` only as ``delivered`` or ``failed`` (with the
  reason); a worker killed mid-delivery leaves it ``in_progress`` with a lease
  (``locked_until``) that expires, and the next claim takes it back;
- no item is delivered by two workers at once: on PostgreSQL the claim selects with
  ``FOR UPDATE SKIP LOCKED``; on SQLite the claim is one UPDATE, which the database serializes;
- nothing is written twice: right before each write the worker proves in the database that it
  still holds the item's lease and extends it (``hold``; after waiting out any Retry-After
  pause, so the write leaves while the lease is fresh); a worker that lost it skips the item.
  Every attempt after the first that was not a clean refusal (a 429) is "uncertain", whoever
  made it, and the handler looks for its marker on the ticket before writing. The lease given
  at ``hold`` is at least ``write_lease``, meant to outlast one helpdesk call. A lease cannot
  fence Zendesk, though: a request can land after its lease ran out (the worker descheduled
  after ``hold``, the server applying it late) while another worker took the item over. So the
  packet note is a Zendesk safe update stamped with the ticket's ``updated_at`` read before the
  marker look; a write landing after that look moves ``updated_at`` and the later PUT gets 409
  ``UpdateConflict`` (nothing written); the handler re-reads, finds the marker, and stops;
- Zendesk's limits are kept: a token bucket paces every call and a 429's Retry-After pauses
  the whole worker; other failures back off exponentially with jitter.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from handoff.delivery.handlers import (
    LOCAL_KINDS,
    ArchetypeOf,
    DeliveryContext,
    LeaseLost,
    PermanentDeliveryError,
    handler_for,
    no_archetype,
)
from handoff.delivery.objects import field_ids
from handoff.delivery.throttle import Pacer
from handoff.errors import HelpdeskError, NotFound
from handoff.models.delivery import DELIVERED, FAILED, IN_PROGRESS, PENDING, OutboxItem
from handoff.ticketing.errors import HelpdeskRejected, RateLimited

log = logging.getLogger("handoff.delivery")

STATUSES = (PENDING, IN_PROGRESS, DELIVERED, FAILED)
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class WorkerConfig:
    """How the worker paces and retries."""

    max_attempts: int = 10
    lease: timedelta = timedelta(seconds=120)
    # The lease a write is sent under: longer than one helpdesk call can last (its timeout).
    write_lease: timedelta = timedelta(seconds=60)
    base_delay: float = 2.0
    max_delay: float = 900.0
    default_retry_after: float = 60.0


@dataclass
class RunSummary:
    """What one pass (or a whole run) of the worker did."""

    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    rate_limited: int = 0
    failed: int = 0
    released: int = 0
    lease_lost: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: RunSummary) -> None:
        """Add another summary's counts to this one."""
        for name in ("claimed", "delivered", "retried", "rate_limited", "failed", "released",
                     "lease_lost"):  # fmt: skip
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)


def backoff_seconds(attempts: int, config: WorkerConfig, rng: random.Random) -> float:
    """Return the wait before the next attempt: exponential in ``attempts``, half of it jittered."""
    ceiling = min(config.max_delay, config.base_delay * 2 ** max(0, attempts - 1))
    return float(ceiling / 2 + rng.uniform(0, ceiling / 2))


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(OutboxItem.status == PENDING, OutboxItem.next_attempt_at <= now),
        sa.and_(OutboxItem.status == IN_PROGRESS, OutboxItem.locked_until < now),
    )


def claim(
    session: Session,
    *,
    worker_id: str,
    now: datetime,
    batch: int,
    lease: timedelta,
    kinds: Sequence[str] | None = None,
) -> list[OutboxItem]:
    """Take up to ``batch`` due items (pending, or in progress with an expired lease) and commit.

    Each claim counts as an attempt, so an item whose worker died is known to be uncertain.
    ``kinds`` limits the claim to those outbox kinds (e.g. a worker for policy checks only).
    """
    token = f"{worker_id}:{uuid.uuid4().hex[:12]}"[:120]
    due = _due(now) if kinds is None else sa.and_(_due(now), OutboxItem.kind.in_(list(kinds)))
    candidates = (
        sa.select(OutboxItem.id)
        .where(due)
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .limit(batch)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    session.execute(
        sa.update(OutboxItem)
        # The outer condition is re-checked on the locked rows: two claims cannot both win.
        .where(OutboxItem.id.in_(candidates.scalar_subquery()), due)
        .values(
            status=IN_PROGRESS,
            locked_by=token,
            locked_until=now + lease,
            attempts=OutboxItem.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    items = session.scalars(
        sa.select(OutboxItem)
        .where(OutboxItem.locked_by == token, OutboxItem.status == IN_PROGRESS)
        .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
        .execution_options(populate_existing=True)
    ).all()
    return list(items)


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def _finish(session: Session, item: OutboxItem, values: dict[str, Any], now: datetime) -> bool:
    """Write the item's new state if this worker still holds its lease; commit either way."""
    token = item.locked_by
    done = session.execute(
        sa.update(OutboxItem)
        .where(OutboxItem.id == item.id, OutboxItem.locked_by == token)
        .values(updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    session.refresh(item)
    return bool(getattr(done, "rowcount", 1))


def hold_lease(
    session: Session,
    item: OutboxItem,
    *,
    clock: Callable[[], datetime],
    config: WorkerConfig,
    bucket: Pacer | None = None,
) -> None:
    """Prove this worker still holds ``item``'s lease and extend it for one write; commit.

    Raises LeaseLost when another worker claimed the item since (its token replaced ours).
    """
    if bucket is not None:
        bucket.wait_unpaused()
    now = clock()
    kept = session.execute(
        sa.update(OutboxItem)
        .where(
            OutboxItem.id == item.id,
            OutboxItem.locked_by == item.locked_by,
            OutboxItem.status == IN_PROGRESS,
        )
        .values(locked_until=now + max(config.lease, config.write_lease), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if not getattr(kept, "rowcount", 0):
        raise LeaseLost(f"item {item.id} was taken over by another worker")


def _log(item: OutboxItem, outcome: str, **extra: Any) -> None:
    parts = [
        f"delivery item={item.id}",
        f"kind={item.kind}",
        f"key={item.key}",
        f"outcome={outcome}",
        f"attempts={item.attempts}",
    ]
    parts += [f"{k}={v}" for k, v in extra.items() if v is not None]
    log.info(" ".join(parts))


def deliver_item(
    session: Session,
    item: OutboxItem,
    helpdesk: Any,
    *,
    now: datetime,
    config: WorkerConfig,
    bucket: Pacer | None = None,
    archetype_of: ArchetypeOf = no_archetype,
    rng: random.Random | None = None,
    fields: dict[str, int] | None = None,
    clock: Callable[[], datetime] | None = None,
    author_id: Callable[[], int | None] = lambda: None,
) -> str:
    """Deliver one claimed item and record the outcome; return delivered, pending, failed or lease_lost."""
    rng = rng or random.Random()  # noqa: S311 - jitter, not security
    bookkeeping = dict(item.result or {})
    ctx = DeliveryContext(
        session=session,
        helpdesk=helpdesk,
        now=now,
        fields=field_ids(session) if fields is None else fields,
        archetype_of=archetype_of,
        # Every attempt but the first that was not a clean 429 may have reached Zendesk. The
        # count is the database's at our claim, and holding the lease means no one claimed since.
        uncertain=item.attempts > 1,
        hold=lambda: hold_lease(
            session, item, clock=clock or (lambda: now), config=config, bucket=bucket
        ),  # fmt: skip
        hold_local=lambda: hold_lease(session, item, clock=clock or (lambda: now), config=config),
        author_id=author_id,
    )
    try:
        result = handler_for(item.kind)(ctx, item)
    except LeaseLost:
        # Another worker owns the item now: it records the outcome; we must not touch it.
        session.rollback()
        _log(item, "lease_lost")
        return "lease_lost"
    except RateLimited as exc:
        session.rollback()
        wait = exc.retry_after if exc.retry_after is not None else config.default_retry_after
        if bucket is not None:
            bucket.pause(wait)
        bookkeeping["rate_limited"] = int(bookkeeping.get("rate_limited", 0)) + 1
        _finish(
            session,
            item,
            {
                "status": PENDING,
                # A 429 is a clean refusal: it does not use up an attempt or make the next uncertain.
                "attempts": max(0, item.attempts - 1),
                "next_attempt_at": now + timedelta(seconds=wait),
                "locked_by": None,
                "locked_until": None,
                "last_error": _short(exc),
                "result": bookkeeping,
            },
            now,
        )
        _log(item, "rate_limited", retry_after=wait)
        return "rate_limited"
    except (PermanentDeliveryError, HelpdeskRejected) as exc:
        session.rollback()
        _finish(
            session,
            item,
            {"status": FAILED, "locked_by": None, "locked_until": None, "last_error": _short(exc)},
            now,
        )
        _log(item, "failed", reason=type(exc).__name__, permanent="true")
        return FAILED
    except Exception as exc:  # noqa: BLE001 - every other failure is retried, never dropped
        session.rollback()
        if not isinstance(exc, HelpdeskError):
            log.exception("delivery item=%s kind=%s unexpected error", item.id, item.kind)
        if item.attempts >= config.max_attempts:
            _finish(
                session,
                item,
                {
                    "status": FAILED,
                    "locked_by": None,
                    "locked_until": None,
                    "last_error": f"gave up after {item.attempts} attempts: {_short(exc)}",
                },
                now,
            )
            _log(item, "failed", reason=type(exc).__name__, permanent="false")
            return FAILED
        delay = backoff_seconds(item.attempts, config, rng)
        _finish(
            session,
            item,
            {
                "status": PENDING,
                "next_attempt_at": now + timedelta(seconds=delay),
                "locked_by": None,
                "locked_until": None,
                "last_error": _short(exc),
            },
            now,
        )
        _log(item, "retry", reason=type(exc).__name__, delay=f"{delay:.1f}")
        return PENDING
    result = {**result, **{k: v for k, v in bookkeeping.items() if k == "rate_limited"}}
    kept = _finish(
        session,
        item,
        {
            "status": DELIVERED,
            "delivered_at": now,
            "locked_by": None,
            "locked_until": None,
            "last_error": None,
            "result": result,
            "ticket_id": result.get("ticket_id", item.ticket_id),
        },
        now,
    )
    _log(item, "delivered" if kept else "delivered_lease_lost", ticket_id=result.get("ticket_id"))
    return DELIVERED


def release(session: Session, items: Sequence[OutboxItem], now: datetime) -> int:
    """Hand claimed but untouched items back (on shutdown), without counting the attempt."""
    released = 0
    for item in items:
        result = session.execute(
            sa.update(OutboxItem)
            .where(
                OutboxItem.id == item.id,
                OutboxItem.locked_by == item.locked_by,
                OutboxItem.status == IN_PROGRESS,
            )
            .values(
                status=PENDING,
                attempts=sa.case((OutboxItem.attempts > 0, OutboxItem.attempts - 1), else_=0),
                locked_by=None,
                locked_until=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        released += int(getattr(result, "rowcount", 0) or 0)
    session.commit()
    return released


def _our_user(helpdesk: Any) -> Callable[[], int | None]:
    """Return a function giving the API user's id, asked of the helpdesk once, when first needed."""
    known: list[int | None] = []

    def author_id() -> int | None:
        if not known:
            me = getattr(helpdesk, "me", None)
            known.append(int(me().id) if me is not None else None)
        return known[0]

    return author_id


def run_pass(
    sessions: sessionmaker[Session],
    helpdesk: Any,
    *,
    worker_id: str,
    clock: Callable[[], datetime],
    config: WorkerConfig,
    batch: int,
    bucket: Pacer | None = None,
    archetype_of: ArchetypeOf = no_archetype,
    should_stop: Callable[[], bool] = lambda: False,
    rng: random.Random | None = None,
    kinds: Sequence[str] | None = None,
) -> RunSummary:
    """Claim one batch and deliver it item by item; on stop, finish the item in hand and release the rest."""
    summary = RunSummary()
    with sessions() as session:
        items = claim(session, worker_id=worker_id, now=clock(), batch=batch, lease=config.lease,
                      kinds=kinds)  # fmt: skip
        summary.claimed = len(items)
        # Local work first (oldest first within each group): it takes no Zendesk call.
        items.sort(key=lambda i: i.kind not in LOCAL_KINDS)
        fields = field_ids(session) if items else {}
        author_id = _our_user(helpdesk)
        for index, item in enumerate(items):
            if should_stop():
                summary.released += release(session, items[index:], clock())
                break
            outcome = deliver_item(
                session,
                item,
                helpdesk,
                now=clock(),
                config=config,
                bucket=bucket,
                archetype_of=archetype_of,
                rng=rng,
                fields=fields,
                clock=clock,
                author_id=author_id,
            )
            if outcome == DELIVERED:
                summary.delivered += 1
            elif outcome == FAILED:
                summary.failed += 1
                summary.errors.append(f"{item.key}: {item.last_error}")
            elif outcome == "rate_limited":
                summary.rate_limited += 1
            elif outcome == "lease_lost":
                summary.lease_lost += 1
            else:
                summary.retried += 1
    return summary


def run(
    sessions: sessionmaker[Session],
    helpdesk: Any,
    *,
    worker_id: str,
    clock: Callable[[], datetime],
    config: WorkerConfig,
    batch: int = 50,
    once: bool = False,
    bucket: Pacer | None = None,
    archetype_of: ArchetypeOf = no_archetype,
    should_stop: Callable[[], bool] = lambda: False,
    idle_sleep: Callable[[float], object] | None = None,
    poll_seconds: float = 1.0,
    before_pass: Callable[[], None] | None = None,
    max_passes: int | None = None,
    kinds: Sequence[str] | None = None,
) -> RunSummary:
    """Deliver until stopped (or, with ``once``, until nothing is due now)."""
    import time

    sleep = idle_sleep or time.sleep
    total = RunSummary()
    passes = 0
    while not should_stop():
        if before_pass is not None:
            before_pass()
        summary = run_pass(
            sessions,
            helpdesk,
            worker_id=worker_id,
            clock=clock,
            config=config,
            batch=batch,
            bucket=bucket,
            archetype_of=archetype_of,
            should_stop=should_stop,
            kinds=kinds,
        )
        total.add(summary)
        passes += 1
        if max_passes is not None and passes >= max_passes:
            break
        if summary.claimed == 0:
            if once:
                break
            sleep(poll_seconds)
    return total


# --- what the API and the CLI show --------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryStatus:
    """Counts by status, the oldest pending item's age and the latest errors."""

    counts: dict[str, int]
    oldest_pending_seconds: float | None
    last_errors: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "counts": self.counts,
            "oldest_pending_seconds": self.oldest_pending_seconds,
            "last_errors": self.last_errors,
        }


def item_view(item: OutboxItem) -> dict[str, Any]:
    """Serialize an outbox item for the API."""

    def iso(value: datetime | None) -> str | None:
        return None if value is None else value.isoformat().replace("+00:00", "Z")

    return {
        "id": item.id,
        "kind": item.kind,
        "key": item.key,
        "ticket_id": item.ticket_id,
        "status": item.status,
        "attempts": item.attempts,
        "next_attempt_at": iso(item.next_attempt_at),
        "locked_until": iso(item.locked_until),
        "last_error": item.last_error,
        "result": item.result,
        "created_at": iso(item.created_at),
        "updated_at": iso(item.updated_at),
        "delivered_at": iso(item.delivered_at),
    }


def delivery_status(session: Session, now: datetime, *, errors: int = 5) -> DeliveryStatus:
    """Summarize the outbox: how many items in each status, how late, what went wrong last."""
    counts = dict.fromkeys(STATUSES, 0)
    for status, count in session.execute(
        sa.select(OutboxItem.status, sa.func.count()).group_by(OutboxItem.status)
    ):
        counts[status] = int(count)
    oldest = session.scalar(
        sa.select(sa.func.min(OutboxItem.created_at)).where(
            OutboxItem.status.in_((PENDING, IN_PROGRESS))
        )
    )
    if oldest is not None and oldest.tzinfo is None:
        from datetime import UTC

        oldest = oldest.replace(tzinfo=UTC)
    rows = session.scalars(
        sa.select(OutboxItem)
        .where(OutboxItem.last_error.is_not(None))
        .order_by(OutboxItem.updated_at.desc(), OutboxItem.id.desc())
        .limit(errors)
    ).all()
    return DeliveryStatus(
        counts=counts,
        oldest_pending_seconds=None if oldest is None else (now - oldest).total_seconds(),
        last_errors=[
            {"id": r.id, "key": r.key, "status": r.status, "error": r.last_error} for r in rows
        ],
    )


def list_items(
    session: Session, *, status: str | None = None, limit: int = 100, before_id: int | None = None
) -> list[OutboxItem]:
    """List outbox items, newest first, optionally of one status."""
    query = sa.select(OutboxItem).order_by(OutboxItem.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxItem.status == status)
    if before_id is not None:
        query = query.where(OutboxItem.id < before_id)
    return list(session.scalars(query))


def get_item(session: Session, item_id: int) -> OutboxItem:
    """Return one outbox item, read fresh."""
    item = session.get(OutboxItem, item_id, populate_existing=True)
    if item is None:
        raise NotFound(f"no delivery with id {item_id}")
    return item


def packet_delivery(session: Session, packet_id: str) -> OutboxItem | None:
    """Return the outbox item delivering a packet's note, or None when the packet has none."""
    return session.scalar(sa.select(OutboxItem).where(OutboxItem.key == f"packet_note:{packet_id}"))


def prune_delivered(
    session: Session, *, now: datetime, older_than: timedelta, batch: int = 5000
) -> int:
    """Delete up to ``batch`` items delivered before ``now - older_than``; flush, never commit.

    Pending, in-progress and failed items are never touched. Once pruned, an item no longer
    shows in the delivery API; nothing re-queues it (a packet's note is queued only when the
    packet is new, a survey once per ticket, a flag's mirror once per flag change). The caller
    commits after each batch and calls again until it returns 0, so no lock is held for long.
    """
    cutoff = now - older_than
    oldest = (
        sa.select(OutboxItem.id)
        .where(OutboxItem.status == DELIVERED, OutboxItem.delivered_at < cutoff)
        .order_by(OutboxItem.id)
        .limit(batch)
    )
    result = session.execute(
        sa.delete(OutboxItem)
        .where(OutboxItem.id.in_(oldest.scalar_subquery()))
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def requeue(
    session: Session,
    *,
    now: datetime,
    ids: Sequence[int] = (),
    all_failed: bool = False,
) -> int:
    """Put failed items back in the queue with fresh attempts; flush, never commit."""
    query = sa.update(OutboxItem).where(OutboxItem.status == FAILED)
    if not all_failed:
        if not ids:
            return 0
        query = query.where(OutboxItem.id.in_(list(ids)))
    result = session.execute(
        query.values(
            status=PENDING,
            # Keep one attempt on the count so the next try checks the ticket before writing.
            attempts=1,
            next_attempt_at=now,
            locked_by=None,
            locked_until=None,
            updated_at=now,
        ).execution_options(synchronize_session=False)
    )
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
