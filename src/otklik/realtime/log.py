"""Append, replay and prune the event log.

Events are rows written in the same transaction as the change they describe, so a client
never hears of a change that was rolled back and never misses one that was committed.
On PostgreSQL a transaction-scoped advisory lock is taken before the first event row gets
its id; it is held until commit, so ids become visible in increasing order and a client that
resumes "after N" can never skip an event that committed late with a smaller id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.events import FeedEntry
from otklik.realtime.models import Event
from otklik.realtime.protocol import Outgoing, dumps

PENDING_KEY = "otklik.pending_events"
LOCK_TAKEN_KEY = "otklik.event_lock_taken"
EVENT_ORDER_LOCK = 7_312_001


async def append(
    session: AsyncSession, *, stream: str, type: str, payload: dict[str, Any]
) -> Event:
    if session.get_bind().dialect.name == "postgresql" and not session.info.get(LOCK_TAKEN_KEY):
        await session.execute(text(f"SELECT pg_advisory_xact_lock({EVENT_ORDER_LOCK})"))
        session.info[LOCK_TAKEN_KEY] = True
    event = Event(stream=stream, type=type, payload_json=dumps(payload))
    session.add(event)
    await session.flush()
    session.info.setdefault(PENDING_KEY, []).append(event)
    return event


async def write_feed(session: AsyncSession, entry: FeedEntry) -> int:
    """The event bus's log writer (``core.events``): one feed entry becomes one event row."""
    event = await append(session, stream=entry.stream, type=entry.type, payload=entry.payload)
    return event.id


def stage_transient(session: AsyncSession, *, stream: str, frame: dict[str, Any]) -> None:
    """A frame with no id (presence, say) to publish only if this transaction commits."""
    session.info.setdefault(PENDING_KEY, []).append(Outgoing(stream=stream, text=dumps(frame)))


def take_pending(session: AsyncSession) -> list[Outgoing]:
    """What the just-committed transaction appended, as frames to publish in order."""
    pending: list[Event | Outgoing] = session.info.pop(PENDING_KEY, [])
    session.info.pop(LOCK_TAKEN_KEY, None)
    return [item if isinstance(item, Outgoing) else to_outgoing(item) for item in pending]


def to_outgoing(event: Event) -> Outgoing:
    return _frame(event.id, event.stream, event.type, event.payload_json)


def _frame(event_id: int, stream: str, kind: str, payload_json: str) -> Outgoing:
    # The event frame {"id", "type", "data"}, built without re-serialising the payload.
    text = f'{{"id":{event_id},"type":{json.dumps(kind)},"data":{payload_json}}}'
    return Outgoing(stream=stream, text=text, event_id=event_id)


@dataclass(frozen=True, slots=True)
class Replay:
    """What a reconnecting client gets: the events it missed, or an order to resync."""

    events: list[Outgoing]
    resync: bool
    last_event_id: int


async def latest_id(session: AsyncSession) -> int:
    return int((await session.execute(select(func.coalesce(func.max(Event.id), 0)))).scalar_one())


async def replay(session: AsyncSession, *, streams: list[str], after_id: int, limit: int) -> Replay:
    bounds = (await session.execute(select(func.min(Event.id), func.max(Event.id)))).one()
    oldest, newest = int(bounds[0] or 0), int(bounds[1] or 0)
    if after_id > newest or (oldest and after_id < oldest - 1):
        # Unknown future id (database replaced) or events already pruned: cannot replay.
        return Replay(events=[], resync=True, last_event_id=newest)
    # Plain columns, not ORM objects: a catch-up of a thousand events is a hot path.
    rows = (
        await session.execute(
            select(Event.id, Event.stream, Event.type, Event.payload_json)
            .where(Event.stream.in_(streams), Event.id > after_id)
            .order_by(Event.id)
            .limit(limit + 1)
        )
    ).all()
    if len(rows) > limit:
        return Replay(events=[], resync=True, last_event_id=newest)
    frames = [_frame(ident, stream, kind, payload) for ident, stream, kind, payload in rows]
    return Replay(events=frames, resync=False, last_event_id=newest)


async def prune(session: AsyncSession, *, before: datetime) -> int:
    result = await session.execute(delete(Event).where(Event.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
