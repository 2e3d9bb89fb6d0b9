"""The inline SQLite write connection: a transaction starts right away when the write lock is
free, and waits for it (without holding up the event loop) when another connection writes."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from otklik.config import Settings
from otklik.core import sqlite_inline
from otklik.core.db import Database


async def _connection(path: Path) -> sqlite_inline.InlineConnection:
    conn: sqlite_inline.InlineConnection = await sqlite_inline.creator(str(path))()
    cursor = conn.cursor()
    await cursor.execute("PRAGMA busy_timeout=15000")
    await cursor.execute("PRAGMA journal_mode=WAL")
    # Closed, as the app closes its cursors: the pragma's answer, never read, would keep its
    # statement in progress for as long as the cursor lived (a COMMIT refuses to run then),
    # and when that ends depended on when the thread's future let go of it.
    await cursor.close()
    return conn


async def test_begin_takes_a_free_lock_at_once_and_keeps_the_busy_timeout(tmp_path: Path) -> None:
    conn = await _connection(tmp_path / "one.db")
    cursor = conn.cursor()
    await cursor.execute("CREATE TABLE t (v INTEGER)")
    await cursor.execute("BEGIN IMMEDIATE")
    assert conn.raw.in_transaction
    await cursor.execute("INSERT INTO t VALUES (1)")
    await conn.commit()
    await cursor.execute("PRAGMA busy_timeout")
    assert await cursor.fetchone() == (15000,)
    await conn.close()


async def test_begin_waits_for_another_writer_while_the_loop_runs(tmp_path: Path) -> None:
    path = tmp_path / "two.db"
    conn = await _connection(path)
    cursor = conn.cursor()
    await cursor.execute("CREATE TABLE t (v INTEGER)")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock
    other.execute("INSERT INTO t VALUES (1)")
    begun = asyncio.create_task(cursor.execute("BEGIN IMMEDIATE"))
    # The loop keeps running while the BEGIN waits: this task gets its turns meanwhile.
    ticks = 0
    while ticks < 20:
        await asyncio.sleep(0.01)
        ticks += 1
    assert not begun.done()
    assert not conn.raw.in_transaction
    threading.Thread(target=other.commit).start()
    await begun
    assert conn.raw.in_transaction
    await cursor.execute("INSERT INTO t VALUES (2)")
    await conn.commit()
    await cursor.execute("SELECT v FROM t ORDER BY v")
    assert await cursor.fetchall() == [(1,), (2,)]
    await cursor.execute("PRAGMA busy_timeout")
    assert await cursor.fetchone() == (15000,)
    other.close()
    await conn.close()


async def test_a_lone_write_commits_on_the_loop_and_a_shared_batch_in_a_thread(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of one write, with nobody waiting, flushes on the loop (no thread hand-off);
    a batch that several writes share still commits in a worker thread. Both are durable
    and readable once their block has ended."""
    threaded: list[str] = []
    to_thread = asyncio.to_thread

    async def counting(func: Any, /, *args: Any, **kwargs: Any) -> Any:
        threaded.append(getattr(func, "__name__", ""))
        return await to_thread(func, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", counting)
    shutil.copy(sqlite_template, tmp_path / "otklik.db")
    db = Database(Settings(data_dir=tmp_path, secret_key="x" * 40))
    try:
        async with db.session(write=True) as session:
            await session.execute(text("CREATE TABLE t (v INTEGER)"))
        threaded.clear()
        async with db.session(write=True) as session:
            await session.execute(text("INSERT INTO t VALUES (1)"))
        assert "commit" not in threaded

        entered, queued = asyncio.Event(), asyncio.Event()

        async def first() -> None:
            async with db.session(write=True) as session:
                await session.execute(text("INSERT INTO t VALUES (2)"))
                entered.set()
                await queued.wait()
                assert db.writer.waiting == 1  # the second write waits to join this batch

        async def second() -> None:
            await entered.wait()
            queued.set()
            async with db.session(write=True) as session:
                await session.execute(text("INSERT INTO t VALUES (3)"))

        await asyncio.gather(first(), second())
        assert threaded.count("commit") == 1
        async with db.session(write=False) as session:
            rows = (await session.execute(text("SELECT v FROM t ORDER BY v"))).scalars().all()
        assert rows == [1, 2, 3]
    finally:
        await db.dispose()
