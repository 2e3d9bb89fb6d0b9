"""A customer's next message in their open conversation, as one unit of Core statements.

This is the live path's common case — a visitor typing in a chat that is already open — and
what the ingest benchmark measures. Through the ORM it took 12 statements, two flushes and
about 3 ms of CPU, each statement a greenlet switch and a unit-of-work pass. Here the same
rows are written by four statements that run on the write connection in one hop
(``AsyncConnection.run_sync``), then the typed ``MessageCreated`` event is built from what
the statements returned and emitted as usual (its feed, the subscribers, after-commit work).

Only that case is taken: no conversation yet, a conversation that is not open (the message
reopens it, which changes the per-view counts and wakes routing), attachments, a channel
that names the conversation or asks for a new one, an idempotent repeat, or a session that
already holds the conversation as an ORM object — each of these returns ``None`` and the
caller takes the general path (``service.post_visitor_message``), which handles every case.
Both paths write the same rows and emit the same event; ``tests/test_appending.py`` holds
them to it.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, cast

from asyncpg import Connection as AsyncpgConnection
from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.contacts import service as contacts
from otklik.contacts.service import Signature
from otklik.conversations import events
from otklik.conversations.models import Conversation, Message
from otklik.conversations.schemas import ContactBrief, ConversationOut, LastMessage, MessageOut
from otklik.conversations.shapes import PREVIEW_CHARS
from otklik.core import pg_raw, sqlite_raw
from otklik.core.clock import utcnow
from otklik.core.events import DomainEvent, Emitted, bus
from otklik.core.fulltext import analyze
from otklik.core.unit import WriteUnit

_conversations = cast(Table, Conversation.__table__)
_messages = cast(Table, Message.__table__)
_earlier = _conversations.alias("earlier")

#: The contact's latest conversation in the inbox, and whether this client id was seen.
_LATEST = (
    select(
        _conversations.c.id,
        _conversations.c.status,
        select(_messages.c.id)
        .join(_earlier, _earlier.c.id == _messages.c.conversation_id)
        .where(
            _earlier.c.contact_id == bindparam("contact_id"),
            _earlier.c.inbox_id == bindparam("inbox_id"),
            _messages.c.client_msg_id == bindparam("client_msg_id"),
        )
        .limit(1)
        .scalar_subquery()
        .label("previous_id"),
    )
    .where(
        _conversations.c.contact_id == bindparam("contact_id"),
        _conversations.c.inbox_id == bindparam("inbox_id"),
    )
    .order_by(_conversations.c.id.desc())
    .limit(1)
)
_INSERT_MESSAGE = insert(_messages)
_now = bindparam("now", type_=_conversations.c.last_activity_at.type)
#: The message becomes the conversation's latest activity; only while it is still open (an
#: operator may have resolved it since it was read): otherwise nothing is returned.
_TOUCH = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"), _conversations.c.status == "open")
    .values(
        last_message_id=bindparam("message_id"),
        last_activity_at=_now,
        unread_count=_conversations.c.unread_count + 1,
        waiting_since=func.coalesce(_conversations.c.waiting_since, _now),
    )
    .returning(*_conversations.c)
)
_UNDO_MESSAGE = delete(_messages).where(_messages.c.id == bindparam("message_id"))


@dataclass(frozen=True, slots=True)
class NextMessage:
    """What the caller asks for: everything is known before the unit runs."""

    inbox_id: int
    contact_id: int
    client_msg_id: str
    text: str
    external_id: str | None
    channel_data: dict[str, Any]
    #: The text's search terms, computed here — before the write turn, off the writer's
    #: hop — and written with the row (ADR 23).
    search_terms: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "search_terms", analyze(self.text))


@dataclass(frozen=True, slots=True)
class Written:
    """What a customer's message unit wrote (this module's and ``opening``'s)."""

    contact: Signature
    message: dict[str, Any]
    #: The conversation's row after the message, column by column.
    conversation: dict[str, Any]


class CustomerSend(Protocol):
    """What a customer's message carries, whether it opens a conversation or not."""

    @property
    def text(self) -> str: ...
    @property
    def client_msg_id(self) -> str: ...
    @property
    def external_id(self) -> str | None: ...
    @property
    def channel_data(self) -> dict[str, Any]: ...


def customer_message(contact: Signature, job: CustomerSend, now: datetime) -> dict[str, Any]:
    """A customer's message row but its conversation, as every handle writes it."""
    return {
        "author_type": "contact",
        "author_id": contact.id,
        "author_name": contact.name,
        "private": False,
        "text": job.text,
        "client_msg_id": job.client_msg_id,
        "created_at": now,
        "external_id": job.external_id,
        "channel_data": job.channel_data,
    }


