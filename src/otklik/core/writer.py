"""Group commit: many write transactions share one durable commit.

With ``synchronous=FULL`` every SQLite commit waits for the disk (an fsync, 5–15 ms on
ordinary cloud disks); one commit per chat message caps a server near a hundred messages a
second. Here each process owns one write connection. A request takes a *turn* on it and runs
its work inside a SAVEPOINT of a transaction shared by everybody queued at the same moment;
the transaction commits once when no one is waiting any more (or the batch is full), and only
then is each request answered. Every acknowledged write is still durable before its answer,
a failing request rolls back only its own savepoint, and the disk sees one flush per batch.

The same path serves PostgreSQL, where it also keeps commits short under the event-order lock.
There a process runs several such connections side by side (:class:`WriteLanes`): one
connection would make every statement of every request wait for the previous one's round
trip to the server, and a PostgreSQL write is mostly waiting for round trips.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from otklik.core import sqlite_inline, write_shard
from otklik.core.shielding import to_the_end

log = logging.getLogger(__name__)


class Committed(Protocol):
    """A writer of a batch as the work around its commit sees it: an ORM session or a
    session-less unit (``core/unit.py``), through the notes it left (``info``)."""

    @property
    def info(self) -> dict[str, Any]: ...


OnCommit = Callable[[Committed], Awaitable[None]]
#: Last work inside a batch's transaction, given the writers in turn order.
BeforeCommit = Callable[[AsyncConnection, Sequence[Committed]], Awaitable[None]]


@dataclass(eq=False)
class Batch:
    """Writes that will become durable with one commit."""

    done: asyncio.Future[None]
    size: int = 0
    commit_scheduled: bool = False
    #: Writers whose savepoint was released, in turn order: their after-commit work
    #: (publishing events) runs in this order, so event ids reach sockets ascending.
    committed: list[Committed] = field(default_factory=list)
    #: A writer's failed work could not be undone: the batch must not commit.
    broken: bool = False


class BrokenBatch(Exception):
    """A batch rolled back because a failed writer's work could not be undone."""


