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

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    Table,
    delete,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from otklik.core import pg_raw, sqlite_raw
from otklik.core.clock import utcnow
from otklik.core.db import register_before_commit
from otklik.core.events import FeedEntry, Reach
from otklik.core.writer import Committed
from otklik.realtime import notify
from otklik.realtime.models import Event
from otklik.realtime.protocol import Outgoing, dumps

PENDING_KEY = "otklik.pending_events"


class Visibility(Protocol):
    """A condition over a conversation's inbox, team and assignee columns (the caller's
    access rule, ``accounts.access.visible`` bound to a scope)."""

    def __call__(
        self,
        *,
        inbox_id: SQLColumnExpression[Any],
        team_id: SQLColumnExpression[Any],
        assignee_id: SQLColumnExpression[Any],
    ) -> ColumnElement[bool]: ...


EVENT_ORDER_LOCK = 7_312_001


class LoggedEvent(Protocol):
    """What a frame is made of: a written row (:class:`PendingEvent`) or a read one."""

    @property
    def id(self) -> int: ...
    @property
    def seq(self) -> int | None: ...
    @property
    def stream(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def payload_json(self) -> str: ...
    @property
    def reach(self) -> Reach | None: ...


@dataclass(slots=True)
class PendingEvent:
    """An event row this transaction wrote, kept until it commits and is published.

    Plain data, not an ORM object: the log is written with Core statements (two per visitor
    message), and tracking each row in the session's unit of work cost more than the write."""

    id: int
    stream: str
    type: str
    payload_json: str
    seq: int | None = None
    reach: Reach | None = None


_events = cast(Table, Event.__table__)
_INSERT = insert(_events).returning(_events.c.id, sort_by_parameter_order=True)


_COLUMNS = ("stream", "type", "payload", "created_at", "inbox_id", "team_id", "assignee_id")
# SQLite: the row's id and its ``seq`` are both the next id, given in the INSERT. One writer
# at a time makes id order commit order (see the module's docstring), and ``max(id)`` reads
# the rowid tree's last entry. Migration 0013's trigger would set ``seq`` with an UPDATE of
# the new row, rewriting it and both of its ``seq`` indexes: a third of a row's cost.
_SQLITE_NEXT_ID = "(SELECT coalesce(max(id), 0) + 1 FROM events)"
_SQLITE_INSERT = (
    f"INSERT INTO events (id, seq, {', '.join(_COLUMNS)})"
    f" VALUES ({_SQLITE_NEXT_ID}, {_SQLITE_NEXT_ID}, {', '.join('?' for _ in _COLUMNS)})"
)


@functools.cache
def _pg_insert(count: int, first: int = 1) -> str:
    """``count`` event rows in one statement (one round trip on asyncpg's handle). Their ids
    come from the table's sequence in the order the SELECT gives the rows, which its ORDER BY
    fixes, so the ids sorted ascending are the rows' in order (SQLAlchemy's
    "insertmanyvalues" relies on the same for PostgreSQL)."""
    # A VALUES list in a SELECT does not take its columns' types from the INSERT: cast.
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    types = [_events.c[name].type.compile(dialect=dialect) for name in _COLUMNS]
    width = len(_COLUMNS)
    rows = ", ".join(
        "("
        + ", ".join(f"CAST(${r * width + c + first} AS {types[c]})" for c in range(width))
        + f", {r})"
        for r in range(count)
    )
    return (
        f"INSERT INTO events ({', '.join(_COLUMNS)})"
        f" SELECT {', '.join(_COLUMNS)} FROM (VALUES {rows}) AS v({', '.join(_COLUMNS)}, n)"
        " ORDER BY n RETURNING id"
    )


def _insert_rows(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Write the rows; their ids in the rows' order."""
    raw = sqlite_raw.handle(conn)
    if raw is None:
        pg = pg_raw.handle(conn)
        if pg is not None:
            # On asyncpg's handle (``core/pg_raw.py``): every row in one statement, with the
            # writes of the event's subscribers that wait to ride with it (``EventBus``).
            codec = sqlite_raw.codec(_events, conn.dialect)
            params = [value for row in rows for value in codec.params(_COLUMNS, row)]
            count = len(rows)
            returned = pg_raw.fetch_with_riders(
                pg, "events", lambda first: _pg_insert(count, first), *params
            )
            return sorted(int(row[0]) for row in returned)
        # SQLAlchemy's "insertmanyvalues" batches them into as few statements as the
        # database allows while keeping that order.
        return [int(row_id) for row_id in conn.execute(_INSERT, rows).scalars()]
    # SQLite, on the write connection's own handle (``core/sqlite_raw.py``): a row is a few
    # microseconds there, and its lastrowid is its id.
    codec = sqlite_raw.codec(_events, conn.dialect)
    ids = []
    for row in rows:
        cursor = raw.execute(_SQLITE_INSERT, codec.params(_COLUMNS, row))
        ids.append(int(cursor.lastrowid or 0))
    return ids


async def append(session: AsyncSession, *, stream: str, type: str, payload: dict[str, Any]) -> int:
    """One event row outside any typed event (configuration-change notices); its id."""
    (event_id,) = await write_feed(session, [FeedEntry(stream, type, dumps(payload))])
    return event_id


async def write_feed(session: AsyncSession, entries: Sequence[FeedEntry]) -> list[int]:
    """The event bus's log writer (``core.events``): each feed entry becomes one event row,
    written in one hop to the connection, and kept to publish after the commit."""
    conn = await session.connection()
    return await conn.run_sync(write_feed_sync, session.info, entries)


def write_feed_sync(
    conn: Connection, info: dict[str, Any], entries: Sequence[FeedEntry]
) -> list[int]:
    """:func:`write_feed` on the synchronous connection, noting the rows in ``info`` (a
    session's or a session-less unit's, ``core/unit.py``)."""
    now = utcnow()
    rows = [
        {
            "stream": e.stream,
            "type": e.type,
            "payload": e.payload_json,
            "created_at": now,
            "inbox_id": e.reach.inbox_id if e.reach else None,
            "team_id": e.reach.team_id if e.reach else None,
            "assignee_id": e.reach.assignee_id if e.reach else None,
        }
        for e in entries
    ]
    ids = _insert_rows(conn, rows)
    info.setdefault(PENDING_KEY, []).extend(
        PendingEvent(id=i, stream=e.stream, type=e.type, payload_json=e.payload_json, reach=e.reach)
        for i, e in zip(ids, entries, strict=True)
    )
    return ids


def stage_transient(session: AsyncSession, *, stream: str, frame: dict[str, Any]) -> None:
    """A frame with no id (presence, say) to publish only if this transaction commits."""
    session.info.setdefault(PENDING_KEY, []).append(Outgoing(stream=stream, text=dumps(frame)))


def take_pending(session: Committed) -> list[Outgoing]:
    """What the just-committed transaction appended, as frames to publish in order."""
    pending: list[PendingEvent | Outgoing] = session.info.pop(PENDING_KEY, [])
    return [item if isinstance(item, Outgoing) else to_outgoing(item) for item in pending]


#: Takes the order lock, then draws a number from ``event_order`` for each id and gives the
#: k-th smallest to the k-th id, then announces every frame of the batch: one statement, one
#: round trip. ``drawn`` reads ``locked``, so no number is drawn before the lock is held (a
#: row of the join needs the lock's row first); both are materialised, so each runs once.
#: While the lock is held nobody else draws: the numbers are ours and ascend in the order the
#: ids are listed, the order the events were appended. The frames' payloads were made before
#: (``notify.template``): each event's number replaces ``notify.SEQ`` in its payload, and
#: ``pg_notify`` runs after the sort, one frame after the other in the batch's order (the
#: planner evaluates a volatile function of the output after the ``ORDER BY``; a test checks
#: the order). The lock is the transaction's: it is held through the commit.
_PG_STAMP = (
    f"WITH locked AS MATERIALIZED (SELECT pg_advisory_xact_lock({EVENT_ORDER_LOCK})),"
    " drawn AS MATERIALIZED (SELECT nextval('event_order') AS seq"
    " FROM locked, generate_series(1, cardinality($1::bigint[]))),"
    " numbered AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM drawn),"
    " stamped AS (UPDATE events SET seq = numbered.seq"
    " FROM unnest($1::bigint[]) WITH ORDINALITY AS listed(id, n)"
    " JOIN numbered ON numbered.n = listed.n"
    " WHERE events.id = listed.id RETURNING events.id, events.seq)"
    " SELECT stamped.id, stamped.seq, pg_notify($2::text, CASE WHEN stamped.seq IS NULL"
    " THEN frame.payload ELSE replace(frame.payload, chr(1), stamped.seq::text) END)"
    " FROM unnest($3::text[], $4::bigint[]) WITH ORDINALITY AS frame(payload, event_id, n)"
    " LEFT JOIN stamped ON stamped.id = frame.event_id ORDER BY frame.n"
)
_LOCK = text(f"SELECT pg_advisory_xact_lock({EVENT_ORDER_LOCK})")


async def stamp_order(conn: AsyncConnection, sessions: Sequence[Committed]) -> None:
    """Give the events of a batch about to commit their ``seq``, in the order appended, and
    (PostgreSQL) announce the batch's frames.

    Runs inside the batch's transaction, right before its commit (``core.writer``). On
    SQLite each row was written with its ``seq`` equal to its id (:func:`_insert_rows`, or
    migration 0013's trigger for rows written through Core): one writer at a time makes id
    order commit order, so nothing is left to write here, and the
    in-process broker hands the frames to the sockets after the commit. On PostgreSQL the
    frames are notified here, under the order lock (``realtime/notify.py``)."""
    pending = [item for session in sessions for item in session.info.get(PENDING_KEY, ())]
    events = [item for item in pending if isinstance(item, PendingEvent)]
    if conn.dialect.name != "postgresql":
        for event in events:
            event.seq = event.id
        return
    if pending:
        await conn.run_sync(_stamp_and_announce, pending, events)


def _stamp_and_announce(
    conn: Connection, pending: list[PendingEvent | Outgoing], events: list[PendingEvent]
) -> None:
    """:func:`stamp_order` on PostgreSQL, in one hop, on asyncpg's handle (``core/pg_raw.py``):
    the lock, the stamp and the frames' ``NOTIFY`` in one statement."""
    raw = pg_raw.handle(conn)
    if raw is None or not events:
        # Nothing to stamp, or no statement has begun the transaction at the driver yet
        # (transient frames only): the lock alone, through Core, which begins it, then the
        # frames.
        conn.execute(_LOCK)
        raw = pg_raw.handle(conn)
        assert raw is not None
        frames = [item if isinstance(item, Outgoing) else to_outgoing(item) for item in pending]
        pg_raw.execute(
            raw, notify.PG_NOTIFY_ALL, notify.CHANNEL, [notify.encode(f) for f in frames]
        )
        return
    payloads = [
        notify.encode(item)
        if isinstance(item, Outgoing)
        else notify.template(item.stream, item.type, item.payload_json, item.reach)
        for item in pending
    ]
    listed = [None if isinstance(item, Outgoing) else item.id for item in pending]
    announced = pg_raw.fetch(
        raw, _PG_STAMP, [e.id for e in events], notify.CHANNEL, payloads, listed
    )
    numbers = {int(row[0]): int(row[1]) for row in announced if row[0] is not None}
    for event in events:
        event.seq = numbers[event.id]


# Every process that appends events imports this module: from then on each of its write
# batches stamps the order of its events before committing.
register_before_commit(stamp_order)


def to_outgoing(event: LoggedEvent) -> Outgoing:
    if event.seq is None:
        raise ValueError(f"event {event.id} has no order yet (published before its commit?)")
    return _frame(event.seq, event.stream, event.type, event.payload_json, event.reach)


def _frame(
    event_id: int, stream: str, kind: str, payload_json: str, reach: Reach | None = None
) -> Outgoing:
    # The event frame {"id", "type", "data"}, built without re-serialising the payload.
    text = f'{{"id":{event_id},"type":{json.dumps(kind)},"data":{payload_json}}}'
    return Outgoing(stream=stream, text=text, event_id=event_id, reach=reach)


@dataclass(frozen=True, slots=True)
class Replay:
    """What a reconnecting client gets: the events it missed, or an order to resync."""

    events: list[Outgoing]
    resync: bool
    last_event_id: int


async def latest_id(session: AsyncSession) -> int:
    newest = (await session.execute(select(func.coalesce(func.max(Event.seq), 0)))).scalar_one()
    return int(newest or 0)


async def replay(
    session: AsyncSession,
    *,
    streams: list[str],
    after_id: int,
    limit: int,
    sees: Visibility | None = None,
) -> Replay:
    """The events of ``streams`` after ``after_id``; with ``sees``, only the events about
    conversations it allows (and those about none), the condition built over the log's
    reach columns."""
    bounds = (await session.execute(select(func.min(Event.seq), func.max(Event.seq)))).one()
    oldest, newest = int(bounds[0] or 0), int(bounds[1] or 0)
    if after_id > newest or (oldest and after_id < oldest - 1):
        # Unknown future id (database replaced) or events already pruned: cannot replay.
        return Replay(events=[], resync=True, last_event_id=newest)
    # Plain columns, not ORM objects: a catch-up of a thousand events is a hot path.
    query = select(Event.seq, Event.stream, Event.type, Event.payload_json).where(
        Event.stream.in_(streams), Event.seq > after_id
    )
    if sees is not None:
        query = query.where(
            or_(
                Event.inbox_id.is_(None),
                sees(inbox_id=Event.inbox_id, team_id=Event.team_id, assignee_id=Event.assignee_id),
            )
        )
    rows = (await session.execute(query.order_by(Event.seq).limit(limit + 1))).all()
    if len(rows) > limit:
        return Replay(events=[], resync=True, last_event_id=newest)
    # Every row selected has a seq (seq > after_id filtered out the NULLs).
    frames = [_frame(seq or 0, stream, kind, payload) for seq, stream, kind, payload in rows]
    return Replay(events=frames, resync=False, last_event_id=newest)


async def prune(session: AsyncSession, *, before: datetime) -> int:
    result = await session.execute(delete(Event).where(Event.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)
