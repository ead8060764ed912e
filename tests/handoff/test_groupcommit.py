"""Group commit: concurrent writes share one transaction; its failure fails them all."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Sequence

import pytest
import sqlalchemy as sa

from handoff import packets
from handoff.groupcommit import GroupCommit
from handoff.models import OutboxItem, Packet
from handoff.outbox import Queued
from handoff.policy.hooks import packet_follow_ups
from tests import factories
from tests.conftest import FIXED_NOW


def _new(packet_id: str | None = None) -> packets.NewPacket:
    """A valid packet ready to insert, with its note and policy-check items."""
    document = factories.packet(packet_id=packet_id or str(uuid.uuid4()))
    values, queued, text = packets._prepare(document, FIXED_NOW, packet_follow_ups)
    return packets.NewPacket(values, queued, FIXED_NOW, text)


def _stored(engine: sa.Engine, packet_ids: Sequence[str]) -> tuple[set[str], set[str]]:
    """Return which of ``packet_ids`` are stored, and the outbox keys queued for them."""
    with engine.connect() as conn:
        found = set(
            conn.scalars(sa.select(Packet.packet_id).where(Packet.packet_id.in_(packet_ids)))
        )
        keys = set(conn.scalars(sa.select(OutboxItem.key)))
    return found, {k for k in keys if any(p in k for p in packet_ids)}


class Hold:
    """A write that records each batch's size and holds the first batch until released."""

    def __init__(self) -> None:
        self.started, self.release = threading.Event(), threading.Event()
        self.batches: list[int] = []

    def write(
        self, connection: sa.Connection, batch: Sequence[packets.NewPacket]
    ) -> list[int | None]:
        """Insert the batch as the app does (``packets.insert_batch``), the first once released."""
        self.batches.append(len(batch))
        if len(self.batches) == 1:
            self.started.set()
            self.release.wait(10)
        return packets.insert_batch(connection, batch)


def _in_one_batch(
    committer: GroupCommit, hold: Hold, items: Sequence[packets.NewPacket]
) -> list[object]:
    """Run ``items`` from threads of their own; return each one's result or error.

    The first item's batch is held until every other item is queued: those then form the
    second batch together.
    """
    outcomes: list[object] = [None] * len(items)

    def call(i: int) -> None:
        try:
            outcomes[i] = committer.run(items[i])
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(items))]
    threads[0].start()
    assert hold.started.wait(10)
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 10
    while committer.waiting() < len(items) - 1:
        if time.monotonic() > deadline:
            hold.release.set()  # let the threads finish, then fail rather than hang
            raise AssertionError(f"only {committer.waiting()} of {len(items) - 1} queued")
        time.sleep(0.001)
    hold.release.set()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_writes_queued_while_a_batch_commits_are_committed_together(intake_engine):
    """Do three packets queued during a commit go in one batch, each answered with its own id?"""
    hold = Hold()
    committer = GroupCommit(intake_engine, hold.write)
    items = [_new() for _ in range(4)]
    outcomes = _in_one_batch(committer, hold, items)
    assert hold.batches == [1, 3]
    assert all(isinstance(o, int) for o in outcomes) and len(set(outcomes)) == 4
    ids = [i.values["packet_id"] for i in items]
    assert _stored(intake_engine, ids) == (
        set(ids),
        {f"{kind}:{p}" for p in ids for kind in ("packet_note", "policy_check:packet")},
    )


def test_a_failed_batch_fails_every_write_in_it_and_stores_none(intake_engine):
    """When one packet of a batch cannot be written, is every caller refused and nothing of the batch stored?"""
    hold = Hold()
    committer = GroupCommit(intake_engine, hold.write)
    items = [_new() for _ in range(4)]
    doomed = items[2].values["packet_id"]
    with intake_engine.begin() as conn:  # a stray row holding the doomed packet's check key
        conn.execute(sa.insert(OutboxItem).values(
            Queued("policy_check", f"policy_check:packet:{doomed}", {}).row(FIXED_NOW)))  # fmt: skip
    outcomes = _in_one_batch(committer, hold, items)
    assert hold.batches == [1, 3]
    assert isinstance(outcomes[0], int)
    assert all(isinstance(o, sa.exc.IntegrityError) for o in outcomes[1:])
    ids = [i.values["packet_id"] for i in items]
    found, keys = _stored(intake_engine, ids)
    assert found == {ids[0]}
    assert keys == {f"packet_note:{ids[0]}", f"policy_check:packet:{ids[0]}",
                    f"policy_check:packet:{doomed}"}  # fmt: skip
    # The lead passed on: the next write is committed.
    assert isinstance(committer.run(items[1]), int)


