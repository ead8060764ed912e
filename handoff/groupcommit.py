"""Group commit: concurrent callers' writes share one transaction, so one durable commit."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

I = TypeVar("I")  # noqa: E741 - an item to write
R = TypeVar("R")
# A batch holds whatever was queued while the previous one committed, up to this many writes.
MAX_BATCH = 64


class _Pending(Generic[I, R]):
    """One caller's item, waiting for the commit of the batch it joined."""

    __slots__ = ("done", "error", "item", "result")

    def __init__(self, item: I) -> None:
        self.item = item
        self.done = threading.Event()
        self.result: R | None = None
        self.error: BaseException | None = None


class GroupCommit(Generic[I, R]):
    """Write callers' items on one committer thread; items queued together commit together.

    ``run(item)`` blocks until the transaction that wrote ``item`` has committed, then returns
    its result: an answer is given only once the write is durable. The committer takes every
    item queued while it was committing the previous batch (it never waits for more), passes
    them in order to ``write(connection, items)`` in one transaction on ``engine`` and commits
    once, so N concurrent packets cost one commit and one WAL flush instead of N. ``write``
    returns one result per item. If it or the commit fails, the transaction rolls back and
    every caller in the batch gets that error: none of them is acknowledged.

    The thread starts on first use in each process (after a fork, a new one starts).
    """

    def __init__(
        self,
        engine: Engine,
        write: Callable[[Connection, Sequence[I]], Sequence[R]],
        *,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self.engine = engine
        self._write = write
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending[I, R] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.batches = 0  # committed or failed batches, for tests and diagnostics

    def run(self, item: I) -> R:
        """Queue ``item`` for the next batch; return its result once that batch committed."""
        pending: _Pending[I, R] = _Pending(item)
        self._start()
        self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.result  # type: ignore[return-value]

    def _start(self) -> None:
        """Start this process's committer thread unless it runs."""
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                if self._pid != os.getpid():
                    self._queue = queue.SimpleQueue()  # a forked child owns none of its parent's
                self._thread = threading.Thread(
                    target=self._loop, name="group-commit", daemon=True
                )
                self._pid = os.getpid()
                self._thread.start()

    def close(self) -> None:
        """Stop the committer thread once it has committed what was queued before."""
        if self._thread is not None and self._pid == os.getpid():
            self._queue.put(None)
            self._thread.join()
        self._thread = None

    def _loop(self) -> None:
        """Commit batches until ``close``."""
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)  # stop after this batch
                    break
                batch.append(more)
            self.commit(batch)

    def commit(self, batch: Sequence[_Pending[I, R]]) -> None:
        """Write a batch's items in one transaction and commit; hand each caller its outcome."""
        try:
            with self.engine.begin() as connection:
                results = self._write(connection, [pending.item for pending in batch])
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
                pending.done.set()
