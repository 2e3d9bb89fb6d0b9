"""Which row of a sharded counter a write adds to.

Counters that many writes bump at once (``conversation_counts``, the report rollups) keep
several rows per key on PostgreSQL, and their readers add the rows up. A write lane's batch
(``core/writer.py``) keeps every row it bumped locked until the batch commits, so when two
lanes bump the same rows in different orders, each waits for the other: a deadlock, which
PostgreSQL breaks by failing one write; retried inside the same open batch it can lose again
(three times in a row under a burst of 1,000 first messages, and the visitor got a 500).

So each PostgreSQL write connection claims a shard of its own while it lives — a
session-level advisory lock per shard, so the claim holds across every process on the
database and ends with the connection — and bumps only that shard's rows: no two lanes ever
wait for each other's counters. A connection without a claim (more lanes than shards, or a
connection outside the lanes) spreads its writes by the row's own key, as before. SQLite has
one writer and one shard.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

#: Shards a counter key may have on PostgreSQL: every write lane of every process wants one
#: of its own (4 lanes a process by default). Readers add up only the rows that exist, one
#: per lane that wrote the key.
SHARDS = 16
#: First key of the two-key advisory locks ``(this, shard)`` that claim a shard.
_LOCK_SPACE = 0x4F544B53  # "OTKS"
_CLAIMED = "otklik_write_shard"


def of(conn: Connection, spread_by: int) -> int:
    """The shard a write on ``conn`` bumps: the connection's own, else ``spread_by``'s."""
    if conn.dialect.name != "postgresql":
        return 0
    shard = claimed(conn)
    return shard if shard is not None else spread_by % SHARDS


def claimed(conn: Connection) -> int | None:
    """The shard ``conn`` claimed, if any (``None`` on SQLite too): for a statement that
    picks the shard itself when there is none, as :func:`of` does."""
    shard = conn.info.get(_CLAIMED)
    return shard if isinstance(shard, int) else None


async def claim(conn: AsyncConnection) -> int | None:
    """Claim a free shard for a write connection (before its first transaction); ``None``
    when every shard is taken (the writes then spread by key) or on SQLite."""
    if conn.dialect.name != "postgresql":
        return None
    claimed = conn.info.get(_CLAIMED)
    if isinstance(claimed, int):
        return claimed
    try:
        for shard in range(SHARDS):
            taken = await conn.scalar(
                text("SELECT pg_try_advisory_lock(:space, :shard)"),
                {"space": _LOCK_SPACE, "shard": shard},
            )
            if taken:
                conn.info[_CLAIMED] = shard
                return shard
        return None
    finally:
        await conn.commit()  # the lock is the session's; the lane begins its own transaction


async def release(conn: AsyncConnection) -> None:
    """Give the shard back before the connection returns to the pool."""
    claimed = conn.info.pop(_CLAIMED, None)
    if isinstance(claimed, int):
        await conn.execute(
            text("SELECT pg_advisory_unlock(:space, :shard)"),
            {"space": _LOCK_SPACE, "shard": claimed},
        )
        await conn.commit()
