"""Erlang C on chat slots: how many operators a chat queue needs (pure functions).

Why our own code and not ``pyworkforce.queuing.ErlangC``: the formula is a dozen lines, and
pyworkforce depends on pandas, numpy, scipy and OR-Tools (hundreds of megabytes, native
wheels) for it; this server otherwise needs none of them. The simulation that checks each
figure (``workforce/simulation.py``) uses SimPy.

Chat concurrency: an operator taking ``c`` chats at once is ``c`` *slots*, and a chat handled
at concurrency ``c`` lasts ``aht(c)`` (longer than one handled alone: measured from our own
data, ``service.handle_times``). The queue is Erlang C's M/M/N on slots, with offered load
``A = λ · aht(c)``; the slots it needs are turned into operators (``⌈N / c⌉``), then into
people to schedule with shrinkage (breaks, meetings, absence): ``⌈operators / (1 − s)⌉``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Beyond this many slots the search gives up (a typo such as 10⁶ chats an hour).
MAX_SLOTS = 5000


def erlang_c(slots: int, load: float) -> float:
    """The probability that a chat waits, with ``slots`` servers and ``load`` Erlangs
    (1 when the queue is unstable, ``slots <= load``). Erlang B by its recurrence, which
    needs no factorials and stays exact for thousands of slots."""
    if load <= 0:
        return 0.0
    if slots <= load:
        return 1.0
    blocking = 1.0
    for n in range(1, slots + 1):
        blocking = load * blocking / (n + load * blocking)
    return slots * blocking / (slots - load * (1 - blocking))


def service_level(slots: int, load: float, aht: float, target: float) -> float:
    """Share of chats answered within ``target`` seconds (``aht`` in seconds)."""
    if load <= 0:
        return 1.0
    if slots <= load:
        return 0.0
    return 1.0 - erlang_c(slots, load) * math.exp(-(slots - load) * target / aht)


def average_wait(slots: int, load: float, aht: float) -> float:
    """Mean wait of all chats, in seconds (ASA)."""
    if load <= 0:
        return 0.0
    if slots <= load:
        return math.inf
    return erlang_c(slots, load) * aht / (slots - load)


@dataclass(frozen=True, slots=True)
class Staffing:
    load: float
    slots: int
    operators: int
    scheduled: int
    service_level: float
    occupancy: float
    average_wait: float
    wait_probability: float


def required(
    *,
    chats_per_hour: float,
    aht: float,
    concurrency: int,
    target_level: float,
    target_seconds: float,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> Staffing:
    """The fewest slots whose service level reaches ``target_level`` with occupancy at most
    ``max_occupancy``, as operators (``concurrency`` chats each) and as people to schedule."""
    load = chats_per_hour * aht / 3600
    slots = max(1, math.floor(load) + 1) if load > 0 else 0
    while load > 0 and (
        service_level(slots, load, aht, target_seconds) < target_level
        or load / slots > max_occupancy
    ):
        slots += 1
        if slots > MAX_SLOTS:
            raise ValueError(f"more than {MAX_SLOTS} chat slots: check the volume")
    operators = math.ceil(slots / concurrency)
    return Staffing(
        load=load,
        slots=slots,
        operators=operators,
        scheduled=math.ceil(operators / (1 - shrinkage)) if operators else 0,
        service_level=service_level(slots, load, aht, target_seconds),
        occupancy=load / slots if slots else 0.0,
        average_wait=average_wait(slots, load, aht),
        wait_probability=erlang_c(slots, load),
    )
