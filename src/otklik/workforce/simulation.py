"""A discrete-event simulation (SimPy) of the chat queue that ``erlang.py`` solves.

Chats arrive at random (Poisson), wait first come first served for a free slot, and are
handled for an exponential time of mean ``aht``. With a ``patience`` a waiting chat is
abandoned after an exponential time of that mean — the queue Erlang A describes — so the
simulation also answers when customers give up, which Erlang C ignores. Each run is seeded:
the same question gets the same answer, and runs for different slot counts share their
random draws (common random numbers), so their comparison is not noise.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

#: The first simulated hours are not measured: the queue starts empty.
WARM_UP_SHARE = 0.1


@dataclass(frozen=True, slots=True)
class Outcome:
    slots: int
    offered: int
    #: Answered within the target ÷ offered (abandoned chats count as missed).
    service_level: float
    abandoned: float
    average_wait: float


def run(
    *,
    slots: int,
    chats_per_hour: float,
    aht: float,
    target_seconds: float,
    hours: float,
    patience: float | None = None,
    seed: int = 17,
) -> Outcome:
    """Simulate ``hours`` of the queue with ``slots`` servers (times in seconds)."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=slots)
    arrivals = random.Random(seed)
    work = random.Random(seed + 1)
    gaps = random.Random(seed + 2)
    warm_up = hours * 3600 * WARM_UP_SHARE
    waits: list[float] = []
    answered_in_time = abandoned = offered = 0

    def chat(duration: float, give_up: float) -> Generator[Any, Any, None]:
        nonlocal answered_in_time, abandoned, offered
        arrived = env.now
        measured = arrived >= warm_up
        with servers.request() as request:
            outcome = yield request | env.timeout(give_up)
            if request not in outcome:
                if measured:
                    offered += 1
                    abandoned += 1
                return
            wait = env.now - arrived
            if measured:
                offered += 1
                waits.append(wait)
                answered_in_time += wait <= target_seconds
            yield env.timeout(duration)

    def source() -> Generator[Any, Any, None]:
        rate = chats_per_hour / 3600
        while True:
            yield env.timeout(arrivals.expovariate(rate))
            give_up = gaps.expovariate(1 / patience) if patience else math.inf
            env.process(chat(work.expovariate(1 / aht), give_up))

    env.process(source())
    env.run(until=hours * 3600)
    return Outcome(
        slots=slots,
        offered=offered,
        service_level=answered_in_time / offered if offered else 1.0,
        abandoned=abandoned / offered if offered else 0.0,
        average_wait=sum(waits) / len(waits) if waits else 0.0,
    )


def required_slots(
    *,
    chats_per_hour: float,
    aht: float,
    target_level: float,
    target_seconds: float,
    max_occupancy: float = 1.0,
    hours: float = 200,
    patience: float | None = None,
    limit: int = 5000,
) -> Outcome:
    """The fewest slots whose simulated service level reaches ``target_level`` and whose
    load per slot stays within ``max_occupancy`` (the load answered, when chats are
    abandoned: as ``erlang_a.required_slots`` counts it)."""
    load = chats_per_hour * aht / 3600

    def attempt(slots: int) -> Outcome:
        return run(
            slots=slots,
            chats_per_hour=chats_per_hour,
            aht=aht,
            target_seconds=target_seconds,
            hours=hours,
            patience=patience,
        )

    def enough(outcome: Outcome) -> bool:
        carried = load * (1 - outcome.abandoned)
        return outcome.service_level >= target_level and carried / outcome.slots <= max_occupancy

    if patience is None:
        # fewer slots than the load never empty the queue
        slots = max(1, math.ceil(load / max_occupancy), math.floor(load) + 1)
    else:
        # abandonment may let fewer slots than the load do: start low, as Erlang A does
        slots = max(1, math.floor(load * 0.5))
    outcome = attempt(slots)
    while not enough(outcome) and slots < limit:
        slots += 1
        outcome = attempt(slots)
    if patience is not None:
        while slots > 1:  # the low start may already have been enough
            below = attempt(slots - 1)
            if not enough(below):
                break
            slots, outcome = slots - 1, below
    return outcome
