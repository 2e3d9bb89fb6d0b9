"""SQLite: committed pages reach the database file by the background checkpoint, not by the
writer's commit (core/checkpoint.py)."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from otklik.config import Settings
from otklik.contacts import service as contacts
from otklik.core.checkpoint import WRITER_CHECKPOINT_PAGES
from otklik.core.db import Database


def _names_in_the_file(path: str) -> set[str]:
    """What the database file itself holds, ignoring the WAL (``immutable``)."""
    conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    try:
        return {name for (name,) in conn.execute("SELECT name FROM contacts")}
    finally:
        conn.close()


async def test_commits_reach_the_database_file_in_the_background(settings: Settings) -> None:
    url = settings.resolved_database_url()
    if not url.startswith("sqlite"):
        pytest.skip("a SQLite matter")
    path = make_url(url).database or ""
    db = Database(settings)
    assert db.checkpointer is not None
    db.checkpointer.interval = 0.05
    try:
        async with db.session(write=True) as session:
            await contacts.create_contact(session, name="Before", email=None, attributes={})
            threshold = await session.scalar(text("PRAGMA wal_autocheckpoint"))
        # The writer leaves checkpoints to the background: its own threshold is a far bound.
        assert threshold == WRITER_CHECKPOINT_PAGES
        assert "Before" not in _names_in_the_file(path)  # still only in the WAL
        db.start_background()
        async with db.session(write=True) as session:
            await contacts.create_contact(session, name="After", email=None, attributes={})
        async with asyncio.timeout(30):
            while not {"Before", "After"} <= _names_in_the_file(path):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        await db.dispose()
