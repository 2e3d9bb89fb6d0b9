"""The live path's write unit: a next message by Core statements, the same as the general path.

``conversations.appending`` writes a customer's next message in an open conversation without
the ORM; every other case goes through ``service.post_visitor_message``. Here both write a
message into the same conversation, and what they leave behind is compared: the message row,
the conversation after it, and the events operators and the visitor hear. Also: group commit
keeps the writers of one batch apart when one of them fails.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from otklik import wiring
from otklik.channels import service as inboxes
from otklik.channels.schemas import InboxCreate
from otklik.channels.service import InboxInfo
from otklik.config import Settings
from otklik.contacts import service as contacts
from otklik.contacts.models import Contact
from otklik.conversations import service as conversations
from otklik.conversations.events import MessageCreated
from otklik.conversations.models import Conversation, Message
from otklik.core import config_cache
from otklik.core.db import Database
from otklik.core.events import Emitted, bus
from otklik.core.fulltext import analyze
from otklik.realtime.models import Event

#: Values that differ between any two messages by nature.
_OWN = {"id", "text", "client_msg_id", "created_at", "search_terms"}


@pytest.fixture(autouse=True)
def _wired() -> None:
    wiring.install()


async def _visitor(db: Database) -> tuple[InboxInfo, int]:
    async with db.session(write=True) as session:
        inbox = await inboxes.create_inbox(
            session, data=InboxCreate(name="Site", channel="widget"), actor_id=None
        )
        contact = await contacts.create_contact(
            session, name="Vera", email="vera@example.com", attributes={}
        )
    async with db.session(write=False) as session:
        info = await inboxes.inbox_by_id(session, inbox.id)
    assert info is not None
    await _say(db, info, contact.id, "hello")  # creates the conversation (general path)
    return info, contact.id


async def _say(
    db: Database,
    inbox: InboxInfo,
    contact_id: int,
    text: str,
    *,
    general: bool = False,
    unit: bool = False,
) -> conversations.Posted:
    if unit:  # the widget's send: a write without a session (core/unit.py)
        async with db.unit() as write:
            return await conversations.post_visitor_message_in_unit(
                write,
                inbox=inbox,
                contact_id=contact_id,
                client_msg_id=uuid.uuid4().hex,
                text=text,
                max_chars=10_000,
            )
    async with db.session(write=True) as session:
        # A session that holds the conversation as an ORM object never takes the Core unit
        # (that copy would go stale): with ``general``, the general path writes this one.
        held = (
            await session.scalar(select(Conversation).where(Conversation.contact_id == contact_id))
            if general
            else None
        )
        assert held is not None or not general
        return await conversations.post_visitor_message(
            session,
            inbox=inbox,
            contact_id=contact_id,
            client_msg_id=uuid.uuid4().hex,
            text=text,
            max_chars=10_000,
        )


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    """The statements run on the write connection meanwhile."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement.split()[0].upper())

    engine = db.write_engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _state(session: AsyncSession, message_id: int) -> dict[str, Any]:
    message = await session.get_one(Message, message_id, options=[undefer(Message.search_terms)])
    conversation = await session.get_one(Conversation, message.conversation_id)
    rows = (
        await session.execute(
            select(Event.stream, Event.type, Event.payload_json, Event.seq, Event.id)
            .where(Event.payload_json.contains(f'"id":{message_id},'))
            .order_by(Event.seq)
        )
    ).all()
    return {
        "message": {c: getattr(message, c) for c in Message.__table__.columns.keys()},
        "conversation": {
            c: getattr(conversation, c) for c in Conversation.__table__.columns.keys()
        },
        "events": [(r.stream, r.type, json.loads(r.payload_json), r.seq) for r in rows],
        "seq_is_set": all(r.seq is not None for r in rows),
    }


