"""Group commit: concurrent callers' writes share one transaction, so one durable commit."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Connection, Engine

T = TypeVar("T")
# A batch holds whatever was queued while the previous one committed, up to this many writes.
MAX_BATCH = 64


class _Pending(Generic[T]):
    """One caller's write, waiting for the commit of the batch it joined."""

    __slots__ = ("done", "error", "result", "work")

    def __init__(self, work: Callable[[Connection], T]) -> None:
        self.work = work
        self.done = threading.Event()
        self.result: T | None = None
        self.error: BaseException | None = None


class GroupCommit:
    """Run each caller's write on one committer thread; writes queued together commit together.

    ``run(work)`` blocks until the transaction holding ``work`` has committed, then returns its
    result: an answer is given only once the write is durable. The committer takes every write
    queued while it was committing the previous batch (no waiting for more), runs them in order
    in one transaction and commits once, so N concurrent packets cost one ``COMMIT`` and one
    WAL flush instead of N. If any write or the commit fails, the transaction rolls back and
    every caller in the batch gets that error: none of them is acknowledged. A batch of one runs
    on ``single`` when given (an engine whose statements commit by themselves: no ``BEGIN`` or
    ``COMMIT`` round trip), which is only right for a ``work`` that is one statement.

    The thread starts on first use in each process (after a fork, a new one starts).
    """

    def __init__(
        self, engine: Engine, *, single: Engine | None = None, max_batch: int = MAX_BATCH
    ) -> None:
        self.engine = engine
        self._single = single
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Pending[Any] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.batches = 0  # committed or failed batches, for tests and diagnostics

    def run(self, work: Callable[[Connection], T]) -> T:
        """Queue ``work`` for the next batch; return its result once that batch committed."""
        pending: _Pending[T] = _Pending(work)
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

    def commit(self, batch: Sequence[_Pending[Any]]) -> None:
        """Run a batch's writes in one transaction and commit; hand each caller its outcome."""
        engine = self._single if len(batch) == 1 and self._single is not None else self.engine
        try:
            with engine.begin() as connection:
                results = [pending.work(connection) for pending in batch]
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
