"""Append, replay and prune the event log.

Events are rows written in the same transaction as the change they describe, so a client
never hears of a change that was rolled back and never misses one that was committed.

Their order (``seq``, the ``id`` clients see) is stamped as late as possible: by
:func:`stamp_order`, which the write batcher calls just before the batch's one commit. On
PostgreSQL it takes a transaction-scoped advisory lock there, draws the numbers from the
``event_order`` sequence and holds the lock only through the commit, so numbers become visible
in increasing order — a client that resumes "after N" can never skip an event that committed
late with a smaller number — while the work of the transactions themselves (every statement
before the commit) runs in parallel across processes. On SQLite, one writer at a time makes
commit order the row-id order, so ``seq`` is the row id.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from otklik.core.db import register_before_commit
from otklik.core.events import FeedEntry
from otklik.realtime.models import Event
from otklik.realtime.protocol import Outgoing, dumps

PENDING_KEY = "otklik.pending_events"
EVENT_ORDER_LOCK = 7_312_001


async def append(
    session: AsyncSession, *, stream: str, type: str, payload: dict[str, Any]
) -> Event:
    event = Event(stream=stream, type=type, payload_json=dumps(payload))
    session.add(event)
    await session.flush()
    session.info.setdefault(PENDING_KEY, []).append(event)
    return event


async def write_feed(session: AsyncSession, entries: Sequence[FeedEntry]) -> list[int]:
    """The event bus's log writer (``core.events``): each feed entry becomes one event row,
    all of them in one flush (with what else the change left pending)."""
    events = [
        Event(stream=entry.stream, type=entry.type, payload_json=dumps(entry.payload))
        for entry in entries
    ]
    session.add_all(events)
    await session.flush()
    session.info.setdefault(PENDING_KEY, []).extend(events)
    return [event.id for event in events]


def stage_transient(session: AsyncSession, *, stream: str, frame: dict[str, Any]) -> None:
    """A frame with no id (presence, say) to publish only if this transaction commits."""
    session.info.setdefault(PENDING_KEY, []).append(Outgoing(stream=stream, text=dumps(frame)))


def take_pending(session: AsyncSession) -> list[Outgoing]:
    """What the just-committed transaction appended, as frames to publish in order."""
    pending: list[Event | Outgoing] = session.info.pop(PENDING_KEY, [])
    return [item if isinstance(item, Outgoing) else to_outgoing(item) for item in pending]


async def stamp_order(conn: AsyncConnection, sessions: Sequence[AsyncSession]) -> None:
    """Give the events of a batch about to commit their ``seq``, in the order appended.

    Runs inside the batch's transaction, right before its commit (``core.writer``)."""
    events = [
        item
        for session in sessions
        for item in session.info.get(PENDING_KEY, ())
        if isinstance(item, Event)
    ]
    if not events:
        return
    if conn.dialect.name == "postgresql":
        await conn.execute(text(f"SELECT pg_advisory_xact_lock({EVENT_ORDER_LOCK})"))
        # While the lock is held nobody else draws from event_order: the numbers are ours,
        # ascending in the order drawn.
        drawn = await conn.execute(
            text("SELECT nextval('event_order') FROM generate_series(1, :n)"), {"n": len(events)}
        )
        numbers = sorted(int(n) for n in drawn.scalars())
    else:
        numbers = [event.id for event in events]
    await conn.execute(
        text("UPDATE events SET seq = :seq WHERE id = :id"),
        [{"id": e.id, "seq": n} for e, n in zip(events, numbers, strict=True)],
    )
    for event, number in zip(events, numbers, strict=True):
        set_committed_value(event, "seq", number)


# Every process that appends events imports this module: from then on each of its write
# batches stamps the order of its events before committing.
register_before_commit(stamp_order)


def to_outgoing(event: Event) -> Outgoing:
    if event.seq is None:
        raise ValueError(f"event {event.id} has no order yet (published before its commit?)")
    return _frame(event.seq, event.stream, event.type, event.payload_json)


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
    newest = (await session.execute(select(func.coalesce(func.max(Event.seq), 0)))).scalar_one()
    return int(newest or 0)


async def replay(session: AsyncSession, *, streams: list[str], after_id: int, limit: int) -> Replay:
    bounds = (await session.execute(select(func.min(Event.seq), func.max(Event.seq)))).one()
    oldest, newest = int(bounds[0] or 0), int(bounds[1] or 0)
    if after_id > newest or (oldest and after_id < oldest - 1):
        # Unknown future id (database replaced) or events already pruned: cannot replay.
        return Replay(events=[], resync=True, last_event_id=newest)
    # Plain columns, not ORM objects: a catch-up of a thousand events is a hot path.
    rows = (
        await session.execute(
            select(Event.seq, Event.stream, Event.type, Event.payload_json)
            .where(Event.stream.in_(streams), Event.seq > after_id)
            .order_by(Event.seq)
            .limit(limit + 1)
        )
    ).all()
    if len(rows) > limit:
        return Replay(events=[], resync=True, last_event_id=newest)
    # Every row selected has a seq (seq > after_id filtered out the NULLs).
    frames = [_frame(seq or 0, stream, kind, payload) for seq, stream, kind, payload in rows]
    return Replay(events=frames, resync=False, last_event_id=newest)


async def prune(session: AsyncSession, *, before: datetime) -> int:
    result = await session.execute(delete(Event).where(Event.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