def _strip(payload: Any) -> Any:
    """A frame's data without what differs between two messages by nature."""
    if isinstance(payload, dict):
        return {
            k: _strip(v)
            for k, v in payload.items()
            if k not in _OWN | {"last_activity_at", "last_message"}
        }
    return payload


@pytest.mark.parametrize("sessionless", [False, True], ids=["in_a_session", "sessionless"])
async def test_the_core_unit_and_the_general_path_leave_the_same_rows_and_events(
    db: Database, sessionless: bool
) -> None:
    inbox, contact_id = await _visitor(db)
    if sessionless:
        # As in the app: with the configuration cached, the unit knows that no automation
        # rule and no webhook wants the message, and needs no session at all.
        config_cache.attach(db)
        await _say(db, inbox, contact_id, "loads the cache", unit=True)
    with _statements(db) as by_core:
        core = await _say(db, inbox, contact_id, "my order is late", unit=sessionless)
    if sessionless:
        # No session: its savepoint would go through SQLAlchemy and be seen here, where the
        # unit's own goes out on the driver's handle on both databases.
        assert by_core.count("SAVEPOINT") == 0, by_core
    async with db.session(write=False) as session:
        after_core = await _state(session, core.message.id)
    with _statements(db) as by_general:
        general = await _say(db, inbox, contact_id, "order 4411", general=True)
    # Each path was taken: the Core unit is the shorter one.
    assert len(by_core) < len(by_general) - 1, (" ".join(by_core), " ".join(by_general))
    async with db.session(write=False) as session:
        after_general = await _state(session, general.message.id)

    assert core.created and general.created
    for state in (after_core, after_general):
        assert state["seq_is_set"]
        assert [(stream, kind) for stream, kind, _, _ in state["events"]] == [
            ("agents", "message.created"),
            (f"contact:{contact_id}", "message.created"),
        ]
    # The message rows differ only in what is their own.
    assert {k: v for k, v in after_core["message"].items() if k not in _OWN} == {
        k: v for k, v in after_general["message"].items() if k not in _OWN
    }
    assert after_core["message"]["author_name"] == "Vera"
    # Both wrote the text's search terms with the row (the search index follows them).
    assert after_core["message"]["search_terms"] == analyze("my order is late")
    assert after_general["message"]["search_terms"] == analyze("order 4411") == "order 4411"
    # The conversation moved on the same way: one more unread message, its latest activity.
    first, second = after_core["conversation"], after_general["conversation"]
    unread = 3 if sessionless else 2
    assert (first["unread_count"], second["unread_count"]) == (unread, unread + 1)
    assert first["last_message_id"] == core.message.id
    assert second["last_message_id"] == general.message.id
    assert first["waiting_since"] == second["waiting_since"]  # the oldest unanswered message
    assert first["last_activity_at"] == after_core["message"]["created_at"]
    assert second["last_activity_at"] == after_general["message"]["created_at"]
    assert first["status"] == second["status"] == "open"
    # Operators and the visitor hear the same frames, field for field.
    for (_, _, core_data, _), (_, _, general_data, _) in zip(
        after_core["events"], after_general["events"], strict=True
    ):
        core_conv = core_data.get("conversation", {})
        general_conv = general_data.get("conversation", {})
        assert _strip(core_data) == {
            **_strip(general_data),
            **(
                {"conversation": _strip({**general_conv, "unread_count": unread})}
                if core_conv
                else {}
            ),
        }
        if core_conv:
            assert core_conv["last_message"]["id"] == core.message.id
            assert core_conv["last_message"]["text"] == "my order is late"
    # What the client was answered is what was stored.
    assert core.message.id == after_core["message"]["id"]
    assert core.message.created_at == after_core["message"]["created_at"]


