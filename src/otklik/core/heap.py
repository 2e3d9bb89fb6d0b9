"""Keep the garbage collector's full passes off the live path.

A running app holds ~185,000 long-lived objects (SQLAlchemy's and pydantic's compiled
structures, FastAPI's routes, the caches), most of them made while the first requests warm
it up. CPython's cyclic collector walks all of them on every full (generation 2) pass, and the
objects of requests in flight keep getting promoted into that generation, so under load a full
pass came every few seconds and stopped the event loop for 170–220 ms — every message queued
meanwhile waited for it (measured in ``bench.inprocess`` with a ``gc.callbacks`` probe;
``bench/RESULTS.md``). ``gc.freeze()`` moves the objects alive at that moment out of the
collector's reach for good, so later passes walk only what requests made since. It is done
at start-up and again once warm; objects frozen are still freed by reference counting when
they die (only a cycle among them would stay).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Sequence

#: Seconds after start-up at which the heap is frozen again, once warm.
WARM_AFTER: Sequence[float] = (10.0, 60.0, 300.0)


def freeze() -> None:
    gc.collect()
    gc.freeze()


async def freeze_when_warm(after: Sequence[float] = WARM_AFTER) -> None:
    """Freeze now, then again at each delay (a task of the app's lifespan)."""
    freeze()
    elapsed = 0.0
    for moment in after:
        await asyncio.sleep(moment - elapsed)
        elapsed = moment
        freeze()
