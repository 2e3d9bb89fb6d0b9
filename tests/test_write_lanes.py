"""PostgreSQL write lanes: a deadlock between two lanes' batches costs a retry, not an error.

Each lane keeps a transaction open across the writes of its batch, so two lanes can each hold
a row the other wants. PostgreSQL then fails one write ("deadlock detected"); its savepoint
is rolled back, which releases its locks, and the write runs again after the other one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from otklik import wiring
from otklik.channels import inbound
from otklik.channels.base import InboundMessage
from otklik.config import Settings
from otklik.contacts import service as contacts
from otklik.contacts.models import Contact
from otklik.conversations.models import ConversationCount
from otklik.core.db import Database, lost_a_race
from otklik.core.unit import WriteUnit
from tests.test_opening import cached_api_inbox


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


async def test_lanes_opening_conversations_do_not_wait_for_each_others_counts(
    settings: Settings,
) -> None:
    """Every new conversation bumps the same counters (its inbox's open count, the hour's
    report rollups). While one lane's batch is still open after bumping them, another lane
    opens eight conversations in the same inbox: it must not wait for the first lane's row
    locks — waits of that kind, crossed between lanes under a burst of first messages, were
    deadlocks that failed a visitor's message with a 500."""
    if settings.resolved_database_url().startswith("sqlite"):
        pytest.skip("one SQLite writer at a time: nothing to wait for")
    wiring.install()
    db = Database(settings.model_copy(update={"pg_write_connections": 2}))
    try:
        inbox = await cached_api_inbox(db, settings)

        def opens(sender: str) -> Callable[[WriteUnit], Awaitable[object]]:
            message = InboundMessage(
                external_id=f"{sender}-1", sender_id=sender, text="hi", new_conversation=True
            )

            async def work(unit: WriteUnit) -> object:
                opened = await inbound.open_conversation_in_unit(
                    unit, inbox=inbox, message=message, max_chars=10_000
                )
                assert opened is not None, "the unit handed it to the general path"
                return opened

            return work

        holding, release = asyncio.Event(), asyncio.Event()

        async def hold(unit: WriteUnit) -> None:
            holding.set()
            await release.wait()

        # Lane 0: a conversation opened, and a writer queued behind it in the same batch that
        # keeps the batch (and the counters it bumped) uncommitted.
        first = asyncio.create_task(db.run_unit(opens("first"), key=0))
        held = asyncio.create_task(db.run_unit(hold, key=0))
        await holding.wait()
        assert not first.done()
        try:
            # Eight conversations in a row on lane 1: before, one of any eight took the same
            # counter rows as lane 0's (spread by conversation id) and waited for its commit.
            for n in range(8):
                await asyncio.wait_for(db.run_unit(opens(f"other-{n}"), key=1), timeout=60)
        finally:
            release.set()
            await asyncio.gather(first, held)
        async with db.session(write=False) as session:
            counted = await session.scalar(
                select(func.sum(ConversationCount.n)).where(
                    ConversationCount.inbox_id == inbox.id, ConversationCount.status == "open"
                )
            )
            shards = set(
                await session.scalars(
                    select(ConversationCount.shard).where(ConversationCount.inbox_id == inbox.id)
                )
            )
    finally:
        await db.dispose()
    assert counted == 9
    # Each lane counted in a shard of its own.
    assert len(shards) == 2