async def test_a_visitor_renamed_meanwhile_writes_under_the_new_name(db: Database) -> None:
    """The unit reads the contact after locking it: a name given a moment ago is the
    message's author and the name operators see in the frame."""
    inbox, contact_id = await _visitor(db)
    config_cache.attach(db)
    await _say(db, inbox, contact_id, "loads the cache", unit=True)
    async with db.session(write=True) as session:
        contact = await session.get_one(Contact, contact_id)
        contact.name, contact.email = "Vera Petrova", "petrova@example.com"
    sent = await _say(db, inbox, contact_id, "it is me again", unit=True)

    assert sent.created and sent.message.author_name == "Vera Petrova"
    async with db.session(write=False) as session:
        state = await _state(session, sent.message.id)
    assert state["message"]["author_name"] == "Vera Petrova"
    agents = [data for stream, _, data, _ in state["events"] if stream == "agents"]
    assert agents and agents[0]["conversation"]["contact"] == {
        "id": contact_id,
        "name": "Vera Petrova",
        "email": "petrova@example.com",
    }


async def test_a_repeated_client_id_returns_the_first_message(db: Database) -> None:
    inbox, contact_id = await _visitor(db)

    async def send() -> conversations.Posted:
        async with db.session(write=True) as session:
            return await conversations.post_visitor_message(
                session,
                inbox=inbox,
                contact_id=contact_id,
                client_msg_id="retry-1",
                text="are you there?",
                max_chars=10_000,
            )

    first, again = await send(), await send()
    assert first.created and not again.created
    assert again.message.id == first.message.id
    async with db.session(write=False) as session:
        count = len((await session.scalars(select(Message.id))).all())
    assert count == 2  # the greeting and this one, once


async def test_a_resolved_conversation_is_reopened_by_the_next_message(db: Database) -> None:
    inbox, contact_id = await _visitor(db)
    async with db.session(write=False) as session:
        conversation_id = await session.scalar(
            select(Conversation.id).where(Conversation.contact_id == contact_id)
        )
    assert conversation_id is not None
    async with db.session(write=True) as session:
        await conversations.change_status(
            session, conversation_id=conversation_id, status="resolved", snooze_until=None
        )
    # Sessionless, as the widget sends: the unit hands the case to the general path.
    posted = await _say(db, inbox, contact_id, "one more thing", unit=True)
    async with db.session(write=False) as session:
        state = await _state(session, posted.message.id)
    assert state["conversation"]["status"] == "open"
    assert state["message"]["conversation_id"] == conversation_id
    assert [kind for _, kind, _, _ in state["events"]] == ["message.created", "message.created"]


async def _counts(db: Database) -> tuple[int, int, int]:
    async with db.session(write=False) as session:
        messages = len((await session.scalars(select(Message.id))).all())
        events = len((await session.scalars(select(Event.id))).all())
        unread = await session.scalar(select(func.sum(Conversation.unread_count)))
    return messages, events, int(unread or 0)


async def test_a_subscriber_with_work_runs_in_the_unit_and_its_failure_undoes_the_message(
    db: Database,
) -> None:
    inbox, contact_id = await _visitor(db)
    seen: list[tuple[int, int]] = []
    failing = False

    async def subscriber(session: AsyncSession, emitted: Emitted[MessageCreated]) -> None:
        # It reads the message in the same transaction, through the ORM session it was given.
        stored = await session.get_one(Message, emitted.event.message.id)
        seen.append((stored.id, len(emitted.log_ids)))
        if failing:
            raise RuntimeError("a subscriber fails")

    bus.subscribe(MessageCreated, subscriber)  # no ``quiet``: it always has work
    posted = await _say(db, inbox, contact_id, "with a subscriber", unit=True)
    assert seen == [(posted.message.id, 2)]
    before = await _counts(db)
    failing = True
    with pytest.raises(RuntimeError):
        await _say(db, inbox, contact_id, "this one fails", unit=True)
    # Nothing of the failed send stays: no message, no event row, the counter unmoved.
    assert await _counts(db) == before
    failing = False
    again = await _say(db, inbox, contact_id, "and the next one goes through", unit=True)
    assert again.created and await _counts(db) == (before[0] + 1, before[1] + 2, before[2] + 1)


