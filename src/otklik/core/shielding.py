"""Work that must not be cut in half by a cancellation.

A write connection's transaction state lives in the driver and in SQLAlchemy's connection
object. A ``BEGIN``, a savepoint's release or rollback, or a batch's commit interrupted by a
cancellation (a poller being stopped, a server shutting down) leaves that state half
changed: the next writer's ``BEGIN`` then fails with "This connection has already
initialized a SQLAlchemy Transaction", and so does every write of the process after it
(seen on CI: a stopped email poller broke the write connection of a test server).

``asyncio.shield`` alone is not enough: the shielded work runs on, but the cancelled caller
goes ahead (releasing the connection's lock) while it does. :func:`to_the_end` waits for the
work whatever happens, then passes the cancellation on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def to_the_end(work: Awaitable[T]) -> T:
    """Await ``work`` until it has ended, even if this task is cancelled meanwhile (once or
    repeatedly); a cancellation that arrived is raised afterwards, a failure of ``work``
    is raised as it is."""
    task = asyncio.ensure_future(work)
    interrupted = False
    while True:
        try:
            result = await asyncio.shield(task)
            break
        except asyncio.CancelledError:
            if task.done():  # the work itself was cancelled (not by us): pass it on
                raise
            interrupted = True
    if interrupted:
        raise asyncio.CancelledError
    return result
