"""Reads at once on several connections: a report's independent parts, each on its own
connection (SQLite reads run on their own threads, PostgreSQL's in their own backends), so
that on a machine with more than one core a report takes its longest part, not their sum.

Only for read sessions (bound to an engine): a write turn's session shares the write
connection, and a second connection would not see what the turn has not committed.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

T = TypeVar("T")


@dataclass(slots=True)
class _Pool:
    """A read engine's connections for reads beside (``core/db.py``), a pool of their
    own, and how many are in use. A read beside is given one only when one is free now,
    else it runs in the caller's session after the rest: a request that held a read
    connection and waited for another could wait for ever while other requests held the
    rest (with a pool of four, four requests each holding one and waiting for a second);
    and when every connection is busy the cores are too."""

    engine: AsyncEngine
    size: int
    in_use: int = 0


_SIDES: weakref.WeakKeyDictionary[AsyncEngine, _Pool] = weakref.WeakKeyDictionary()


def attach(read_engine: AsyncEngine, side_engine: AsyncEngine, size: int) -> None:
    """Reads beside sessions of ``read_engine`` take ``side_engine``'s connections, at
    most ``size`` at once (its pool's size)."""
    _SIDES[read_engine] = _Pool(side_engine, size)


@asynccontextmanager
async def beside(session: AsyncSession) -> AsyncIterator[AsyncSession | None]:
    """Another read session on ``session``'s database, carrying its ``info`` (the caller's
    scope: ``accounts.access.bind``); ``None`` when ``session`` is not a read session of
    an engine with a pool beside it (:func:`attach`), or none of its connections is free."""
    pool = _SIDES.get(session.bind) if isinstance(session.bind, AsyncEngine) else None
    if pool is None or pool.in_use >= pool.size:
        yield None
        return
    pool.in_use += 1  # no await since the check: the event loop's one task runs here
    try:
        async with AsyncSession(pool.engine, expire_on_commit=False) as other:
            other.info.update(session.info)
            yield other
    finally:
        pool.in_use -= 1


@asynccontextmanager
async def alongside(work: Coroutine[Any, Any, T]) -> AsyncIterator[asyncio.Task[T]]:
    """``work`` running in a task while the block runs (and awaits it where it needs its
    answer); stopped when the block ends without it, before the session it reads ends.
    Not a task group: that would hand a failure on wrapped in an ``ExceptionGroup``."""
    task = asyncio.create_task(work)
    try:
        yield task
    finally:
        if not task.done():
            task.cancel()
        await asyncio.wait([task])
        if not task.cancelled():
            task.exception()  # looked at: a failure the block did not await is not logged


async def halves(
    session: AsyncSession,
    since: datetime,
    until: datetime,
    read: Callable[[AsyncSession, datetime, datetime], Coroutine[Any, Any, T]],
) -> list[T]:
    """``read`` of ``[since, until)`` in two halves at once on SQLite, the later on another
    connection: for answers that add up over time (counts), which the caller merges. One
    read of the whole on a write turn's session, and on PostgreSQL, which spreads one large
    statement over its parallel workers itself: there two halves each hashed the same
    table (the SLA compliance by team at 1M conversations: 683 ms against 452 at once)."""
    middle = since + (until - since) / 2
    if session.get_bind().dialect.name != "sqlite":
        return [await read(session, since, until)]
    async with beside(session) as other:
        if other is None:
            return [await read(session, since, until)]
        async with alongside(read(other, middle, until)) as later:
            return [await read(session, since, middle), await later]
