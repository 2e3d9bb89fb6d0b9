"""In-memory rate limits per key (a visitor, an address), cheap enough for the live path.

Each limit is a generic cell rate algorithm (GCRA, the token bucket written as one number
per key): a key may spend ``count`` requests at once, and regains one every ``per / count``
seconds. A check is a dictionary read, a comparison and a write — no lock (one event loop),
no timer, no database statement. That is why it is written here rather than taken from a
library: the maintained ones (``limits``, ``pyrate-limiter``) keep a list of hits per key
and clean up from a background thread, which costs more per check than the whole visitor
message's budget allows (``bench/RESULTS.md``).

The memory is per process: with several worker processes each counts on its own, so a
client spread over ``N`` processes by the load balancer gets up to ``N`` times the limit.
At most ``max_keys`` keys are kept; the least recently limited key is forgotten first, which
only ever gives a key a fresh allowance.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable

from otklik.core.errors import AppError


class RateLimited(AppError):
    """429 with ``Retry-After`` (whole seconds, at least 1) in the error shape."""

    def __init__(self, message: str, retry_after: float) -> None:
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            429,
            "rate_limited",
            f"{message} Try again in {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )


class RateLimit:
    """At most ``count`` requests per ``per`` seconds for each key (``count`` 0: no limit)."""

    def __init__(
        self,
        count: int,
        per: float,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.count = count
        self.per = per
        self.max_keys = max_keys
        self._clock = clock
        self._interval = per / count if count > 0 else 0.0
        #: key → the "theoretical arrival time" of the key's next request
        self._due: dict[Hashable, float] = {}

    def wait(self, key: Hashable) -> float:
        """Count a request of ``key``: 0.0 when it may go, else seconds until it may.

        A refused request is not counted, so a client that retries after the wait gets
        through."""
        if self.count <= 0:
            return 0.0
        now = self._clock()
        due = self._due.pop(key, now)
        if due < now:
            due = now
        after = due + self._interval
        too_early = after - self.per - now
        if too_early > 0:
            self._due[key] = due
            return too_early
        self._due[key] = after
        if len(self._due) > self.max_keys:
            del self._due[next(iter(self._due))]
        return 0.0

    def check(self, key: Hashable, message: str) -> None:
        """Raise :class:`RateLimited` when ``key`` is over its limit."""
        wait = self.wait(key)
        if wait > 0:
            raise RateLimited(message, wait)
