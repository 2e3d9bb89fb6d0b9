"""A SQLite connection for the write engine that runs statements inline, on the event loop.

``aiosqlite`` hands every call (execute, fetch, close of a cursor) to its own thread and back
through the event loop: about 38 hand-offs for one visitor message, each waiting for a busy loop
to come round again, which capped the write path near a hundred messages a second. A
statement on SQLite's warm page cache takes microseconds, far less than one hand-off, and the
GIL keeps a writer thread from running Python beside the loop anyway. So this connection runs
statements synchronously where they are called; the only slow steps — ``BEGIN IMMEDIATE``,
which may wait for another process's write lock, and ``COMMIT``, which waits for the disk's
flush — run in a worker thread so the loop keeps serving sockets meanwhile (a ``BEGIN`` that
finds the lock free, and the ``COMMIT`` of a lone write, run in place: ``commit_in_place``).

It plugs into SQLAlchemy's own ``sqlite+aiosqlite`` dialect through the documented
``async_creator`` argument of ``create_async_engine``: the dialect's adapter only needs an
object with aiosqlite's awaitable methods. Written here because no maintained package offers
an inline (thread-free) asyncio SQLite driver; the whole of it is this file.

Only the write engine uses it, and only the write turn (``core/writer.py``) touches that
connection, so the thread used for begin/commit never races another statement.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

#: Statements that may block for a long time (another connection's lock, the disk).
_SLOW_PREFIXES = ("BEGIN", "COMMIT", "END")


class InlineCursor:
    """aiosqlite's cursor surface over a plain ``sqlite3.Cursor``."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, operation: str, parameters: Any = ()) -> InlineCursor:
        if self._cursor.connection.in_transaction and not operation.lstrip()[:6].upper().startswith(
            _SLOW_PREFIXES
        ):
            # Inside BEGIN IMMEDIATE this connection holds the write lock: nothing can make it
            # wait, so the statement runs right here.
            self._cursor.execute(operation, parameters)
        elif not (operation.lstrip()[:5].upper() == "BEGIN" and self._begin_now(operation)):
            # Outside a transaction (pragmas when connecting, a BEGIN that would have to
            # wait) a statement may wait for a lock held by another connection, which may
            # need this very loop to let go of it.
            await asyncio.to_thread(self._cursor.execute, operation, parameters)
        return self

    def _begin_now(self, operation: str) -> bool:
        """Start the transaction here if the write lock is free, which it is unless another
        process writes the same file: without waiting (a busy timeout of 0 for this one
        statement). A thread's hand-off costs more than the write of a whole create when
        writers come one at a time (``bench/RESULTS.md``). ``False``: the lock is taken, and
        the caller waits for it in a thread as before."""
        conn = self._cursor.connection
        (waits,) = conn.execute("PRAGMA busy_timeout").fetchone()
        conn.execute("PRAGMA busy_timeout=0")
        try:
            self._cursor.execute(operation)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # any of BUSY's variants
                raise
            return False
        finally:
            conn.execute(f"PRAGMA busy_timeout={int(waits)}")
        return True

    async def executemany(self, operation: str, seq_of_parameters: Iterable[Any]) -> InlineCursor:
        self._cursor.executemany(operation, seq_of_parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> Sequence[Any]:
        return self._cursor.fetchall()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """aiosqlite's connection surface over a plain ``sqlite3.Connection``."""

    #: Read by ``core.db`` to skip settings that only make sense for aiosqlite.
    inline = True

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        #: The next ``COMMIT`` runs here, on the loop (:func:`commit_in_place`).
        self._commit_here = False
        #: SQLAlchemy's aiosqlite adapter tests this (aiosqlite's name for the open
        #: ``sqlite3`` connection) before commit and rollback; ``None`` once closed.
        self._connection: sqlite3.Connection | None = conn

    @property
    def raw(self) -> sqlite3.Connection:
        """The plain connection, for statements run synchronously by the write turn's own
        unit of work (``core/sqlite_raw.py``)."""
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def commit(self) -> None:
        here, self._commit_here = self._commit_here, False
        if not self._conn.in_transaction:
            return
        if here:
            self._conn.commit()
        else:
            await asyncio.to_thread(self._conn.commit)

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        self._connection = None
        self._conn.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)


def creator(path: str) -> Any:
    """An ``async_creator`` for ``create_async_engine`` opening ``path`` inline."""

    async def connect() -> InlineConnection:
        # isolation_level=None: the driver never opens transactions by itself; SQLAlchemy's
        # "begin" hook in core/db.py issues BEGIN IMMEDIATE. check_same_thread=False: begin and
        # commit run in a worker thread, always while the write turn holds the connection.
        conn = await asyncio.to_thread(
            sqlite3.connect, path, isolation_level=None, check_same_thread=False
        )
        return InlineConnection(conn)

    return connect


def commit_in_place(conn: AsyncConnection) -> None:
    """Let the next ``COMMIT`` on ``conn`` run on the event loop, if ``conn`` is this driver's.

    The write turn asks for it when the batch is one write and nobody waits for the
    connection: a lone write, as under light load. Its ``COMMIT`` in a worker thread cost two
    hand-offs, ~80 µs there and ~60 µs back on top of the flush (~0.6 ms), and their CPU: a
    lone create through the API channel ran at 400–410/s that way and at 453–475/s here
    (``bench.inprocess --concurrency 1 --steps create``, 5 Dec 2026). Blocking the loop for
    the flush delays only what arrives meanwhile, by at most that flush; a busy server's
    batches hold more than one write and still commit in the thread."""
    driver = conn.sync_connection.connection.driver_connection if conn.sync_connection else None
    if isinstance(driver, InlineConnection):
        driver._commit_here = True
