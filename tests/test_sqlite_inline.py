"""The inline SQLite write connection: a transaction starts right away when the write lock is
free, and waits for it (without holding up the event loop) when another connection writes."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

from otklik.core import sqlite_inline


async def _connection(path: Path) -> sqlite_inline.InlineConnection:
    conn: sqlite_inline.InlineConnection = await sqlite_inline.creator(str(path))()
    cursor = conn.cursor()
    await cursor.execute("PRAGMA busy_timeout=15000")
    await cursor.execute("PRAGMA journal_mode=WAL")
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
