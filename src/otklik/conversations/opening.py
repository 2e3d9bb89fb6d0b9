"""A customer's first message opens a conversation, as one unit of Core statements.

A channel that starts conversations (the API channel's bridges, above all) writes, for each
new customer: the contact and its channel identity, the conversation, the message, the
conversation's count, and two events. Through the ORM that is some twenty statements, four
flushes and ~5 ms of CPU, each statement a greenlet switch; it was the create benchmark's
whole ceiling. Here the same rows are written by Core statements in one hop to the write
connection, and ``ConversationCreated`` and ``MessageCreated`` are emitted from what they
returned, as ``appending`` does for a next message.

Only the plain case is taken: the customer is new, or known with nothing new about them
(name and email as stored), and the message opens a conversation (the channel asks for a new
one, or the customer has none in this inbox), with no files and no earlier message of the
same id. Everything else returns ``None`` having written nothing, and the caller takes the
general path (``channels.inbound.receive``), which handles every case. Both paths leave the
same rows and the same events; ``tests/test_opening.py`` holds them to it.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from asyncpg import Connection as AsyncpgConnection
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import Connection, Dialect

from otklik.contacts import service as contacts
from otklik.contacts.service import Signature
from otklik.conversations import events
from otklik.conversations.announce import announce_message
from otklik.conversations.appending import (
    Written,
    conversation_out_from,
    customer_message,
    message_out_from,
)
from otklik.conversations.models import Conversation, ConversationCount, Message
from otklik.conversations.schemas import MessageOut
from otklik.core import pg_raw, sqlite_raw, write_shard
from otklik.core.clock import utcnow
from otklik.core.db import insert_for
from otklik.core.events import DomainEvent, Emitted, bus
from otklik.core.unit import WriteUnit

_conversations = cast(Table, Conversation.__table__)
_messages = cast(Table, Message.__table__)
_counts = cast(Table, ConversationCount.__table__)

#: Whether the customer has a conversation in the inbox, and whether this client id was seen.
_HISTORY = select(
    select(_conversations.c.id)
    .where(
        _conversations.c.contact_id == bindparam("contact_id"),
        _conversations.c.inbox_id == bindparam("inbox_id"),
    )
    .limit(1)
    .scalar_subquery()
    .label("conversation_id"),
    select(_messages.c.id)
    .join(_conversations, _conversations.c.id == _messages.c.conversation_id)
    .where(
        _conversations.c.contact_id == bindparam("contact_id"),
        _conversations.c.inbox_id == bindparam("inbox_id"),
        _messages.c.client_msg_id == bindparam("client_msg_id"),
    )
    .limit(1)
    .scalar_subquery()
    .label("previous_id"),
)
_TOUCH = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"))
    .values(last_message_id=bindparam("message_id"))
    .returning(*_conversations.c)
)


@dataclass(frozen=True, slots=True)
class FirstMessage:
    """What the caller asks for: everything is known before the unit runs. The customer is
    ``contact_id`` (a widget visitor) or else the channel's ``sender_id`` in the inbox (found
    or created with ``sender_name`` and ``sender_email``)."""

    inbox_id: int
    channel: str
    team_id: int | None
    contact_id: int | None
    sender_id: str
    sender_name: str | None
    sender_email: str | None
    client_msg_id: str
    text: str
    external_id: str | None
    channel_data: dict[str, Any]
    #: Open a new conversation even if the customer has one in the inbox.
    new_conversation: bool


@dataclass(frozen=True, slots=True)
class Opened:
    message: MessageOut
    conversation_id: int
    contact_id: int


@dataclass(frozen=True, slots=True)
class _Emitted:
    opened: Opened
    conversation_created: Emitted[DomainEvent]
    #: ``None`` when ``ConversationCreated`` had subscribers to run first: the message's
    #: event is then emitted after them, through the session, as the general path does.
    message_created: Emitted[DomainEvent] | None
    quiet: bool


#: Whether the customer has a conversation in the inbox and whether this client id was seen
#: there: (conversation id, earlier message id), either ``None``.
History = tuple[int | None, int | None]


def _sender(job: FirstMessage) -> dict[str, Any]:
    """The channel's sender as ``contacts.identify_*`` take them."""
    return {
        "inbox_id": job.inbox_id,
        "sender_id": job.sender_id,
        "name": job.sender_name,
        "email": job.sender_email,
        "source": job.channel,
    }


