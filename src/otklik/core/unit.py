"""A write without an ORM session: statements run in one hop to the write connection.

A request that writes usually opens an ``AsyncSession`` in its turn on the write connection
(``Database.session``): the session opens a SAVEPOINT, runs each statement as a greenlet
switch into the connection, releases the savepoint when it commits. On the live path's common
case (a visitor's next message) that machinery cost more CPU than the statements: creating
the session, compiling and running ``SAVEPOINT`` and ``RELEASE`` through the ORM's transaction
bookkeeping, one hop per step.

A :class:`WriteUnit` is the same turn with none of that: :meth:`WriteUnit.run` runs a plain
function on the synchronous connection (``AsyncConnection.run_sync``), opening the unit's
savepoint in the same hop, and can release it in that hop too. When the work turns out to
need the ORM after all (an automation rule to run, the general path of a rare case),
:meth:`WriteUnit.session` gives a session in the same turn, nested in the unit's savepoint,
sharing its notes (``info``). Either way the unit commits with its batch (``core/writer.py``)
and its notes go through the same before- and after-commit work as a session's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from otklik.core import pg_raw, sqlite_raw

T = TypeVar("T")

#: One unit per turn of the write connection: a fixed name cannot clash.
_SAVEPOINT = "otklik_unit"


def _execute(conn: Connection, sql: str) -> None:
    """A savepoint statement on the driver's own handle where there is one: through
    SQLAlchemy's execution machinery each cost ~100 µs of CPU, two per message. On
    PostgreSQL the handle is there once the batch's transaction has begun at the driver
    (:func:`_open_savepoint` begins it)."""
    raw = sqlite_raw.handle(conn)
    if raw is not None:
        raw.execute(sql)
        return
    pg = pg_raw.handle(conn)
    if pg is not None:
        pg_raw.execute(pg, sql)
    else:
        conn.exec_driver_sql(sql)


#: PostgreSQL: a unit's ``RELEASE`` is left to the next unit, which sends it with its own
#: ``SAVEPOINT`` in one round trip, or to the batch's ``COMMIT``, which releases every
#: savepoint. The note holds the driver's transaction it belongs to, so a note left from an
#: earlier transaction is never acted on.
_UNRELEASED = "otklik_unit_unreleased"


def _open_savepoint(conn: Connection, lead: str | None) -> None:
    """``SAVEPOINT``, and on PostgreSQL the earlier unit's ``RELEASE`` and ``lead`` in the
    same round trip: one simple-protocol query of several statements, each of which still
    takes its own snapshot under READ COMMITTED. A batch's first unit begins the
    transaction at the driver first (``BEGIN``, a round trip of its own as before)."""
    pg = pg_raw.begun(conn)  # None on SQLite: its savepoints cost no round trip
    earlier = conn.info.pop(_UNRELEASED, None)
    if pg is None:
        _execute(conn, f"SAVEPOINT {_SAVEPOINT}")
        return
    script = [f"SAVEPOINT {_SAVEPOINT}"] + ([lead] if lead else [])
    if earlier is not None and earlier is pg_raw.transaction_of(conn):
        script.insert(0, f"RELEASE SAVEPOINT {_SAVEPOINT}")
    pg_raw.execute(pg, "; ".join(script))


def _send_lead(conn: Connection, lead: str | None) -> None:
    pg = pg_raw.handle(conn)  # the adapter has begun the transaction by now
    if lead and pg is not None:
        pg_raw.execute(pg, lead)


def _release_savepoint(conn: Connection) -> None:
    if pg_raw.handle(conn) is not None:
        conn.info[_UNRELEASED] = pg_raw.transaction_of(conn)
    else:
        _execute(conn, f"RELEASE SAVEPOINT {_SAVEPOINT}")


class WriteUnit:
    """One writer's turn on the write connection, without a session unless asked for."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._info: dict[str, Any] = {}
        self._open = False
        self._session: AsyncSession | None = None

    @property
    def info(self) -> dict[str, Any]:
        """The unit's notes (events to publish, after-commit work), as ``session.info``."""
        return self._session.info if self._session is not None else self._info

    async def run(
        self,
        work: Callable[[Connection], T],
        *,
        release: Callable[[T], bool] = lambda _: False,
        pg_lead: str | None = None,
    ) -> T:
        """``work(connection)`` in the unit's savepoint, in one hop; the savepoint is opened
        first if it is not open and released after when ``release(result)`` says so (the
        unit is then done with raw work). An exception rolls the savepoint back and rises.

        ``pg_lead``: on PostgreSQL, a statement without parameters or rows to send before
        ``work`` (a row lock), in the savepoint's round trip when it opens one. SQLite runs
        one writer at a time and has no round trips: there it is not sent."""
        if self._session is not None:
            raise RuntimeError("the unit has a session: write through it")
        return await self._conn.run_sync(self._run, work, release, pg_lead)

    def _run(
        self, conn: Connection, work: Callable[[Connection], T], release: Any, lead: str | None
    ) -> T:
        opening, self._open = not self._open, True
        try:
            if opening:
                _open_savepoint(conn, lead)  # a failing lead runs after the SAVEPOINT
            else:
                _send_lead(conn, lead)
            result = work(conn)
        except BaseException:
            # If the connection is gone (asyncpg drops it when a statement is cancelled),
            # the savepoint stays open and ``abandon`` fails the batch; the work's own
            # exception is the one raised.
            with contextlib.suppress(Exception):
                self._rollback_sync(conn)
            raise
        if release(result):
            _release_savepoint(conn)
            self._open = False
        return result

    def _rollback_sync(self, conn: Connection) -> None:
        _execute(conn, f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        _execute(conn, f"RELEASE SAVEPOINT {_SAVEPOINT}")
        self._open = False

    async def session(self) -> AsyncSession:
        """An ORM session in this turn (made once), in its own savepoint inside the unit's;
        it takes over the unit's notes."""
        if self._session is None:
            self._session = AsyncSession(
                bind=self._conn,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,
                info=self._info,
            )
        return self._session

    @property
    def settled(self) -> bool:
        """Nothing is left to release: no session, no open savepoint (the work released it
        in its own hop). Keeping such a unit awaits nothing, so no cancellation can cut it."""
        return self._session is None and not self._open

    async def finish(self) -> None:
        """The work succeeded: keep it in the batch's transaction."""
        session, self._session = self._session, None
        if session is not None:
            try:
                await session.commit()  # releases the session's savepoint
            finally:
                self._info = session.info
                await session.close()
        if self._open:
            await self._conn.run_sync(_release_savepoint)
            self._open = False

    async def abandon(self) -> None:
        """The work failed: nothing of it stays."""
        session, self._session = self._session, None
        if session is not None:
            try:
                await session.rollback()
            finally:
                await session.close()
        if self._open:
            await self._conn.run_sync(self._rollback_sync)
        self._info = {}