async def test_a_failing_writer_in_a_batch_leaves_its_neighbours_intact(
    settings: Settings,
) -> None:
    # One write connection, so that every writer below shares one batch (PostgreSQL would
    # otherwise spread them over its write lanes).
    db = Database(settings.model_copy(update={"pg_write_connections": 1}))
    commits = 0

    def count(_conn: Any) -> None:
        nonlocal commits
        commits += 1

    event.listen(db.write_engine.sync_engine, "commit", count)

    async def write(name: str, *, fail: bool) -> None:
        async with db.session(write=True) as session:
            await contacts.create_contact(session, name=name, email=None, attributes={})
            if fail:
                raise RuntimeError("this writer fails after writing")

    async def write_sessionless(name: str) -> None:
        async with db.unit() as unit:
            await contacts.create_contact(
                await unit.session(), name=name, email=None, attributes={}
            )
            raise RuntimeError("this sessionless writer fails after writing")

    async def first() -> None:
        async with db.session(write=True) as session:
            await contacts.create_contact(session, name="first", email=None, attributes={})
            # The others queue behind this turn and join its batch.
            while db.writer.waiting < 4:  # noqa: ASYNC110
                await asyncio.sleep(0.001)

    try:
        results = await asyncio.gather(
            first(),
            write("before", fail=False),
            write("failing", fail=True),
            write_sessionless("failing sessionless"),
            write("after", fail=False),
            return_exceptions=True,
        )
        async with db.session(write=False) as session:
            names = set((await session.scalars(select(Contact.name))).all())
    finally:
        event.remove(db.write_engine.sync_engine, "commit", count)
        await db.dispose()
    assert [type(r).__name__ for r in results] == [
        "NoneType",
        "NoneType",
        "RuntimeError",
        "RuntimeError",
        "NoneType",
    ]
    assert names == {"first", "before", "after"}
    assert commits <= 2  # shared commits, not one per writer


async def test_units_released_in_one_batch_keep_their_rows_when_a_neighbour_fails(
    settings: Settings,
) -> None:
    """Units that release their savepoint in their own hop (on PostgreSQL the release goes
    out with the next unit's savepoint, or with the commit), a failing one among them:
    each of the others keeps its row, the failing one leaves none, and so does a unit whose
    savepoint was opened with its neighbour's release."""
    db = Database(settings.model_copy(update={"pg_write_connections": 1}))
    contacts_table = Contact.__table__

    async def unit_writes(name: str, *, fail: bool = False) -> None:
        def work(conn: Any) -> None:
            conn.execute(insert(contacts_table).values(name=name, attributes={}))
            if fail:
                raise RuntimeError("this unit fails after writing")

        async with db.unit() as unit:
            await unit.run(work, release=lambda _: True)

    async def first() -> None:
        async with db.session(write=True) as session:
            await contacts.create_contact(session, name="first", email=None, attributes={})
            while db.writer.waiting < 5:  # noqa: ASYNC110
                await asyncio.sleep(0.001)

    try:
        results = await asyncio.gather(
            first(),
            unit_writes("one"),
            unit_writes("two"),
            unit_writes("failing", fail=True),
            unit_writes("three"),
            unit_writes("four"),
            return_exceptions=True,
        )
        async with db.session(write=False) as session:
            names = set((await session.scalars(select(Contact.name))).all())
        # The next batch starts afresh: a unit alone in its own transaction.
        await unit_writes("later")
        async with db.session(write=False) as session:
            later = set((await session.scalars(select(Contact.name))).all())
    finally:
        await db.dispose()
    assert [type(r).__name__ for r in results] == ["NoneType"] * 3 + ["RuntimeError"] + [
        "NoneType"
    ] * 2
    assert names == {"first", "one", "two", "three", "four"}
    assert later == names | {"later"}