def _decided(
    identified: contacts.Identified | None,
    job: FirstMessage,
    history: Callable[[int], History],
) -> tuple[Signature, str | None] | None:
    """The customer and their language when this unit opens the conversation; ``None``
    when the general path must take the message. ``history`` reads a known customer's
    (a new one has none), on whichever handle the unit runs."""
    if identified is None:
        return None
    if not identified.created:
        conversation_id, previous_id = history(identified.contact.id)
        if previous_id is not None:
            return None  # a repeat: the general path answers with the first message
        if conversation_id is not None and not job.new_conversation:
            return None  # a next message, maybe reopening: the general path decides
    language = identified.attributes.get("language")
    return identified.contact, language if isinstance(language, str) else None


def _conversation_row(
    job: FirstMessage, contact: Signature, language: str | None, now: datetime
) -> dict[str, Any]:
    """The new conversation's values, as every handle writes them."""
    return {
        "inbox_id": job.inbox_id,
        "contact_id": contact.id,
        "channel": job.channel,
        "status": "open",
        "team_id": job.team_id,
        "language": language,
        "created_at": now,
        "last_activity_at": now,
        "unread_count": 1,
        "waiting_since": now,
    }


def _contact(conn: Connection, job: FirstMessage) -> tuple[Signature, str | None] | None:
    """The customer (created if new) and their language; ``None``: not this case."""
    identified = (
        contacts.known_sync(conn, job.contact_id)
        if job.contact_id is not None
        else contacts.identify_sync(conn, **_sender(job))
    )

    def history(contact_id: int) -> History:
        params = {
            "contact_id": contact_id,
            "inbox_id": job.inbox_id,
            "client_msg_id": job.client_msg_id,
        }
        found = conn.execute(_HISTORY, params).one()
        return found.conversation_id, found.previous_id

    return _decided(identified, job, history)


_INSERT_CONVERSATION = insert(_conversations).returning(_conversations.c.id)
_INSERT_MESSAGE = insert(_messages).returning(_messages.c.id)


def _count_one_more(
    conn: Connection, *, conversation_id: int, inbox_id: int, team_id: int | None
) -> None:
    """As ``counts`` does for a new open, unassigned conversation flushed by the ORM, in the
    write connection's shard of the key's count (``core/write_shard.py``)."""
    dialect = conn.dialect.name
    statement = _COUNT_ONE_MORE.get(dialect)
    if statement is None:
        inserted = insert_for(dialect)(_counts).values(
            status="open",
            inbox_id=bindparam("inbox_id"),
            team_key=bindparam("team_key"),
            assignee_key=0,
            shard=bindparam("shard"),
            n=1,
        )
        statement = _COUNT_ONE_MORE[dialect] = inserted.on_conflict_do_update(
            index_elements=["status", "inbox_id", "team_key", "assignee_key", "shard"],
            set_={"n": _counts.c.n + 1},
        )
    shard = write_shard.of(conn, conversation_id)
    conn.execute(statement, {"inbox_id": inbox_id, "team_key": team_id or 0, "shard": shard})


_COUNT_ONE_MORE: dict[str, Any] = {}


def _write(conn: Connection, job: FirstMessage) -> Written | None:
    raw = sqlite_raw.handle(conn)
    if raw is not None:
        return _write_sqlite(raw, conn.dialect, job)
    pg = pg_raw.handle(conn)
    if pg is not None:
        return _write_pg(pg, conn, job)
    found = _contact(conn, job)
    if found is None:
        return None
    contact, language = found
    now = utcnow()
    row = _conversation_row(job, contact, language, now)
    conversation_id = conn.execute(_INSERT_CONVERSATION, row).scalar_one()
    _count_one_more(
        conn, conversation_id=conversation_id, inbox_id=job.inbox_id, team_id=job.team_id
    )
    message: dict[str, Any] = {
        "conversation_id": conversation_id,
        **customer_message(contact, job, now),
    }
    message["id"] = conn.execute(_INSERT_MESSAGE, message).scalar_one()
    conversation = conn.execute(
        _TOUCH, {"conversation_id": conversation_id, "message_id": message["id"]}
    ).one()
    return Written(contact=contact, message=message, conversation=conversation._asdict())


