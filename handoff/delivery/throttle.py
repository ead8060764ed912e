"""Stay under Zendesk's limits: budgets in front of every helpdesk call, shared by all processes.

Zendesk limits an account three ways that matter here (Zendesk API reference, "Rate limits"):
requests per minute by plan, ticket updates per minute (100; agents' own edits in Zendesk
count against it too), and incremental exports per minute (10). ``SharedBudgets`` keeps one
token bucket per limit in the database (``rate_budgets``), so the worker's processes, sync and
setup all draw on the same budgets; by default the product takes half the account's requests
and under a third of its ticket updates, leaving the rest to agents and other integrations.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from handoff.models.budgets import RateBudget

log = logging.getLogger("handoff.delivery")

ACCOUNT, TICKET_UPDATES, EXPORTS = "account", "ticket_updates", "exports"


@dataclass(frozen=True)
class PlanLimits:
    """A Zendesk plan's documented limits, per minute."""

    requests: int
    ticket_updates: int
    exports: int


# Zendesk API reference, Introduction, "Rate limits": Team 200 requests a minute, Growth and
# Professional 400, Enterprise 700, the High Volume add-on 2500; Update Ticket 100 a minute per
# account (300 with High Volume); incremental exports 10 a minute (30 with High Volume).
PLANS: Mapping[str, PlanLimits] = {
    "team": PlanLimits(200, 100, 10),
    "growth": PlanLimits(400, 100, 10),
    "professional": PlanLimits(400, 100, 10),
    "enterprise": PlanLimits(700, 100, 10),
    "high_volume": PlanLimits(2500, 300, 30),
}
# The product's default share of each limit: agents' edits and other integrations keep the rest.
ACCOUNT_SHARE, UPDATE_SHARE, EXPORT_HEADROOM = 0.5, 0.3, 2

# Which budgets each helpdesk call draws on, beyond the account's.
CALL_BUDGETS: Mapping[str, tuple[str, ...]] = {
    "update_ticket": (TICKET_UPDATES,),
    "add_tags": (TICKET_UPDATES,),
    "remove_tags": (TICKET_UPDATES,),
    "set_tags": (TICKET_UPDATES,),
    "export_tickets": (EXPORTS,),
    "export_ticket_events": (EXPORTS,),
}


class Pacer(Protocol):
    """What the worker needs of a pacer: to hold every call back after a 429."""

    def pause(self, seconds: float) -> None:
        """Let no call through for ``seconds``."""
        ...

    def wait_unpaused(self) -> float:
        """Sleep until a pause (a 429's Retry-After) is over, taking no token; return the wait."""
        ...


def default_budgets(
    plan: str,
    *,
    requests: int | None = None,
    ticket_updates: int | None = None,
    exports: int | None = None,
) -> dict[str, float]:
    """Return the per-minute budget of each limit: the given ones, else the plan's default share."""
    limits = PLANS[plan]
    return {
        ACCOUNT: float(requests or max(1, int(limits.requests * ACCOUNT_SHARE))),
        TICKET_UPDATES: float(ticket_updates or max(1, int(limits.ticket_updates * UPDATE_SHARE))),
        EXPORTS: float(exports or max(1, limits.exports - EXPORT_HEADROOM)),
    }


