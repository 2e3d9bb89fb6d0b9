"""The typed event bus: feeds, subscribers inside the transaction, after commit, causes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik import wiring
from otklik.core.db import Database
from otklik.core.events import DomainEvent, Emitted, FeedEntry, bus
from otklik.realtime.models import Event
from otklik.realtime.protocol import STREAM_AGENTS


class Pinged(DomainEvent):
    name: ClassVar[str] = "test.pinged"
    n: int

    def feed(self) -> list[FeedEntry]:
        return [FeedEntry(STREAM_AGENTS, self.name, f'{{"n":{self.n}}}')]


@pytest.fixture
def seen() -> Iterator[list[str]]:
    wiring.install()  # the application's subscriptions and the realtime log's feed writer
    record: list[str] = []

    async def inside(session: AsyncSession, emitted: Emitted[Pinged]) -> None:
        record.append(f"inside {emitted.event.n} {emitted.causes}")
        if emitted.event.n == 1:  # a reaction that emits again, under its own cause
            async with bus.caused_by("echo"):
                await bus.emit(session, Pinged(n=2))

    async def after(emitted: Emitted[Pinged]) -> None:
        record.append(f"after {emitted.event.n}")

    bus.subscribe(Pinged, inside, ignore_caused_by=frozenset({"echo"}))
    bus.subscribe_after_commit(Pinged, after)
    yield record
    wiring.install()  # back to the application's own subscriptions


async def test_feed_is_logged_and_reactions_follow_commit(db: Database, seen: list[str]) -> None:
    async with db.session(write=True) as session:
        emitted = await bus.emit(session, Pinged(n=1))
        assert seen == ["inside 1 ()"]  # its own echo (cause "echo") was not fed back to it
    assert seen == ["inside 1 ()", "after 1", "after 2"]
    async with db.session(write=False) as session:
        rows = (await session.execute(select(Event.id, Event.type).order_by(Event.id))).all()
    assert [type_ for _, type_ in rows] == ["test.pinged", "test.pinged"]
    assert emitted.log_ids == (rows[0][0],)


async def test_nothing_after_commit_when_the_transaction_rolls_back(
    db: Database, seen: list[str]
) -> None:
    with pytest.raises(RuntimeError):
        async with db.session(write=True) as session:
            await bus.emit(session, Pinged(n=5))
            raise RuntimeError("the change fails")
    assert seen == ["inside 5 ()"]
    async with db.session(write=False) as session:
        assert (await session.execute(select(Event.id))).first() is None


def test_events_refuse_unknown_fields_and_changes() -> None:
    with pytest.raises(ValueError):
        Pinged(n=1, extra=2)  # type: ignore[call-arg]
    event = Pinged(n=1)
    with pytest.raises(ValueError):
        event.n = 2  # type: ignore[misc]
