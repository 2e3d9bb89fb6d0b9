"""Periodic work, enqueued as ordinary jobs once per time slot.

Every runner (each web process, each ``otklik worker``) tries to enqueue the current slot;
the slot's ``dedupe_key`` makes all but the first attempt a no-op, so the work runs once.
"""

from __future__ import annotations

from dataclasses import dataclass

from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.jobs.registry import enqueue


@dataclass(frozen=True, slots=True)
class Periodic:
    name: str
    every_seconds: int


SCHEDULE: tuple[Periodic, ...] = (
    Periodic("maintenance.auto_resolve", 300),
    Periodic("maintenance.prune", 3600),
    Periodic("privacy.retention", 3600),
    Periodic("reports.schedules", 60),
    Periodic("routing.drain", 30),
    Periodic("scripts.time_triggers", 60),
    Periodic("sla.sweep", 5),
    Periodic("workforce.schedule_status", 60),
)

_last_slot: dict[str, int] = {}


async def schedule_due(db: Database) -> None:
    now = utcnow().timestamp()
    due = []
    for item in SCHEDULE:
        slot = int(now // item.every_seconds)
        if _last_slot.get(item.name) != slot:
            due.append((item, slot))
    if not due:
        return
    async with db.session(write=True) as session:
        for item, slot in due:
            await enqueue(
                session,
                name=item.name,
                payload={},
                dedupe_key=f"periodic:{item.name}:{slot}",
                max_attempts=1,
            )
    for item, slot in due:
        _last_slot[item.name] = slot
