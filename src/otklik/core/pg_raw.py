"""The hottest statements on PostgreSQL, run on the write connection's own asyncpg handle.

The PostgreSQL twin of ``sqlite_raw.py``. Inside a unit of work that runs synchronously on the
write connection (``AsyncConnection.run_sync``, in SQLAlchemy's greenlet), each Core statement
costs SQLAlchemy's execution machinery — cache key, execution context, the adapter's mutex,
result object — around one round trip to the server. Here the same statements go straight to
the asyncpg connection behind it, awaited from the greenlet with SQLAlchemy's own
``await_``, in the same transaction and savepoint (the adapter has begun it: the unit's
``SAVEPOINT`` went through SQLAlchemy first). Values are bound and read with the columns' own
SQLAlchemy processors (``sqlite_raw.Codec``), so rows are what an ORM write stores; asyncpg's
JSON codecs are the ones SQLAlchemy registered on the connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from asyncpg import Connection as AsyncpgConnection
from asyncpg import Record
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.util import await_


def handle(conn: Connection) -> AsyncpgConnection | None:
    """The asyncpg connection behind ``conn`` inside a transaction it has begun; ``None`` for
    anything else (SQLite, or no transaction begun at the driver yet)."""
    adapted = conn.connection.dbapi_connection
    driver = conn.connection.driver_connection
    if not isinstance(driver, AsyncpgConnection):
        return None
    if getattr(adapted, "_transaction", None) is None:
        return None  # the adapter begins lazily: let SQLAlchemy run the first statement
    return driver


def begun(conn: Connection) -> AsyncpgConnection | None:
    """:func:`handle`, beginning the transaction at the driver first if the adapter has not
    yet. Its ``BEGIN`` goes out on its own either way (the adapter sends it before its first
    statement); begun here, the statement after it can be a raw one, or several in one
    script. ``_start_transaction`` is the adapter's own step for that, as
    ``_prepare_and_execute`` takes it (SQLAlchemy 2.1, ``dialects/postgresql/asyncpg.py``)."""
    adapted = conn.connection.dbapi_connection
    if not isinstance(conn.connection.driver_connection, AsyncpgConnection):
        return None
    if getattr(adapted, "_transaction", None) is None:
        await_(adapted._start_transaction())  # type: ignore[union-attr]
    return handle(conn)


def transaction_of(conn: Connection) -> object | None:
    """The driver's transaction ``conn`` is in now (the adapter's asyncpg one), to tie a note
    to it: a later transaction is another object."""
    transaction: object | None = getattr(conn.connection.dbapi_connection, "_transaction", None)
    return transaction


def fetchrow(raw: AsyncpgConnection, sql: str, *args: Any) -> Record | None:
    send_riders(raw)
    row: Record | None = await_(raw.fetchrow(sql, *args))
    return row


def fetch(raw: AsyncpgConnection, sql: str, *args: Any) -> list[Record]:
    send_riders(raw)
    rows: list[Record] = await_(raw.fetch(sql, *args))
    return rows


def execute(raw: AsyncpgConnection, sql: str, *args: Any) -> int:
    """Run ``sql``; the rows it changed (from the command tag, ``INSERT 0 1``)."""
    send_riders(raw)
    tag: str = await_(raw.execute(sql, *args))
    last = tag.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def marks(first: int, count: int) -> str:
    """``count`` placeholders from ``$first`` on, comma-separated: for statements that write
    several rows' values (``sqlite_raw.Insert.row``) in one text."""
    return ", ".join(f"${i}" for i in range(first, first + count))


# Writes that ride with the next statement.
#
# Each statement on the handle is a round trip, and on the live path one costs this process
# about 50 µs of CPU (uvloop's send and wake-up, asyncpg's protocol, the greenlet hops) for
# microseconds of the server's work. Some writes of a unit need no answer: a report's counters
# after a customer's message, a fact and its hour. Inside :func:`riding` such a write
# (:func:`ride`) waits, and the next statement that takes riders (:func:`fetch_with_riders`,
# the event log's INSERT) carries the waiting ones in front of it as data-modifying ``WITH``
# queries: one round trip for all. PostgreSQL runs each of those once and to completion,
# whether the main statement reads it or not, on the statement's one snapshot. Two writes of
# one statement must not touch the same row (PostgreSQL does not say which one wins), so two
# riders of one table never share a statement: the second sends the first ahead on its own.
# Any other statement on the connection, raw (here) or through SQLAlchemy (the
# ``before_cursor_execute`` hook below), sends the waiting riders before itself, so the
# server sees the writes in the order the code made them.