class SharedBudgets:
    """Token buckets kept in the database: one per limit, drawn on by every process.

    Taking a token is one UPDATE that refills and spends atomically (the database serializes it),
    so two processes never spend the same token. ``clock`` is epoch seconds; ``sleep`` waits.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        per_minute: Mapping[str, float],
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        burst: Mapping[str, float] | None = None,
    ) -> None:
        self._sessions = sessions
        self.rates = {name: rate / 60.0 for name, rate in per_minute.items()}
        self.capacity = {
            name: float((burst or {}).get(name) or max(1.0, min(10.0, rate // 20)))
            for name, rate in per_minute.items()
        }
        self._clock = clock
        self._sleep = sleep
        self._local = threading.local()
        self.waited = 0.0
        self.calls = 0

    def _ensure(self, session: Session, name: str, now: float) -> None:
        if session.get(RateBudget, name) is None:
            try:
                with session.begin_nested():
                    session.add(
                        RateBudget(
                            name=name, tokens=self.capacity[name], refilled_at=now, paused_until=0.0
                        )
                    )
            except IntegrityError:
                pass  # another process made it first

    def _try_take(self, name: str) -> float:
        """Take one token of ``name`` if there is one; return 0, else the seconds to wait."""
        rate, cap = self.rates[name], self.capacity[name]
        now = self._clock()
        elapsed = sa.case((RateBudget.refilled_at < now, now - RateBudget.refilled_at), else_=0.0)
        filled = RateBudget.tokens + elapsed * rate
        refilled = sa.case((filled > cap, cap), else_=filled)
        with self._sessions() as session:
            self._ensure(session, name, now)
            taken = session.execute(
                sa.update(RateBudget)
                .where(RateBudget.name == name, RateBudget.paused_until <= now, refilled >= 1)
                .values(
                    tokens=refilled - 1,
                    refilled_at=sa.case(
                        (RateBudget.refilled_at < now, now), else_=RateBudget.refilled_at
                    ),
                )
            )
            if getattr(taken, "rowcount", 0) == 1:
                session.commit()
                return 0.0
            row = session.get(RateBudget, name)
            session.commit()
        assert row is not None
        if row.paused_until > now:
            return row.paused_until - now
        have = min(cap, row.tokens + max(0.0, now - row.refilled_at) * rate)
        return max((1 - have) / rate, 0.01)

    def acquire(self, names: Sequence[str]) -> float:
        """Take one token of each budget named, waiting as long as needed; return the wait."""
        waited = 0.0
        for name in names:
            while (wait := self._try_take(name)) > 0:
                self._sleep(wait)
                waited += wait
        self._local.last = tuple(names)
        self.waited += waited
        self.calls += 1
        return waited

    def wait_unpaused(self) -> float:
        """Sleep until no pause holds ticket updates (a 429's Retry-After, in any process); return
        the seconds slept. Takes no token."""
        with self._sessions() as session:
            until = session.scalar(
                sa.select(sa.func.max(RateBudget.paused_until)).where(
                    RateBudget.name.in_((ACCOUNT, TICKET_UPDATES))
                )
            )
        wait = max(0.0, (until or 0.0) - self._clock())
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause(self, seconds: float, names: Sequence[str] | None = None) -> None:
        """Let no call draw on ``names`` for ``seconds``, in every process, and start them again
        empty. By default: the limit this thread's last call fell under (a 429 on an export
        holds exports, not ticket updates), or the account's when it fell under no other."""
        last = tuple(getattr(self._local, "last", ()))
        chosen = tuple(names or [n for n in last if n != ACCOUNT] or [ACCOUNT])
        until = self._clock() + seconds
        with self._sessions() as session:
            for name in chosen:
                self._ensure(session, name, self._clock())
            session.execute(
                sa.update(RateBudget)
                .where(RateBudget.name.in_(chosen), RateBudget.paused_until < until)
                .values(paused_until=until, tokens=0.0, refilled_at=until)
            )
            session.commit()
        log.info("budgets paused names=%s seconds=%.1f", ",".join(chosen), seconds)


class TokenBucket:
    """Allow ``rate_per_minute`` calls a minute on average, in bursts of at most ``burst``.

    ``pause(seconds)`` empties the bucket for that long: a 429's Retry-After applies to every
    call this process makes, not only to the item that received it.
    """

    def __init__(
        self,
        rate_per_minute: float,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        self.rate = rate_per_minute / 60.0
        self.capacity = float(
            burst if burst is not None else max(1, min(10, rate_per_minute // 20))
        )
        self.tokens = self.capacity
        self._clock = clock
        self._sleep = sleep
        self._last = clock()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0

    def _refill(self, now: float) -> None:
        if now > self._last:
            self.tokens = min(self.capacity, self.tokens + (now - self._last) * self.rate)
            self._last = now

    def acquire(self) -> float:
        """Take one token, sleeping until one is free; return the seconds slept."""
        slept = 0.0
        while True:
            with self._lock:
                now = self._clock()
                if now < self._paused_until:
                    wait = self._paused_until - now
                else:
                    self._refill(now)
                    if self.tokens >= 1:
                        self.tokens -= 1
                        self.waited += slept
                        return slept
                    wait = (1 - self.tokens) / self.rate
            self._sleep(wait)
            slept += wait

    def wait_unpaused(self) -> float:
        """Sleep until a pause (a 429's Retry-After) is over, taking no token; return the seconds slept."""
        with self._lock:
            wait = max(0.0, self._paused_until - self._clock())
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause(self, seconds: float) -> None:
        """Let no call through for ``seconds`` from now, and start again with an empty bucket."""
        with self._lock:
            now = self._clock()
            self._paused_until = max(self._paused_until, now + seconds)
            self.tokens = 0.0
            self._last = max(self._last, self._paused_until)


class ThrottledHelpdesk:
    """Wrap a helpdesk so that each method call first draws on its budgets; count the calls.

    With ``SharedBudgets`` a call draws on the account's budget and on the budget of the limit
    it falls under (ticket updates, exports); the adapter's ``update_ticket`` may make up to
    three requests (the PUT and the two tags calls), so it draws for each of them.
    """

    def __init__(self, helpdesk: Any, bucket: TokenBucket | SharedBudgets) -> None:
        self._helpdesk = helpdesk
        self.bucket = bucket
        self.calls = 0

    def _draw(self, name: str, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
        if isinstance(self.bucket, TokenBucket):
            self.bucket.acquire()
            return
        extra = CALL_BUDGETS.get(name, ())
        requests = 1
        if name == "update_ticket":
            writes = kwargs.get("comment") is not None or bool(kwargs.get("custom_fields"))
            writes = writes or kwargs.get("status") is not None
            tags = int(bool(kwargs.get("add_tags"))) + int(bool(kwargs.get("remove_tags")))
            requests = max(1, int(writes) + tags)
        for _ in range(requests):
            self.bucket.acquire((ACCOUNT, *extra))

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._helpdesk, name)
        if name.startswith("_") or not callable(target):
            return target

        def throttled(*args: Any, **kwargs: Any) -> Any:
            self._draw(name, args, kwargs)
            self.calls += 1
            return target(*args, **kwargs)

        return throttled
