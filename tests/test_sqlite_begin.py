"""SQLite's write connection begins its batches at once, and still waits for another writer.

The inline driver (``core/sqlite_inline.py``) tries ``BEGIN IMMEDIATE`` right on the event
loop with a busy timeout of zero; only when another connection holds the write lock (another
process, a command-line tool) does it wait for it in a thread, as every batch did before.
"""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import func, select

from otklik.contacts import service as contacts
from otklik.contacts.models import Contact
from otklik.core.db import Database


async def _create(db: Database, name: str) -> int:
    async with db.session(write=True) as session:
        contact = await contacts.create_contact(session, name=name, email=None, attributes={})
    return contact.id


async def _named(db: Database, name: str) -> int:
    async with db.session(write=False) as session:
        found = await session.scalar(select(func.count()).where(Contact.name == name))
    return int(found or 0)


async def _while_locked(db: Database, path: str, name: str) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
        waiting = asyncio.create_task(_create(db, name))
        done, _ = await asyncio.wait({waiting}, timeout=0.5)
        # It waits (the loop meanwhile answered this wait: the lock is awaited in a thread),
        # rather than failing with "database is locked".
        assert not done
        assert await _named(db, name) == 0
        other.execute("COMMIT")
        await asyncio.wait_for(waiting, timeout=10)
    finally:
        other.close()
    assert await _named(db, name) == 1


async def test_a_write_waits_for_another_writer_and_then_succeeds(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("SQLite's write lock")
    await _create(db, "first")  # the write connection is open and has begun once already
    path = db.url.split("///", 1)[1]
    await _while_locked(db, path, "second")
    # The next batch begins at once again...
    await _create(db, "third")
    assert await _named(db, "third") == 1
    # ...and waits as patiently as before when it has to (the busy timeout is restored).
    await _while_locked(db, path, "fourth")