# The same unit on SQLite's own handle (``core/sqlite_raw.py``): the statements above as
# SQLite text, each new row with every default Core gives it (``sqlite_raw.Insert``). Through
# SQLAlchemy's execution machinery the seven statements cost more CPU than the rest of the
# create (``bench/RESULTS.md``). One writer holds the file: nothing changes between them.
_SQLITE_HISTORY = (
    "SELECT (SELECT id FROM conversations WHERE contact_id = ? AND inbox_id = ? LIMIT 1),"
    " (SELECT m.id FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id"
    " WHERE c.contact_id = ? AND c.inbox_id = ? AND m.client_msg_id = ? LIMIT 1)"
)
_SQLITE_COUNT_ONE_MORE = (
    "INSERT INTO conversation_counts (status, inbox_id, team_key, assignee_key, shard, n)"
    " VALUES ('open', ?, ?, 0, 0, 1)"
    " ON CONFLICT (status, inbox_id, team_key, assignee_key, shard)"
    " DO UPDATE SET n = conversation_counts.n + 1"
)
_CONVERSATION_COLUMNS = tuple(column.name for column in _conversations.columns)
_SQLITE_TOUCH = (
    f"UPDATE conversations SET last_message_id = ? WHERE id = ?"
    f" RETURNING {', '.join(_CONVERSATION_COLUMNS)}"
)


def _contact_sqlite(
    raw: sqlite3.Connection, dialect: Dialect, job: FirstMessage
) -> tuple[Signature, str | None] | None:
    """:func:`_contact` on SQLite's own handle."""
    identified = (
        contacts.known_sqlite(raw, dialect, job.contact_id)
        if job.contact_id is not None
        else contacts.identify_sqlite(raw, dialect, **_sender(job))
    )

    def history(contact_id: int) -> History:
        params = (contact_id, job.inbox_id, contact_id, job.inbox_id, job.client_msg_id)
        found = raw.execute(_SQLITE_HISTORY, params).fetchone()
        return found[0], found[1]

    return _decided(identified, job, history)


def _write_sqlite(raw: sqlite3.Connection, dialect: Dialect, job: FirstMessage) -> Written | None:
    found = _contact_sqlite(raw, dialect, job)
    if found is None:
        return None
    contact, language = found
    now = utcnow()
    row = _conversation_row(job, contact, language, now)
    conversation_id = sqlite_raw.insert(_conversations, dialect).run(raw, row).lastrowid
    assert conversation_id is not None
    raw.execute(_SQLITE_COUNT_ONE_MORE, (job.inbox_id, job.team_id or 0))
    message: dict[str, Any] = {
        "conversation_id": conversation_id,
        **customer_message(contact, job, now),
    }
    message["id"] = sqlite_raw.insert(_messages, dialect).run(raw, message).lastrowid
    touched = raw.execute(_SQLITE_TOUCH, (message["id"], conversation_id)).fetchone()
    conversation = sqlite_raw.codec(_conversations, dialect).row(_CONVERSATION_COLUMNS, touched)
    return Written(contact=contact, message=message, conversation=conversation)


# The same unit on PostgreSQL's asyncpg handle (``core/pg_raw.py``), past SQLAlchemy's
# execution machinery as on SQLite: the contact's row is locked as the Core statements lock it.
_PG_HISTORY = (
    "SELECT (SELECT id FROM conversations WHERE contact_id = $1 AND inbox_id = $2 LIMIT 1),"
    " (SELECT m.id FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id"
    " WHERE c.contact_id = $1 AND c.inbox_id = $2 AND m.client_msg_id = $3 LIMIT 1)"
)


@functools.cache
def _pg_open(conversation: tuple[str, ...], message: tuple[str, ...]) -> str:
    """The conversation, its count, the message and the conversation's latest message in
    one statement (one round trip; four through Core). The message's id is drawn first, so
    the conversation row is written with it; the message reads the conversation's id from
    its INSERT's RETURNING (its foreign key is checked at the statement's end, when both
    rows are there). The count goes to the lane's shard (``core/write_shard.py``: the last
    parameter), else to the new conversation's."""
    first_message = len(conversation) + 1
    shard = first_message + len(message)
    return (
        "WITH drawn AS MATERIALIZED"
        " (SELECT nextval(pg_get_serial_sequence('messages', 'id')) AS id),"
        f" opened AS (INSERT INTO conversations ({', '.join(conversation)}, last_message_id)"
        f" VALUES ({pg_raw.marks(1, len(conversation))}, (SELECT id FROM drawn))"
        f" RETURNING {', '.join(_CONVERSATION_COLUMNS)}),"
        " counted AS (INSERT INTO conversation_counts"
        " (status, inbox_id, team_key, assignee_key, shard, n)"
        " SELECT 'open', inbox_id, coalesce(team_id, 0), 0,"
        f" coalesce(${shard}::int, (id % {write_shard.SHARDS})::int), 1 FROM opened"
        " ON CONFLICT (status, inbox_id, team_key, assignee_key, shard)"
        " DO UPDATE SET n = conversation_counts.n + 1),"
        f" said AS (INSERT INTO messages (id, conversation_id, {', '.join(message)})"
        f" VALUES ((SELECT id FROM drawn), (SELECT id FROM opened),"
        f" {pg_raw.marks(first_message, len(message))}) RETURNING id)"
        " SELECT said.id, opened.* FROM said, opened"
    )