class WriteBatcher:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        on_commit: OnCommit,
        before_commit: BeforeCommit | None = None,
        max_batch: int = 500,
        commit_order: asyncio.Lock | None = None,
    ) -> None:
        self.engine = engine
        self.on_commit = on_commit
        self.before_commit = before_commit
        self.max_batch = max_batch
        #: Shared by the lanes of a process: from the last work before commit to the end of
        #: the after-commit work, one batch at a time, so events reach the sockets of this
        #: process in the order they committed (``realtime.log.stamp_order``).
        self._commit_order = commit_order or asyncio.Lock()
        self._lock = asyncio.Lock()
        self._waiting = 0
        self._conn: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None
        self._batch: Batch | None = None
        #: Scheduled commits; asyncio keeps only weak references to tasks.
        self._tasks: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[tuple[AsyncConnection, Batch]]:
        """Exclusive use of the write connection inside the current batch's transaction.

        The caller does its work in a savepoint; after leaving the block it awaits
        ``batch.done`` for durability."""
        self._waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self._waiting -= 1
        try:
            conn, batch = await self._join()
        except BaseException:
            self._lock.release()
            raise
        try:
            yield conn, batch
        finally:
            try:
                if batch.size >= self.max_batch or self._waiting == 0:
                    await to_the_end(self._commit(batch))
                elif not batch.commit_scheduled:
                    # Somebody is queued: let them join, then commit after them.
                    batch.commit_scheduled = True
                    task = asyncio.get_running_loop().create_task(self._commit_after_queue(batch))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            finally:
                self._lock.release()

    async def _join(self) -> tuple[AsyncConnection, Batch]:
        if self._batch is None:
            # Connecting and BEGIN run whole even if this writer is cancelled meanwhile
            # (``core/shielding.py``); a writer joining a running batch awaits nothing.
            await to_the_end(self._begin())
        assert self._conn is not None and self._batch is not None
        self._batch.size += 1
        return self._conn, self._batch

    async def _begin(self) -> None:
        if self._conn is None:
            self._conn = await self.engine.connect()
            try:
                await write_shard.claim(self._conn)
            except Exception:
                await self._discard_connection()
                raise
        try:
            self._transaction = await self._conn.begin()
        except Exception:
            # Whatever state the failed BEGIN left, the next turn starts on a new
            # connection instead of tripping over it.
            await self._discard_connection()
            raise
        self._batch = Batch(done=asyncio.get_running_loop().create_future())

    async def _commit_after_queue(self, batch: Batch) -> None:
        async with self._lock:
            if self._batch is batch:
                await to_the_end(self._commit(batch))

    @property
    def load(self) -> int:
        """Writers queued or in a turn: how busy this connection is."""
        return self._waiting + (1 if self._lock.locked() else 0)

    async def _commit(self, batch: Batch) -> None:
        """Commit the shared transaction (lock held) and tell every writer of the batch."""
        if self._batch is not batch:
            return
        self._batch = None
        transaction, self._transaction = self._transaction, None
        async with self._commit_order:
            await self._commit_in_order(batch, transaction)

    async def _commit_in_order(self, batch: Batch, transaction: AsyncTransaction | None) -> None:
        try:
            if batch.broken:
                raise BrokenBatch("a failed write in this batch could not be undone")
            if transaction is not None:
                if self.before_commit is not None and batch.committed and self._conn is not None:
                    await self.before_commit(self._conn, batch.committed)
                if batch.size == 1 and self._waiting == 0 and self._conn is not None:
                    sqlite_inline.commit_in_place(self._conn)
                await transaction.commit()
        except Exception as exc:
            log.exception("group commit of %d writes failed", batch.size)
            await self._discard_connection()
            if not batch.done.done():
                batch.done.set_exception(exc)
                batch.done.exception()  # mark retrieved: each writer re-raises it itself
            return
        for session in batch.committed:
            try:
                await self.on_commit(session)
            except Exception:  # the data is committed; a live client will catch up on resume
                log.exception("after-commit work failed")
        if not batch.done.done():
            batch.done.set_result(None)

    async def _discard_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.invalidate()
            except Exception:  # already broken: nothing more to release
                log.debug("closing a broken write connection failed", exc_info=True)

    async def close(self) -> None:
        async with self._lock:
            if self._batch is not None:
                await self._commit(self._batch)
            if self._conn is not None:
                try:
                    await write_shard.release(self._conn)
                except Exception:  # the claim ends with the connection anyway
                    log.debug("giving back a write shard failed", exc_info=True)
                await self._conn.close()
                self._conn = None


class WriteLanes:
    """Several write connections of one process, each group-committing its own batches.

    A turn goes to the least busy lane. Lanes run their statements at the same time; their
    commits take turns (``commit_order``), which on PostgreSQL is where the event-order lock
    is held anyway."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        lanes: int,
        on_commit: OnCommit,
        before_commit: BeforeCommit | None = None,
    ) -> None:
        order = asyncio.Lock()
        self.lanes = [
            WriteBatcher(
                engine, on_commit=on_commit, before_commit=before_commit, commit_order=order
            )
            for _ in range(max(1, lanes))
        ]

    def turn(
        self, key: int | None = None
    ) -> AbstractAsyncContextManager[tuple[AsyncConnection, Batch]]:
        """A turn on the lane of ``key`` (a contact's id, say), else on the least busy lane.

        Writes with the same key always share a lane, so they never wait for each other's
        row locks from two open batches at once — the wait that, crossed with another lane,
        is a deadlock (``core.db.lost_a_race``)."""
        if key is not None:
            return self.lanes[key % len(self.lanes)].turn()
        return min(self.lanes, key=lambda lane: lane.load).turn()

    @property
    def waiting(self) -> int:
        """Writers queued for a turn, in every lane."""
        return sum(lane._waiting for lane in self.lanes)

    async def close(self) -> None:
        for lane in self.lanes:
            await lane.close()