def test_a_failed_commit_acknowledges_no_write_of_the_batch(clean_db):
    """When the COMMIT itself fails, does every caller of the batch get the error and nothing stay stored?"""
    hold = Hold()

    def fail_second_commit(_conn: sa.Connection) -> None:
        if len(hold.batches) >= 2:
            raise RuntimeError("the disk is full")

    committer = GroupCommit(clean_db, hold.write)  # a transaction per batch, on both backends
    items = [_new() for _ in range(4)]
    sa.event.listen(clean_db, "commit", fail_second_commit)
    try:
        outcomes = _in_one_batch(committer, hold, items)
    finally:
        sa.event.remove(clean_db, "commit", fail_second_commit)
    assert hold.batches == [1, 3]
    assert isinstance(outcomes[0], int)
    assert [str(o) for o in outcomes[1:]] == ["the disk is full"] * 3
    ids = [i.values["packet_id"] for i in items]
    assert _stored(clean_db, ids)[0] == {ids[0]}


def test_a_packet_id_twice_in_a_batch_is_stored_once(intake_engine):
    """Is a packet posted twice in one batch stored once, the repeat answered as already stored?"""
    first, other = _new(), _new()
    again = packets.NewPacket(first.values, first.queued, FIXED_NOW)
    with intake_engine.begin() as conn:
        ids = packets.insert_batch(conn, [first, again, other])
    assert isinstance(ids[0], int) and ids[1] is None and isinstance(ids[2], int)
    with intake_engine.begin() as conn:
        assert packets.insert_batch(conn, [again]) == [None]
    found, keys = _stored(intake_engine, [first.values["packet_id"], other.values["packet_id"]])
    assert len(found) == 2 and len(keys) == 4


def _checkouts(engine: sa.Engine) -> list[int]:
    """Count the connections ``engine``'s pool hands out from now on."""
    counted: list[int] = []
    sa.event.listen(engine, "checkout", lambda *_: counted.append(1))
    return counted


def _statement_engine(intake_engine: sa.Engine) -> sa.Engine:
    """Return the intake's autocommit engine, or skip where there is none (SQLite)."""
    if intake_engine.dialect.name != "postgresql":
        pytest.skip("statements commit by themselves on PostgreSQL only")
    return intake_engine


def test_batches_one_after_another_are_written_on_one_kept_connection(intake_engine):
    """With keep_connection, do successive batches reuse one connection, every packet stored?"""
    engine = _statement_engine(intake_engine)
    checkouts = _checkouts(engine)
    committer = GroupCommit(engine, packets.insert_batch, keep_connection=True)
    items = [_new() for _ in range(3)]
    assert all(isinstance(committer.run(item), int) for item in items)
    assert len(checkouts) == 1
    ids = [i.values["packet_id"] for i in items]
    found, keys = _stored(engine, ids)
    assert found == set(ids) and len(keys) == 6
    committer.close()
    assert engine.pool.checkedout() == 0


def test_a_failed_batch_gives_up_the_kept_connection(intake_engine):
    """After a batch fails on the kept connection, does the next one take a fresh connection and store its packet?"""
    engine = _statement_engine(intake_engine)
    checkouts = _checkouts(engine)
    calls: list[int] = []

    def fail_second(connection: sa.Connection, batch: Sequence[packets.NewPacket]):
        calls.append(len(batch))
        if len(calls) == 2:
            raise RuntimeError("the statement failed")
        return packets.insert_batch(connection, batch)

    committer = GroupCommit(engine, fail_second, keep_connection=True)
    first, doomed, last = _new(), _new(), _new()
    assert isinstance(committer.run(first), int)
    with pytest.raises(RuntimeError):
        committer.run(doomed)
    assert isinstance(committer.run(last), int)
    assert len(checkouts) == 2
    found = _stored(engine, [p.values["packet_id"] for p in (first, doomed, last)])[0]
    assert found == {first.values["packet_id"], last.values["packet_id"]}
    committer.close()