def _contact_pg(
    raw: AsyncpgConnection, dialect: Dialect, job: FirstMessage
) -> tuple[Signature, str | None] | None:
    """:func:`_contact` on asyncpg's handle."""
    identified = (
        contacts.known_pg(raw, dialect, job.contact_id)
        if job.contact_id is not None
        else contacts.identify_pg(raw, dialect, **_sender(job))
    )

    def history(contact_id: int) -> History:
        found = pg_raw.fetchrow(raw, _PG_HISTORY, contact_id, job.inbox_id, job.client_msg_id)
        assert found is not None
        return found[0], found[1]

    return _decided(identified, job, history)


def _write_pg(raw: AsyncpgConnection, conn: Connection, job: FirstMessage) -> Written | None:
    dialect = conn.dialect
    found = _contact_pg(raw, dialect, job)
    if found is None:
        return None
    contact, language = found
    now = utcnow()
    conversation, conversation_params = sqlite_raw.insert(_conversations, dialect).row(
        _conversation_row(job, contact, language, now)
    )
    message = customer_message(contact, job, now)
    said, message_params = sqlite_raw.insert(_messages, dialect).row(message)
    written = pg_raw.fetchrow(
        raw,
        _pg_open(conversation, said),
        *conversation_params,
        *message_params,
        write_shard.claimed(conn),
    )
    assert written is not None
    row = sqlite_raw.codec(_conversations, dialect).row(_CONVERSATION_COLUMNS, tuple(written)[1:])
    message.update(id=int(written[0]), conversation_id=row["id"])
    return Written(contact=contact, message=message, conversation=row)


async def open_in_unit(unit: WriteUnit, job: FirstMessage) -> Opened | None:
    """Write the first message and emit the conversation's and the message's events;
    ``None`` (nothing written) when the general path must take it.

    When no inside subscriber has work (no routing to do, no greeting or rule, no webhook),
    the unit's savepoint is released in the same hop; otherwise they run in a session of
    the same unit, in the order the general path runs them."""
    causes, info = bus.causes(), unit.info

    def work(conn: Connection) -> _Emitted | None:
        written = _write(conn, job)
        if written is None:
            return None
        message = message_out_from(written.message)
        conversation = conversation_out_from(written.conversation, written.contact, message)
        opened = Opened(message, conversation.id, written.contact.id)
        created, said, quiet = bus.emit_pair_sync(
            conn,
            info,
            events.ConversationCreated(conversation=conversation),
            events.MessageCreated(
                conversation=conversation, message=message, visitor_message=message
            ),
            causes,
        )
        return _Emitted(opened, created, said, quiet)

    done = await unit.run(work, release=lambda done: done is None or done.quiet)
    if done is None:
        return None
    if not done.quiet:
        await _react(unit, done)
    return done.opened


async def _react(unit: WriteUnit, done: _Emitted) -> None:
    session = await unit.session()
    if done.message_created is not None:
        await bus.react_inside(session, done.message_created)
        return
    await bus.react_inside(session, done.conversation_created)
    # Routing may have assigned it meanwhile: the message's event tells the state after.
    conversation = await session.get_one(Conversation, done.opened.conversation_id)
    message = await session.get_one(Message, done.opened.message.id)
    contact = await contacts.get_contact(session, done.opened.contact_id)
    await announce_message(session, conversation, message, contact)


def sender_key(inbox_id: int, sender_id: str) -> int:
    """A write-lane key for one sender of one inbox: their writes take turns on one lane."""
    return hash((inbox_id, sender_id)) & 0x7FFF_FFFF
