"""The in-memory rate limit: a burst of ``count``, then one more every ``per / count``."""

from __future__ import annotations

import pytest

from otklik.core.errors import AppError
from otklik.core.ratelimit import RateLimit


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_steady_rate_per_key() -> None:
    clock = Clock()
    limit = RateLimit(3, 60.0, clock=clock)
    assert [limit.wait("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.wait("a") == pytest.approx(20.0)  # one comes back every 20 s
    assert limit.wait("b") == 0.0  # keys are independent
    clock.now += 19.0
    assert limit.wait("a") == pytest.approx(1.0)  # refusals are not counted
    clock.now += 1.0
    assert limit.wait("a") == 0.0
    assert limit.wait("a") > 0
    clock.now += 600.0  # idle for long: a full burst again, not more
    assert [limit.wait("a") for _ in range(4)][-1] > 0


def test_check_raises_429_with_retry_after_in_whole_seconds() -> None:
    clock = Clock()
    limit = RateLimit(1, 10.0, clock=clock)
    limit.check("k", "Slow down.")
    clock.now += 0.5
    with pytest.raises(AppError) as refused:
        limit.check("k", "Slow down.")
    assert refused.value.status == 429 and refused.value.code == "rate_limited"
    assert refused.value.headers == {"Retry-After": "10"}
    assert refused.value.message.startswith("Slow down.")


def test_zero_means_no_limit_and_memory_is_bounded() -> None:
    assert all(RateLimit(0, 60.0).wait("k") == 0.0 for _ in range(1000))
    limit = RateLimit(1, 60.0, max_keys=10)
    for key in range(100):
        limit.wait(key)
    assert len(limit._due) == 10