def _new_message(conversation_id: int, contact: Signature, job: NextMessage) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        **customer_message(contact, job, utcnow()),
        "search_terms": job.search_terms,
    }


def _write(conn: Connection, job: NextMessage, *, locked: bool = False) -> Written | None:
    """The statements, run synchronously on the write connection; ``None``: not this case.
    ``locked``: on PostgreSQL, the unit has locked the contact (:func:`contact_lock`)."""
    raw = sqlite_raw.handle(conn)
    if raw is not None:
        return _write_sqlite(raw, conn.dialect, job)
    pg = pg_raw.handle(conn)
    if pg is not None:
        return _write_pg(pg, conn.dialect, job, locked=locked)
    contact = contacts.lock_signature(conn, job.contact_id)
    if contact is None:
        return None
    latest = conn.execute(
        _LATEST,
        {
            "contact_id": job.contact_id,
            "inbox_id": job.inbox_id,
            "client_msg_id": job.client_msg_id,
        },
    ).first()
    if latest is None or latest.previous_id is not None or latest.status != "open":
        return None
    message = _new_message(latest.id, contact, job)
    inserted = conn.execute(_INSERT_MESSAGE, message).inserted_primary_key
    assert inserted is not None
    message["id"] = int(inserted[0])
    conversation = conn.execute(
        _TOUCH,
        {"conversation_id": latest.id, "message_id": message["id"], "now": message["created_at"]},
    ).first()
    if conversation is None:  # resolved meanwhile: the general path reopens it
        conn.execute(_UNDO_MESSAGE, {"message_id": message["id"]})
        return None
    return Written(contact=contact, message=message, conversation=conversation._asdict())


# The same unit on SQLite's own handle (``core/sqlite_raw.py``): the statements above, as
# SQLite text. One writer holds the file, so nothing changes between them; no row locks.
# The contact's signature and their latest conversation in this inbox (with a repeat's
# message, if this send is one) in one statement: the contact by its key, the conversation by
# ``ix_conversations_contact_inbox``. No row: no such contact; a NULL conversation: none yet.
_SQLITE_LATEST = (
    "SELECT ct.name, ct.email, c.id, c.status, (SELECT m.id FROM messages AS m"
    " JOIN conversations AS e ON e.id = m.conversation_id"
    " WHERE e.contact_id = ct.id AND e.inbox_id = ? AND m.client_msg_id = ? LIMIT 1)"
    " FROM contacts AS ct LEFT JOIN conversations AS c"
    " ON c.contact_id = ct.id AND c.inbox_id = ?"
    " WHERE ct.id = ? ORDER BY c.id DESC LIMIT 1"
)
_MESSAGE_COLUMNS = (
    "conversation_id",
    "author_type",
    "author_id",
    "author_name",
    "private",
    "text",
    "client_msg_id",
    "created_at",
    "external_id",
    "channel_data",
    "search_terms",
)
_CREATED_AT = _MESSAGE_COLUMNS.index("created_at")
_SQLITE_INSERT_MESSAGE = (
    f"INSERT INTO messages ({', '.join(_MESSAGE_COLUMNS)})"
    f" VALUES ({', '.join('?' for _ in _MESSAGE_COLUMNS)})"
)
_CONVERSATION_COLUMNS = tuple(column.name for column in _conversations.columns)
_SQLITE_TOUCH = (
    "UPDATE conversations SET last_message_id = ?, last_activity_at = ?,"
    " unread_count = unread_count + 1, waiting_since = coalesce(waiting_since, ?)"
    f" WHERE id = ? AND status = 'open' RETURNING {', '.join(_CONVERSATION_COLUMNS)}"
)
_SQLITE_UNDO_MESSAGE = "DELETE FROM messages WHERE id = ?"


def _write_sqlite(raw: sqlite3.Connection, dialect: Dialect, job: NextMessage) -> Written | None:
    found = raw.execute(
        _SQLITE_LATEST, (job.inbox_id, job.client_msg_id, job.inbox_id, job.contact_id)
    ).fetchone()
    if found is None:
        return None
    name, email, conversation_id, status, repeat = found
    if conversation_id is None or repeat is not None or status != "open":
        return None
    contact = Signature(id=job.contact_id, name=name, email=email)
    message = _new_message(conversation_id, contact, job)
    params = sqlite_raw.codec(_messages, dialect).params(_MESSAGE_COLUMNS, message)
    cursor = raw.execute(_SQLITE_INSERT_MESSAGE, params)
    message["id"] = cursor.lastrowid
    # The conversation's activity is the message's moment, as its column already stores it
    # (both are UTC timestamps; test_appending compares them).
    now = params[_CREATED_AT]
    touched = raw.execute(_SQLITE_TOUCH, (message["id"], now, now, conversation_id)).fetchone()
    if touched is None:  # resolved meanwhile: the general path reopens it
        raw.execute(_SQLITE_UNDO_MESSAGE, (message["id"],))
        return None
    return Written(
        contact=contact,
        message=message,
        conversation=sqlite_raw.codec(_conversations, dialect).row(_CONVERSATION_COLUMNS, touched),
    )


