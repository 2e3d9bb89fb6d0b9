"""Engines, the declarative base and the unit of work that every request runs in.

SQLite allows one writer at a time. Rather than letting concurrent writers fight over the
file lock (and fail with "database is locked" when a read transaction tries to upgrade), all
writes of a process go through a write engine whose pool holds exactly one connection and
whose transactions start with ``BEGIN IMMEDIATE``. Reads use a separate pool and never block
on writers thanks to WAL. On PostgreSQL both names point to the same engine.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.engine.processors import str_to_datetime
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

from otklik.config import Settings
from otklik.core import search_backlog, side_reads, sqlite_inline
from otklik.core.checkpoint import WRITER_CHECKPOINT_PAGES, WalCheckpointer
from otklik.core.events import bus
from otklik.core.shielding import to_the_end
from otklik.core.unit import WriteUnit
from otklik.core.writer import Batch, BeforeCommit, Committed, WriteLanes

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Connections of each process's pool for reads beside a request's own
#: (``core/side_reads.py``): a report's independent parts at once. Four: two reports at a
#: time get theirs; more read their parts one after another.
SIDE_CONNECTIONS = 4

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: A 64-bit primary key on PostgreSQL that is still SQLite's rowid alias.
BigId = BigInteger().with_variant(Integer(), "sqlite")
#: JSONB on PostgreSQL, JSON text elsewhere.
Json = JSON().with_variant(postgresql.JSONB(), "postgresql")


def _in_utc(value: datetime) -> datetime:
    """A stored timestamp as an aware UTC datetime (a naive one is UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes in UTC; refuses naive ones so no local time sneaks in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite, :meth:`process_bind_param` and the dialect's text format in one step
        (``YYYY-MM-DD HH:MM:SS.ffffff``, the same text): stacked, the three layers cost
        ~15 µs of a live message's CPU for its five timestamps. ``test_db_types`` holds
        the two to the same text."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else _in_utc(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        """On SQLite, the dialect's parse of its text (``datetime.fromisoformat``) and
        :meth:`process_result_value` in one step, as :meth:`bind_processor` on the way in:
        a conversation read back on a live message has six of these. Anything but the
        dialect's plain text parser (a storage format of its own) keeps the stacked path;
        ``test_db_types`` holds the two to the same values."""
        stacked = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or stacked is None:
            return stacked
        parse = self.impl_instance.dialect_impl(dialect).result_processor(dialect, coltype)
        if parse is not str_to_datetime:
            return stacked
        parse_text = datetime.fromisoformat

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if not isinstance(value, str):
                return stacked(value)
            return _in_utc(parse_text(value))

        return process


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: Json, int: BigId}


AfterCommit = Callable[[Committed], Awaitable[None]]
#: Run inside every write batch's transaction just before its commit, in every process; the
#: realtime log registers its order stamping here when it is imported (``realtime.log``).
before_commit_hooks: list[BeforeCommit] = []


def register_before_commit(hook: BeforeCommit) -> None:
    if hook not in before_commit_hooks:
        before_commit_hooks.append(hook)


async def _before_commit(conn: AsyncConnection, sessions: Sequence[Committed]) -> None:
    for hook in before_commit_hooks:
        await hook(conn, sessions)


#: PostgreSQL's "deadlock detected" and "could not serialize access": the database chose this
#: write to fail so that another could go on; tried again, it waits for that one instead.
_RACE_SQLSTATES = frozenset({"40P01", "40001"})
#: How many times a write that keeps losing races is tried before its error is answered.
RACE_ATTEMPTS = 3


def lost_a_race(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL failing a write to break a deadlock (or a serialization
    conflict). Write lanes and worker processes hold row locks in batches of writes at once,
    so two of them can wait for each other; PostgreSQL then fails one write, whose savepoint
    is rolled back (releasing its locks), and that write can simply run again."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _RACE_SQLSTATES


async def retry_lost_races(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run a write (its own turn and savepoint each time) until it does not lose a race,
    :data:`RACE_ATTEMPTS` times at most: a lost attempt was rolled back to its savepoint, so
    nothing of it stays."""
    for number in range(1, RACE_ATTEMPTS + 1):
        try:
            return await attempt()
        except DBAPIError as exc:
            if number == RACE_ATTEMPTS or not lost_a_race(exc):
                raise
            log.info("a write lost a race (attempt %d), trying again: %s", number, exc)
    raise AssertionError("unreachable")


def _sqlite_pragmas(synchronous: str) -> Callable[[Any, ConnectionPoolEntry], None]:
    def on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's "begin" hook, not the driver, decide how transactions start
        # (an inline connection is opened that way already).
        if not getattr(record.driver_connection, "inline", False):
            dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # First: the pragmas below may wait for another connection's lock (a process
        # starting while another one writes), and should wait as long as any statement.
        cursor.execute("PRAGMA busy_timeout=15000")
        # WAL is a property of the file: set it only when it is not set yet. Setting it again
        # on every connection takes a lock that can fail at once ("database is locked",
        # without waiting) while another connection opens at the same moment.
        cursor.execute("PRAGMA journal_mode")
        if str(cursor.fetchone()[0]).lower() != "wal":
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        # Checkpoints run in the background (core/checkpoint.py); the writer's own is a bound.
        cursor.execute(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}")
        cursor.execute("PRAGMA foreign_keys=ON")
        _ensure_ln(dbapi_connection, cursor)
        cursor.close()

    return on_connect


def _savepoints_in_memory(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    """The write connection keeps its savepoints' journal in memory.

    Every unit of a write batch runs in its own savepoint (``core/unit.py``), and SQLite
    copies each page a savepoint changes for the first time into a sub-journal so it can
    roll back to it: a temporary file by default, some fifteen pages a visitor's message.
    Measured with bare ``sqlite3`` on the live path's statements (``bench/RESULTS.md``, 5 Dec,
    seventh session), that file cost 30 µs of the 80 a message's statements take; in memory
    it costs next to nothing. It holds only the pages one savepoint changed, till the
    savepoint ends: a few pages for a live write, a few megabytes for an import's batch or
    an hour of pruned events. Readers keep the default (their sorts may be large)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA temp_store=MEMORY")
    finally:
        cursor.close()


def _ensure_ln(dbapi_connection: Any, cursor: Any) -> None:
    """Reports bin durations with SQL ``ln()`` (reports/stats.py). SQLite has it only when
    built with its math functions (Debian's is); elsewhere Python's ``math.log`` stands in."""
    try:
        cursor.execute("SELECT ln(1)")
        cursor.fetchone()
    except sqlite3.OperationalError:
        dbapi_connection.create_function("ln", 1, math.log, deterministic=True)


def ensure_ln(dbapi_connection: Any) -> None:
    """:func:`_ensure_ln` on a SQLite driver connection opened elsewhere (a migration's)."""
    cursor = dbapi_connection.cursor()
    try:
        _ensure_ln(dbapi_connection, cursor)
    finally:
        cursor.close()


def _use_wal(path: str) -> None:
    """Put the file in WAL mode before any pooled connection opens it.

    Switching the journal mode needs the file to itself and fails at once, without waiting,
    when another connection opens at that moment; done here, once, nobody else is there yet."""
    if not path or path == ":memory:":
        return
    conn = sqlite3.connect(path, timeout=15)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()


def _make_sqlite_engine(
    url: str, synchronous: str, *, writer: bool, pool_size: int = 8
) -> AsyncEngine:
    options: dict[str, Any] = {}
    if writer:
        # The write connection runs its statements inline (see sqlite_inline.py).
        options["async_creator"] = sqlite_inline.creator(make_url(url).database or "")
    engine = create_async_engine(
        url,
        pool_size=1 if writer else pool_size,
        max_overflow=0,
        pool_timeout=120,
        **options,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas(synchronous))
    if writer:
        event.listen(engine.sync_engine, "connect", _savepoints_in_memory)
    begin_sql = "BEGIN IMMEDIATE" if writer else "BEGIN"

    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin_sql)

    event.listen(engine.sync_engine, "begin", on_begin)
    search_backlog.follow(engine)
    return engine


async def _keep(session: AsyncSession, batch: Batch) -> None:
    """A writer's session succeeded: release its savepoint into the batch."""
    try:
        await session.commit()
        batch.committed.append(session)
    except BaseException:
        await session.rollback()  # back to this writer's savepoint only
        raise
    finally:
        await session.close()


async def _undo(session: AsyncSession) -> None:
    """A writer's session failed: back to its savepoint only."""
    try:
        await session.rollback()
    finally:
        await session.close()


async def _back_out(undo: Awaitable[None], batch: Batch) -> None:
    """Undo a failed writer's work, whole even when it is being cancelled
    (``core/shielding.py``). When the undo itself fails (a statement cut by a cancellation
    makes asyncpg drop the connection, say), nothing of the batch may commit: the batch is
    marked broken and fails as a whole; the writer's own failure is the one raised."""
    try:
        await to_the_end(undo)
    except Exception:
        log.warning("undoing a failed write failed: its batch is rolled back", exc_info=True)
        batch.broken = True


async def _keep_unit(unit: WriteUnit, batch: Batch) -> None:
    try:
        await unit.finish()
        batch.committed.append(unit)
    except BaseException:
        await unit.abandon()
        raise


class Database:
    """Owns the engines and hands out sessions that commit on success."""

    def __init__(self, settings: Settings) -> None:
        self.url = settings.resolved_database_url()
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            sync = settings.sqlite_synchronous.upper()
            if sync not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
                raise ValueError(f"OTKLIK_SQLITE_SYNCHRONOUS={sync!r} is not a SQLite level")
            _use_wal(make_url(self.url).database or "")
            self.write_engine = _make_sqlite_engine(self.url, sync, writer=True)
            self.read_engine = _make_sqlite_engine(self.url, sync, writer=False)
            self.side_engine = _make_sqlite_engine(
                self.url, sync, writer=False, pool_size=SIDE_CONNECTIONS
            )
        else:
            self.write_engine = create_async_engine(
                self.url, pool_size=10, max_overflow=20, pool_pre_ping=True
            )
            self.read_engine = self.write_engine
            self.side_engine = create_async_engine(
                self.url, pool_size=SIDE_CONNECTIONS, max_overflow=0, pool_pre_ping=True
            )
        side_reads.attach(self.read_engine, self.side_engine, SIDE_CONNECTIONS)
        self.writer = WriteLanes(
            self.write_engine,
            # SQLite has one writer at a time: one connection. PostgreSQL: several, each
            # with its own group commit (core/writer.py), within the pool's size.
            lanes=1 if self.is_sqlite else settings.pg_write_connections,
            on_commit=self._after_commit,
            before_commit=_before_commit,
        )
        self._reader = async_sessionmaker(self.read_engine, expire_on_commit=False)
        self.checkpointer = (
            WalCheckpointer(make_url(self.url).database or "")
            if self.is_sqlite and make_url(self.url).database not in ("", ":memory:")
            else None
        )
        #: Called after every successful commit (the realtime layer publishes events here;
        #: the event bus runs its after-commit subscribers).
        self.after_commit: list[AfterCommit] = [bus.run_after_commit]

    @property
    def dialect(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    @asynccontextmanager
    async def session(self, *, write: bool) -> AsyncIterator[AsyncSession]:
        """A transaction: committed (durably) when the block ends normally, rolled back
        otherwise. Writes are group-committed (see ``writer.py``); the block's exit waits
        for the commit, so whoever answers a client after it answers with committed data."""
        if not write:
            async with self._reader() as session:
                # A read session just closes: that ends its transaction without expiring
                # the loaded objects, which callers may keep reading after the block.
                yield session
            return
        async with self.writer.turn() as (conn, batch):
            session = AsyncSession(
                bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
            try:
                yield session
            except BaseException:
                await _back_out(_undo(session), batch)
                raise
            await to_the_end(_keep(session, batch))
        await asyncio.shield(batch.done)

    @asynccontextmanager
    async def unit(self, *, key: int | None = None) -> AsyncIterator[WriteUnit]:
        """Like a write :meth:`session`, without the session unless the block asks the unit
        for one (``core/unit.py``): committed durably when the block ends normally.
        ``key``: writes with the same key take the same write lane (``WriteLanes.turn``)."""
        async with self.writer.turn(key) as (conn, batch):
            unit = WriteUnit(conn)
            try:
                yield unit
            except BaseException:
                await _back_out(unit.abandon(), batch)
                raise
            if unit.settled:
                # The live path's common case: its savepoint went in the work's own hop, so
                # keeping it is one append, with no await for a cancellation to cut and no
                # task for ``to_the_end`` to start (~a tenth of a message's CPU).
                batch.committed.append(unit)
            else:
                await to_the_end(_keep_unit(unit, batch))
        await asyncio.shield(batch.done)

    async def run_unit(
        self, work: Callable[[WriteUnit], Awaitable[T]], *, key: int | None = None
    ) -> T:
        """``work`` in a :meth:`unit`, tried again when it lost a race (:func:`lost_a_race`)."""

        async def attempt() -> T:
            async with self.unit(key=key) as unit:
                return await work(unit)

        return await retry_lost_races(attempt)

    async def _after_commit(self, session: Committed) -> None:
        for hook in self.after_commit:
            await hook(session)

    def start_background(self) -> None:
        """The database's own background work (SQLite: WAL checkpoints), for a long-lived
        process that writes (the app); stopped by :meth:`dispose`."""
        if self.checkpointer is not None:
            self.checkpointer.start()

    async def dispose(self) -> None:
        if self.checkpointer is not None:
            await self.checkpointer.stop()
        await self.writer.close()
        await self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            await self.read_engine.dispose()
        await self.side_engine.dispose()


def insert_for(dialect: str) -> Any:
    """The dialect's INSERT construct (both have ``on_conflict_do_nothing``)."""
    return sqlite.insert if dialect == "sqlite" else postgresql.insert
