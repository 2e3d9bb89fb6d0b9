"""The event log keeps copies of what happened (message texts, contact names) until it is
pruned: an erasure drops the erased visitor's own stream and redacts every other payload
that carries one of the erasure's personal strings."""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.privacy.personal_data import Erasure, PersonalDataPart, redact
from otklik.realtime.models import Event
from otklik.realtime.protocol import contact_stream

BATCH = 1000


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    redacted = 0
    if erasure.contact_id is not None:
        dropped = await session.execute(
            delete(Event).where(Event.stream == contact_stream(erasure.contact_id))
        )
        redacted += int(getattr(dropped, "rowcount", 0) or 0)
    if erasure.needles:
        last = 0
        while True:
            rows = (
                await session.execute(
                    select(Event.id, Event.payload_json)
                    .where(Event.id > last)
                    .order_by(Event.id)
                    .limit(BATCH)
                )
            ).all()
            if not rows:
                break
            last = rows[-1].id
            for row in rows:
                payload, changed = redact(json.loads(row.payload_json), erasure.needles)
                if changed:
                    await session.execute(
                        update(Event)
                        .where(Event.id == row.id)
                        .values(payload_json=json.dumps(payload, separators=(",", ":")))
                    )
                    redacted += 1
    erasure.counts["events"] = redacted


EVENTS = PersonalDataPart("events", order=60, erase=_erase)
