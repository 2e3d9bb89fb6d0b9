"""Reads at once on several connections: a report's independent parts, each on its own
connection (SQLite reads run on their own threads, PostgreSQL's in their own backends), so
that on a machine with more than one core a report takes its longest part, not their sum.

Only for read sessions (bound to an engine): a write turn's session shares the write
connection, and a second connection would not see what the turn has not committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

T = TypeVar("T")


@asynccontextmanager
async def beside(session: AsyncSession) -> AsyncIterator[AsyncSession | None]:
    """Another read session on ``session``'s database, carrying its ``info`` (the caller's
    scope: ``accounts.access.bind``); ``None`` when ``session`` is not a read session."""
    if not isinstance(session.bind, AsyncEngine):
        yield None
        return
    async with AsyncSession(session.bind, expire_on_commit=False) as other:
        other.info.update(session.info)
        yield other


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