@dataclass(frozen=True, slots=True)
class Rider:
    """A write waiting for a statement to ride with."""

    table: str
    #: The SQL text with its placeholders numbered from ``$first``.
    text: Callable[[int], str]
    params: tuple[Any, ...]


#: The riders waiting on each asyncpg connection (by ``id``) inside a :func:`riding` block.
_waiting: dict[int, list[Rider]] = {}


@contextmanager
def riding(conn: Connection) -> Iterator[None]:
    """A block in which :func:`ride` makes writes wait on ``conn``'s asyncpg handle; what is
    still waiting at its end is sent then. Nothing happens on SQLite, before the transaction
    has begun at the driver, or inside an outer block (which sends them). If the block
    raises, the waiting writes are dropped: they belong to work that is being rolled back."""
    raw = handle(conn)
    if raw is None or id(raw) in _waiting:
        yield
        return
    key = id(raw)
    _waiting[key] = []
    try:
        yield
        send_riders(raw)
    finally:
        _waiting.pop(key, None)


def ride(raw: AsyncpgConnection, table: str, text: Callable[[int], str], params: Any) -> bool:
    """Let the write wait for the next statement on ``raw``; ``False`` when no
    :func:`riding` block is open there (the caller runs it now)."""
    queue = _waiting.get(id(raw))
    if queue is None:
        return False
    if any(rider.table == table for rider in queue):
        send_riders(raw)
    queue.append(Rider(table, text, tuple(params)))
    return True


def _take(raw: AsyncpgConnection) -> list[Rider]:
    queue = _waiting.get(id(raw))
    if not queue:
        return []
    riders = list(queue)
    queue.clear()
    return riders


def _with_riders(
    riders: list[Rider], text: Callable[[int], str], params: Sequence[Any]
) -> tuple[str, list[Any]]:
    """One statement: the riders as ``WITH`` queries in front of ``text``, and its values."""
    values: list[Any] = []
    queries = []
    for n, rider in enumerate(riders):
        queries.append(f"ride{n} AS ({rider.text(len(values) + 1)})")
        values.extend(rider.params)
    main = text(len(values) + 1)
    values.extend(params)
    if not queries:
        return main, values
    if main.startswith("WITH "):
        return f"WITH {', '.join(queries)}, {main[len('WITH ') :]}", values
    return f"WITH {', '.join(queries)} {main}", values


def send_riders(raw: AsyncpgConnection) -> None:
    """Send the writes waiting on ``raw``, if any, in one statement."""
    _send(raw, _take(raw))


def _send(raw: AsyncpgConnection, riders: list[Rider]) -> None:
    if riders:
        *ahead, last = riders
        text, values = _with_riders(ahead, last.text, last.params)
        await_(raw.execute(text, *values))


def fetch_with_riders(
    raw: AsyncpgConnection, table: str, text: Callable[[int], str], *args: Any
) -> list[Record]:
    """The rows of ``text`` (placeholders from ``$first``), a write of ``table``, with the
    waiting writes riding in front of it (sent ahead on their own if one writes ``table``)."""
    riders = _take(raw)
    if any(rider.table == table for rider in riders):
        _send(raw, riders)
        riders = []
    sql, values = _with_riders(riders, text, args)
    rows: list[Record] = await_(raw.fetch(sql, *values))
    return rows


@event.listens_for(Engine, "before_cursor_execute")
def _riders_before_core(conn: Connection, *_: Any) -> None:
    """A statement through SQLAlchemy on a connection with writes waiting sends them first."""
    if _waiting:
        driver = conn.connection.driver_connection
        if isinstance(driver, AsyncpgConnection) and _waiting.get(id(driver)):
            send_riders(driver)
