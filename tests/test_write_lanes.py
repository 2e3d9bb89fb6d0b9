"""PostgreSQL write lanes: a deadlock between two lanes' batches costs a retry, not an error.

Each lane keeps a transaction open across the writes of its batch, so two lanes can each hold
a row the other wants. PostgreSQL then fails one write ("deadlock detected"); its savepoint
is rolled back, which releases its locks, and the write runs again after the other one.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Connection

from otklik.config import Settings
from otklik.contacts import service as contacts
from otklik.contacts.models import Contact
from otklik.core.db import Database, lost_a_race
from otklik.core.unit import WriteUnit


def _lock_and_name(contact_id: int, name: str) -> Any:
    def work(conn: Connection) -> None:
        conn.execute(text("SELECT id FROM contacts WHERE id = :id FOR UPDATE"), {"id": contact_id})
        conn.execute(
            text("UPDATE contacts SET name = name || :name WHERE id = :id"),
            {"id": contact_id, "name": name},
        )

    return work


async def test_two_lanes_that_deadlock_both_finish(settings: Settings) -> None:
    if settings.resolved_database_url().startswith("sqlite"):
        pytest.skip("one SQLite writer at a time: nothing to deadlock")
    db = Database(settings.model_copy(update={"pg_write_connections": 2}))
    try:
        async with db.session(write=True) as session:
            first = await contacts.create_contact(session, name="A", email=None, attributes={})
            second = await contacts.create_contact(session, name="B", email=None, attributes={})
        holding = {"left": asyncio.Event(), "right": asyncio.Event()}
        tries = {"left": 0, "right": 0}
        errors: list[BaseException] = []

        def writer(me: str, other: str, rows: tuple[int, int]) -> Any:
            async def work(unit: WriteUnit) -> str:
                tries[me] += 1
                try:
                    await unit.run(_lock_and_name(rows[0], f"+{me}"))
                    holding[me].set()
                    await holding[other].wait()  # each holds one row and wants the other's
                    await unit.run(_lock_and_name(rows[1], f"+{me}"))
                except BaseException as exc:
                    errors.append(exc)
                    raise
                return me

            return work

        done = await asyncio.wait_for(
            asyncio.gather(
                db.run_unit(writer("left", "right", (first.id, second.id)), key=0),
                db.run_unit(writer("right", "left", (second.id, first.id)), key=1),
            ),
            timeout=60,
        )
        async with db.session(write=False) as session:
            rows = await session.execute(select(Contact.id, Contact.name).order_by(Contact.id))
            names = {contact_id: name for contact_id, name in rows}
    finally:
        await db.dispose()
    assert done == ["left", "right"]
    # PostgreSQL failed one of them once, as a deadlock; tried again, it went through.
    assert sorted(tries.values()) == [1, 2]
    assert len(errors) == 1 and lost_a_race(errors[0])
    # Each write's changes are there exactly once: the lost attempt left nothing.
    for contact_id in (first.id, second.id):
        assert sorted(names[contact_id][1:].split("+")) == ["", "left", "right"]
