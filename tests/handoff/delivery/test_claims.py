"""Claims: several workers never take the same item; expired leases are taken back."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from handoff import outbox
from handoff.delivery.throttle import TokenBucket
from handoff.delivery.worker import WorkerConfig, backoff_seconds, claim


def fill(session, clock, count: int) -> None:
    """Queue ``count`` items."""
    for n in range(count):
        outbox.enqueue(session, kind="public_comment", key=f"k:{n}", payload={}, now=clock())
    session.commit()


def test_concurrent_workers_never_claim_the_same_item(session, sessions, clock):
    """With four workers claiming at once, is every item claimed by exactly one of them?"""
    fill(session, clock, 60)
    taken: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def work(name: str) -> None:
        barrier.wait()
        mine: list[int] = []
        with sessions() as s:
            while batch := claim(
                s, worker_id=name, now=clock(), batch=5, lease=timedelta(minutes=1)
            ):
                mine.extend(i.id for i in batch)
        taken[name] = mine

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for ids in taken.values() for i in ids]
    assert len(every) == 60 and len(set(every)) == 60


def test_a_second_claim_takes_only_what_the_first_left(session, sessions, clock):
    """Do two claims one after the other split the items between them without overlap?"""
    fill(session, clock, 4)
    with sessions() as first, sessions() as second:
        a = claim(first, worker_id="a", now=clock(), batch=2, lease=timedelta(minutes=1))
        b = claim(second, worker_id="b", now=clock(), batch=10, lease=timedelta(minutes=1))
    assert {i.id for i in a}.isdisjoint({i.id for i in b})
    assert len(a) + len(b) == 4


def test_an_expired_lease_is_claimed_again_and_counts_an_attempt(session, sessions, clock):
    """Is an item whose worker vanished claimed again once its lease has passed, with the attempt counted?"""
    fill(session, clock, 1)
    with sessions() as s:
        (item,) = claim(s, worker_id="gone", now=clock(), batch=1, lease=timedelta(minutes=2))
        assert claim(s, worker_id="b", now=clock(), batch=1, lease=timedelta(minutes=2)) == []
    clock.advance(minutes=2, seconds=1)
    with sessions() as s:
        (again,) = claim(s, worker_id="b", now=clock(), batch=1, lease=timedelta(minutes=2))
    assert again.id == item.id and again.attempts == 2 and again.locked_by.startswith("b:")


def test_items_are_not_claimed_before_their_next_attempt(session, sessions, clock):
    """Is an item scheduled for later left alone until then?"""
    outbox.enqueue(session, kind="x", key="later", payload={}, now=clock() + timedelta(minutes=5))
    session.commit()
    with sessions() as s:
        assert claim(s, worker_id="w", now=clock(), batch=5, lease=timedelta(minutes=1)) == []
        clock.advance(minutes=5)
        assert len(claim(s, worker_id="w", now=clock(), batch=5, lease=timedelta(minutes=1))) == 1


def test_backoff_doubles_and_stays_within_its_jitter_band():
    """Does the wait double per attempt, capped, and fall between half and all of the ceiling?"""
    config = WorkerConfig(base_delay=2.0, max_delay=60.0)
    rng = random.Random(1)
    for attempts, ceiling in [(1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0), (30, 60.0)]:
        waits = [backoff_seconds(attempts, config, rng) for _ in range(200)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert max(waits) - min(waits) > ceiling / 10  # jittered, not fixed


class FakeTime:
    """A monotonic clock that only sleeping moves."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_token_bucket_keeps_the_rate_after_its_burst():
    """At 120 a minute with a burst of 4, do 24 calls take 10 seconds (the burst is free)?"""
    t = FakeTime()
    bucket = TokenBucket(120, burst=4, clock=t.clock, sleep=t.sleep)
    for _ in range(24):
        bucket.acquire()
    assert abs(t.now - 10.0) < 1e-6


def test_a_pause_holds_every_call_for_the_retry_after():
    """After a 429 with Retry-After 30, does the next call wait the 30 s, then one token's time?"""
    t = FakeTime()
    bucket = TokenBucket(600, burst=5, clock=t.clock, sleep=t.sleep)
    bucket.acquire()
    bucket.pause(30)
    bucket.acquire()
    # The pause empties the bucket: at 600 a minute the first token after it takes 0.1 s.
    assert abs(t.now - 30.1) < 1e-6
