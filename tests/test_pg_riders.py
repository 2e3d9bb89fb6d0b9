"""Writes that need no answer ride with the next statement on PostgreSQL (``core/pg_raw.py``).

A unit of work on asyncpg's handle pays a round trip per statement. Inside
``pg_raw.riding`` a write whose answer nobody reads waits and goes out in front of the next
statement that takes riders (the event log's INSERT) as a data-modifying ``WITH``. What must
hold: the write happens, exactly once, in the order the code made it; a statement through
SQLAlchemy or another raw one sees it; two writes of one table never share a statement; a
block that fails leaves nothing of its waiting writes. Also: a visitor's next message locks
its contact in the round trip of the unit's ``SAVEPOINT``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from otklik import wiring
from otklik.channels import service as inboxes
from otklik.channels.schemas import InboxCreate
from otklik.contacts import service as contacts
from otklik.conversations import service as conversations
from otklik.core import pg_raw
from otklik.core.db import Database
from otklik.reports.models import ReportConversation


@pytest.fixture(autouse=True)
def _wired() -> None:
    wiring.install()


@contextmanager
def _raw_statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every query sent through asyncpg's own calls meanwhile (``pg_raw``), with values or
    without (a script of several statements is one query, one round trip); SQLAlchemy's
    prepared ones are not seen."""
    seen: list[str] = []
    connection = asyncpg.connection.Connection
    plain, with_values = connection.execute, connection._execute

    async def execute(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        if not args:  # with values it goes through _execute
            seen.append(query)
        return await plain(self, query, *args, **kwargs)

    async def recording(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(query)
        return await with_values(self, query, *args, **kwargs)

    monkeypatch.setattr(connection, "execute", execute)
    monkeypatch.setattr(connection, "_execute", recording)
    try:
        yield seen
    finally:
        monkeypatch.undo()


Say = Callable[[str], Awaitable[conversations.Posted]]


async def _visitor(db: Database) -> tuple[int, Say]:
    """A widget visitor's contact id, and how it sends a message (a write unit, as the
    widget's send)."""
    async with db.session(write=True) as session:
        inbox = await inboxes.create_inbox(
            session, data=InboxCreate(name="Site", channel="widget"), actor_id=None
        )
        contact = await contacts.create_contact(session, name="Vera", email=None, attributes={})
    async with db.session(write=False) as session:
        info = await inboxes.inbox_by_id(session, inbox.id)
    assert info is not None

    async def say(words: str) -> conversations.Posted:
        async with db.unit() as write:
            return await conversations.post_visitor_message_in_unit(
                write,
                inbox=info,
                contact_id=contact.id,
                client_msg_id=uuid.uuid4().hex,
                text=words,
                max_chars=10_000,
            )

    return contact.id, say


async def test_a_customer_message_starts_the_report_wait_in_the_same_unit(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    contact_id, say = await _visitor(db)

    first = await say("hello")
    # An operator answers: the customer no longer waits.
    async with db.session(write=True) as session:
        await session.execute(
            update(ReportConversation)
            .where(ReportConversation.conversation_id == first.message.conversation_id)
            .values(waiting_since=None)
        )
    with _raw_statements(monkeypatch) as sent:
        second = await say("are you there?")
    async with db.session(write=False) as session:
        state = await session.get_one(ReportConversation, first.message.conversation_id)
    assert state.waiting_since == second.message.created_at
    if db.write_engine.dialect.name != "postgresql":
        return
    report_writes = [s for s in sent if "UPDATE report_conversations" in s]
    assert len(report_writes) == 1, sent
    assert report_writes[0].startswith("WITH ride0 AS (UPDATE report_conversations")
    assert "INSERT INTO events" in report_writes[0]


async def test_a_visitors_next_message_locks_the_contact_with_the_units_savepoint(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.write_engine.dialect.name != "postgresql":
        pytest.skip("round trips are PostgreSQL's: SQLite's statements cost none")
    contact_id, say = await _visitor(db)

    await say("hello")  # opens the conversation
    with _raw_statements(monkeypatch) as sent:
        second = await say("are you there?")

    assert second.created
    # A lone message's round trips: BEGIN; the SAVEPOINT with the contact's lock; the
    # message and its conversation; the event log's rows with the report state riding; the
    # order stamp with the frames' NOTIFY; COMMIT.
    lock = f"SAVEPOINT otklik_unit; SELECT FROM contacts WHERE id = {contact_id} FOR UPDATE"
    assert len(sent) == 6, sent
    assert (sent[0], sent[1], sent[-1]) == ("BEGIN;", lock, "COMMIT;")
    assert sent[2].startswith("WITH who AS") and "INSERT INTO messages" in sent[2]
    assert "INSERT INTO events" in sent[3] and "pg_advisory_xact_lock" in sent[4]


@pytest.fixture
async def scratch(db: Database) -> AsyncIterator[AsyncConnection]:
    """A write connection in a transaction, with an empty table of notes."""
    if db.write_engine.dialect.name != "postgresql":
        pytest.skip("riders are PostgreSQL's: SQLite's statements cost no round trip")
    async with db.write_engine.connect() as conn:
        await conn.execute(text("CREATE TEMP TABLE notes (n int) ON COMMIT DROP"))
        await conn.execute(text("CREATE TEMP TABLE marks (n int) ON COMMIT DROP"))
        yield conn
        await conn.rollback()


def _insert(table: str, n: int) -> tuple[str, Callable[[int], str], tuple[int]]:
    return table, lambda first: f"INSERT INTO {table} (n) VALUES (${first})", (n,)


def _handle(conn: Connection) -> asyncpg.Connection:
    raw = pg_raw.handle(conn)
    assert raw is not None
    return raw


async def test_writes_wait_for_a_statement_that_takes_them_and_then_ride_with_it(
    scratch: AsyncConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def work(conn: Connection) -> list[int]:
        raw = _handle(conn)
        with pg_raw.riding(conn):
            assert pg_raw.ride(raw, *_insert("notes", 1))
            mark = "INSERT INTO marks (n) VALUES (${}) RETURNING n"
            rows = pg_raw.fetch_with_riders(raw, "marks", mark.format, 7)
        return [row[0] for row in rows]

    with _raw_statements(monkeypatch) as sent:
        assert await scratch.run_sync(work) == [7]
    assert sent == [
        "WITH ride0 AS (INSERT INTO notes (n) VALUES ($1)) "
        "INSERT INTO marks (n) VALUES ($2) RETURNING n"
    ]
    assert (await scratch.execute(text("SELECT n FROM notes"))).scalars().all() == [1]


async def test_any_other_statement_sees_the_waiting_writes_first(
    scratch: AsyncConnection,
) -> None:
    def work(conn: Connection) -> tuple[list[int], list[int]]:
        raw = _handle(conn)
        with pg_raw.riding(conn):
            pg_raw.ride(raw, *_insert("notes", 1))
            through_core = conn.execute(text("SELECT n FROM notes")).scalars().all()
            pg_raw.ride(raw, *_insert("notes", 2))
            raw_read = [row[0] for row in pg_raw.fetch(raw, "SELECT n FROM notes WHERE n > $1", 0)]
        return list(through_core), sorted(raw_read)

    assert await scratch.run_sync(work) == ([1], [1, 2])


async def test_two_writes_of_one_table_never_share_a_statement(
    scratch: AsyncConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def work(conn: Connection) -> None:
        raw = _handle(conn)
        with pg_raw.riding(conn):
            pg_raw.ride(raw, *_insert("notes", 1))
            pg_raw.ride(raw, *_insert("marks", 5))
            pg_raw.ride(raw, *_insert("notes", 2))
        # What still waits at the block's end goes out then.

    with _raw_statements(monkeypatch) as sent:
        await scratch.run_sync(work)
    assert sent == [
        "WITH ride0 AS (INSERT INTO notes (n) VALUES ($1)) INSERT INTO marks (n) VALUES ($2)",
        "INSERT INTO notes (n) VALUES ($1)",
    ]
    notes = (await scratch.execute(select(text("n")).select_from(text("notes")))).scalars()
    assert sorted(notes.all()) == [1, 2]


async def test_a_failing_block_drops_its_waiting_writes_and_a_later_one_starts_clean(
    scratch: AsyncConnection,
) -> None:
    def failing(conn: Connection) -> None:
        with pg_raw.riding(conn):
            pg_raw.ride(_handle(conn), *_insert("notes", 1))
            raise LookupError("the unit failed")

    with pytest.raises(LookupError):
        await scratch.run_sync(failing)

    def later(conn: Connection) -> list[int]:
        raw = _handle(conn)
        assert not pg_raw.ride(raw, *_insert("notes", 2))  # no block: the caller runs it
        pg_raw.execute(raw, "INSERT INTO notes (n) VALUES ($1)", 3)
        return sorted(row[0] for row in pg_raw.fetch(raw, "SELECT n FROM notes WHERE n > $1", 0))

    assert await scratch.run_sync(later) == [3]