# The same unit on PostgreSQL's asyncpg handle (``core/pg_raw.py``): the contact's row is
# locked first, as the Core statements do, so two writes of one visitor take turns. The
# lock has no parameters and reads nothing back, so the unit sends it in the round trip of
# its ``SAVEPOINT`` (``WriteUnit.run``'s ``pg_lead``); the contact's id is an integer.
def contact_lock(contact_id: int) -> str:
    return f"SELECT FROM contacts WHERE id = {int(contact_id)} FOR UPDATE"


#: Everything after the lock in one statement, one round trip: the contact's name and email,
#: its latest conversation in the inbox (and this client id's earlier message, if this send
#: repeats one), then the message and the conversation's touch, written only when that
#: conversation is open and the send is new. It is a statement of its own after the lock is
#: held, so under READ COMMITTED it reads what an earlier write of this visitor committed.
#: A VALUES list would take the columns' types from the INSERT; the SELECT that reads the
#: conversation's id does not: each value is cast. The touch still checks that the
#: conversation is open (an operator may have resolved it meanwhile); if not, its columns
#: come back NULL and the message is deleted as before.
_PG_APPEND_COLUMNS = tuple(name for name in _MESSAGE_COLUMNS if name != "conversation_id")
#: The columns bound as parameters; the author's name is the contact's, read in the statement.
_PG_BOUND_COLUMNS = tuple(name for name in _PG_APPEND_COLUMNS if name != "author_name")
_PG_NOW = len(_PG_BOUND_COLUMNS) + 4


def _pg_cast(name: str) -> str:
    """The column's type without a length: a cast to ``VARCHAR(n)`` would cut a longer
    value where the INSERT refuses it."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return re.sub(r"\(\d+\)", "", _messages.c[name].type.compile(dialect=dialect))


def _pg_values() -> str:
    """The INSERT's values in ``_PG_APPEND_COLUMNS`` order: cast parameters from ``$4`` on,
    and the contact's name."""
    marks = {name: f"CAST(${i} AS {_pg_cast(name)})" for i, name in enumerate(_PG_BOUND_COLUMNS, 4)}
    return ", ".join(marks.get(name, "who.name") for name in _PG_APPEND_COLUMNS)


_PG_LATEST_AND_APPEND = (
    "WITH who AS MATERIALIZED (SELECT name, email FROM contacts WHERE id = $1),"
    " latest AS MATERIALIZED (SELECT c.id, c.status, (SELECT m.id FROM messages AS m"
    " JOIN conversations AS e ON e.id = m.conversation_id"
    " WHERE e.contact_id = $1 AND e.inbox_id = $2 AND m.client_msg_id = $3 LIMIT 1) AS repeat"
    " FROM conversations AS c WHERE c.contact_id = $1 AND c.inbox_id = $2"
    " ORDER BY c.id DESC LIMIT 1),"
    f" m AS (INSERT INTO messages (conversation_id, {', '.join(_PG_APPEND_COLUMNS)})"
    f" SELECT latest.id, {_pg_values()} FROM latest, who"
    " WHERE latest.status = 'open' AND latest.repeat IS NULL RETURNING id),"
    # The row is named by scalar subqueries, not joined: a join with the CTEs made the
    # planner walk the status index over every open conversation (and its dead entries).
    " t AS (UPDATE conversations SET last_message_id = (SELECT id FROM m),"
    f" last_activity_at = ${_PG_NOW}, unread_count = conversations.unread_count + 1,"
    f" waiting_since = coalesce(conversations.waiting_since, ${_PG_NOW})"
    " WHERE conversations.id = (SELECT id FROM latest) AND conversations.status = 'open'"
    " AND EXISTS (SELECT FROM m)"
    f" RETURNING {', '.join(f'conversations.{name}' for name in _CONVERSATION_COLUMNS)})"
    " SELECT latest.id, latest.status, latest.repeat, m.id, who.name, who.email, t.*"
    " FROM latest CROSS JOIN who LEFT JOIN m ON true LEFT JOIN t ON true"
)
_PG_UNDO_MESSAGE = "DELETE FROM messages WHERE id = $1"


