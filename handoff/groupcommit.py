"""Group commit: concurrent callers' writes share one transaction, so one durable commit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

I = TypeVar("I")  # noqa: E741 - an item to write
R = TypeVar("R")
# A batch holds whatever was queued while the previous one committed, up to this many writes.
MAX_BATCH = 64


class _Pending(Generic[I, R]):
    """One caller's item, waiting for the commit of the batch it joined or its turn to lead."""

    __slots__ = ("done", "error", "item", "lead", "result", "wake")

    def __init__(self, item: I) -> None:
        self.item = item
        self.wake = threading.Event()
        self.done = False
        self.lead = False
        self.result: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[I, R]):
    """Write concurrent callers' items together: one transaction and one commit per batch.

    ``run(item)`` returns only once the transaction that wrote ``item`` has committed: an
    answer is given only once the write is durable. No thread of its own: the caller that
    finds no batch being written leads, takes every item queued so far (its own first) and
    passes them in order to ``write(connection, items)`` in one transaction on ``engine``,
    then commits once; callers arriving meanwhile queue and wait, and when the batch is done
    the first of them leads the next one. So N concurrent packets cost one commit and one WAL
    flush instead of N, and a caller alone (a sync worker) writes at once, as without it.
    ``write`` returns one result per item. If it or the commit fails, the transaction rolls
    back and every caller in the batch gets that error: none of them is acknowledged.

    ``keep_connection`` is for an engine whose every statement commits by itself (AUTOCOMMIT,
    ``handoff.db.statement_engine``) and a ``write`` that is one statement: the leaders write
    their batches on one connection kept between batches (only one leader writes at a time),
    instead of checking a connection out of the pool and beginning a transaction for each,
    which cost the app about as much CPU as the driver's own round trip. After a failed
    batch the kept connection is closed (and dropped if the database went away): the next
    batch opens another.
    """

    def __init__(
        self,
        engine: Engine,
        write: Callable[[Connection, Sequence[I]], Sequence[R]],
        *,
        max_batch: int = MAX_BATCH,
        keep_connection: bool = False,
    ) -> None:
        self.engine = engine
        self._write = write
        self._max_batch = max_batch
        self._keep_connection = keep_connection
        self._connection: Connection | None = None  # kept between batches; only the leader uses it
        self._lock = threading.Lock()
        self._queued: list[_Pending[I, R]] = []
        self._busy = False
        self.batches = 0  # batches written (committed or failed), for tests and diagnostics

    def waiting(self) -> int:
        """Return how many items are queued for the next batch."""
        with self._lock:
            return len(self._queued)

    def run(self, item: I) -> R:
        """Write ``item`` in the next batch; return its result once that batch committed."""
        pending: _Pending[I, R] = _Pending(item)
        with self._lock:
            self._queued.append(pending)
            if not self._busy:
                self._busy = pending.lead = True
        if not pending.lead:
            pending.wake.wait()  # the batch holding it is done, or it leads the next one
        if not pending.done:
            self._lead()
        if pending.error is not None:
            raise pending.error
        return pending.result  # type: ignore[return-value]

    def run_alone(self, item: I) -> R:
        """Write ``item`` in a transaction of its own, outside any batch (a retry after a failed batch)."""
        with self.engine.begin() as connection:
            return self._write(connection, [item])[0]

    def _lead(self) -> None:
        """Write the queued items as one batch, then hand the lead to the first caller still waiting."""
        with self._lock:
            batch = self._queued[: self._max_batch]
            del self._queued[: self._max_batch]
        try:
            self.commit(batch)
        finally:
            with self._lock:
                if self._queued:
                    successor = self._queued[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._busy = False

    def close(self) -> None:
        """Return the kept connection to the pool (when the app is disposed)."""
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _write_batch(self, items: list[I]) -> Sequence[R]:
        """Write ``items`` and commit: on the kept connection, or in a transaction of their own."""
        if not self._keep_connection:
            with self.engine.begin() as connection:
                return self._write(connection, items)
        connection = self._connection or self.engine.connect()
        self._connection = None  # taken: kept again only if the batch succeeds
        try:
            results = self._write(connection, items)
            connection.commit()  # nothing to commit in AUTOCOMMIT unless a write autobegan
        except BaseException:
            connection.close()  # an invalidated (dead) connection is discarded by the pool
            raise
        self._connection = connection
        return results

    def commit(self, batch: Sequence[_Pending[I, R]]) -> None:
        """Write a batch's items in one transaction and commit; hand each caller its outcome."""
        try:
            results = self._write_batch([pending.item for pending in batch])
            if len(results) != len(batch):
                raise AssertionError(f"{len(results)} results for {len(batch)} items")
        except BaseException as exc:  # noqa: BLE001 - every caller gets it; none is acknowledged
            for pending in batch:
                pending.error = exc
        else:
            for pending, result in zip(batch, results, strict=True):
                pending.result = result
        finally:
            self.batches += 1
            for pending in batch:
                pending.done = True
                pending.wake.set()
