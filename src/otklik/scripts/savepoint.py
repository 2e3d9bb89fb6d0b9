"""Run a step in a SAVEPOINT so its failure undoes only that step.

An automation rule runs inside the transaction of the change that triggered it (a customer's
message, say). A rule that fails — a team deleted since it was written — must not lose the
customer's message, so each rule runs in a savepoint. Rolling one back also has to undo what
the step put in ``session.info``: events staged for publishing (their rows are gone), reactions
queued for after commit, and flags such as "the event-order advisory lock is taken"
(PostgreSQL releases a lock taken inside a savepoint that rolls back). And objects the step
changed are expired by SQLAlchemy; they are reloaded here, because the caller may still read
them and an async session cannot lazy-load.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.events import AFTER_COMMIT_KEY
from otklik.realtime.log import PENDING_KEY


@asynccontextmanager
async def isolated(session: AsyncSession) -> AsyncIterator[None]:
    saved = dict(session.info)
    pending = session.info.get(PENDING_KEY)
    staged = len(pending) if pending is not None else 0
    queued = session.info.get(AFTER_COMMIT_KEY)
    queued_before = len(queued) if queued is not None else 0
    try:
        async with session.begin_nested():
            yield
    except Exception:
        session.info.clear()
        session.info.update(saved)
        if pending is not None:
            del pending[staged:]
        if queued is not None:
            del queued[queued_before:]
        for obj in list(session.identity_map.values()):
            if inspect(obj).expired_attributes:
                await session.refresh(obj)
        raise