def _write_pg(
    raw: AsyncpgConnection, dialect: Dialect, job: NextMessage, *, locked: bool
) -> Written | None:
    """``locked``: the unit has sent :func:`contact_lock` already."""
    if not locked:
        pg_raw.execute(raw, contact_lock(job.contact_id))
    # The conversation's id and the author's name come from the statement.
    message = _new_message(0, Signature(id=job.contact_id, name="", email=None), job)
    params = sqlite_raw.codec(_messages, dialect).params(_PG_BOUND_COLUMNS, message)
    # The conversation's activity is the message's moment, as its column stores it.
    created_at = params[_PG_BOUND_COLUMNS.index("created_at")]
    row = pg_raw.fetchrow(
        raw,
        _PG_LATEST_AND_APPEND,
        job.contact_id,
        job.inbox_id,
        job.client_msg_id,
        *params,
        created_at,
    )
    if row is None or row[1] != "open" or row[2] is not None:
        return None  # no conversation yet, not an open one, or a repeat: nothing written
    contact = Signature(id=job.contact_id, name=row[4], email=row[5])
    message.update(id=row[3], conversation_id=row[0], author_name=contact.name)
    if row[6] is None:  # resolved meanwhile: the general path reopens it
        pg_raw.execute(raw, _PG_UNDO_MESSAGE, message["id"])
        return None
    return Written(
        contact=contact,
        message=message,
        conversation=sqlite_raw.codec(_conversations, dialect).row(
            _CONVERSATION_COLUMNS, tuple(row)[6:]
        ),
    )


def _holds_a_conversation(session: AsyncSession) -> bool:
    return any(isinstance(obj, Conversation) for obj in session.identity_map.values())


async def append_to_open(session: AsyncSession, job: NextMessage) -> MessageOut | None:
    """Write the message and emit ``MessageCreated``; ``None`` when the general path must."""
    if _holds_a_conversation(session):
        return None  # its ORM copy would go stale under a Core UPDATE
    conn = await session.connection()
    written = await conn.run_sync(_write, job)
    if written is None:
        return None
    out, event = _event(written)
    await bus.emit(session, event)
    return out


@dataclass(frozen=True, slots=True)
class _Appended:
    message: MessageOut
    emitted: Emitted[DomainEvent]
    #: No inside subscriber has anything to do (``EventBus.emit_sync``).
    quiet: bool


async def append_in_unit(unit: WriteUnit, job: NextMessage) -> MessageOut | None:
    """:func:`append_to_open` in a write without a session (``core/unit.py``): the
    statements, the event's log rows and, when no subscriber has anything to do, the
    savepoint's release, all in one hop to the write connection. A subscriber that has work
    (an automation rule, a webhook endpoint) gets a session of the same unit. ``None``: the
    general path must write it (the unit wrote nothing)."""
    causes, info = bus.causes(), unit.info

    def work(conn: Connection) -> _Appended | None:
        written = _write(conn, job, locked=True)
        if written is None:
            return None
        out, event = _event(written)
        emitted, quiet = bus.emit_sync(conn, info, event, causes)
        return _Appended(out, emitted, quiet)

    appended = await unit.run(
        work,
        release=lambda done: done is None or done.quiet,
        pg_lead=contact_lock(job.contact_id),
    )
    if appended is None:
        return None
    if not appended.quiet:
        await bus.react_inside(await unit.session(), appended.emitted)
    return appended.message


def _event(written: Written) -> tuple[MessageOut, events.MessageCreated]:
    out = message_out_from(written.message)
    return out, events.MessageCreated(
        conversation=conversation_out_from(written.conversation, written.contact, out),
        message=out,
        visitor_message=out,
    )


def message_out_from(message: dict[str, Any]) -> MessageOut:
    return MessageOut(
        id=message["id"],
        conversation_id=message["conversation_id"],
        author_type=message["author_type"],
        author_id=message["author_id"],
        author_name=message["author_name"],
        private=False,
        text=message["text"],
        client_msg_id=message["client_msg_id"],
        created_at=message["created_at"],
    )


def conversation_out_from(
    row: dict[str, Any], contact: Signature, last: MessageOut
) -> ConversationOut:
    return ConversationOut(
        id=row["id"],
        inbox_id=row["inbox_id"],
        channel=row["channel"],
        contact=ContactBrief(id=contact.id, name=contact.name, email=contact.email),
        status=row["status"],
        snooze_until=row["snooze_until"],
        assignee_id=row["assignee_id"],
        team_id=row["team_id"],
        priority=row["priority"],
        unread_count=row["unread_count"],
        waiting_since=row["waiting_since"],
        last_activity_at=row["last_activity_at"],
        created_at=row["created_at"],
        last_message=LastMessage(
            id=last.id,
            text=last.text[:PREVIEW_CHARS],
            author_type=last.author_type,
            private=last.private,
            created_at=last.created_at,
        ),
        tags=list(row["tags"]),
        language=row["language"],
        attributes=dict(row["attributes"]),
        queued_at=row["queued_at"],
        merged_into_id=row["merged_into_id"],
        subject=row.get("subject"),
    )
