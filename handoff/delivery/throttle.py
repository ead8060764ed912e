"""Stay under Zendesk's requests-per-minute: a token bucket in front of every helpdesk call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


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
    """Wrap a helpdesk so that each method call first takes a token; count the calls made."""

    def __init__(self, helpdesk: Any, bucket: TokenBucket) -> None:
        self._helpdesk = helpdesk
        self.bucket = bucket
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._helpdesk, name)
        if name.startswith("_") or not callable(target):
            return target

        def throttled(*args: Any, **kwargs: Any) -> Any:
            self.bucket.acquire()
            self.calls += 1
            return target(*args, **kwargs)

        return throttled
