"""Cancelled writers (a poller being stopped, a server shutting down) never break the
process's write connection, and leave nothing half written.

A cancellation can land anywhere in a write: while it waits for its turn, in the batch's
``BEGIN``, in its own statements, in the release or rollback of its savepoint, in the batch's
commit. Before ``core/shielding.py`` one landing in the middle of those left the connection
in a transaction nobody owned, and every later write of the process failed (CI, 4 Dec 2026).
Here writes are cancelled after 0, 1, 2, … turns of the event loop, twice each (as the
email channel's stop does), so the cancellation falls at each of those points in turn.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from otklik.contacts import service as contacts
from otklik.contacts.models import Contact
from otklik.core.db import Database


async def _in_session(db: Database, name: str) -> None:
    async with db.session(write=True) as session:
        await contacts.create_contact(session, name=name, email=None, attributes={})
        await contacts.create_contact(session, name=name, email=None, attributes={})


async def _in_unit(db: Database, name: str) -> None:
    """The session-less path of the live messages (``core/unit.py``)."""

    def two(conn: Connection) -> None:
        for _ in range(2):
            conn.execute(insert(Contact).values(name=name, attributes={}))

    async with db.unit() as unit:
        await unit.run(two)


async def test_writes_cancelled_at_any_point_leave_the_writer_working(db: Database) -> None:
    for steps in range(80):
        _write = _in_session if steps % 2 else _in_unit
        task = asyncio.create_task(_write(db, f"cut {steps}"))
        for _ in range(steps):
            await asyncio.sleep(0)
        task.cancel()
        await asyncio.sleep(0)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        # The next write goes through whatever the cancellation interrupted.
        await asyncio.wait_for(_write(db, f"after {steps}"), timeout=60)
    async with db.session(write=False) as session:
        counts = dict(
            (await session.execute(select(Contact.name, func.count()).group_by(Contact.name))).all()
        )
    assert all(counts[f"after {steps}"] == 2 for steps in range(80))
    # A cancelled write is all there (it had finished when the cancellation came) or absent.
    assert all(counts.get(f"cut {steps}", 2) == 2 for steps in range(80))
