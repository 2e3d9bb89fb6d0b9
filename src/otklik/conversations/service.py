"""Conversations and messages: every read the API serves and every write it makes.

Each write appends its events in the same transaction (``realtime.log.append``): operators
hear everything on the ``agents`` stream; a visitor hears only public messages and status
changes of their own conversations on ``contact:<id>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent, Team
from otklik.attachments import service as attachments
from otklik.attachments.models import Attachment
from otklik.attachments.schemas import AttachmentOut
from otklik.channels.models import Inbox
from otklik.contacts.models import Contact
from otklik.conversations import events
from otklik.conversations.models import (
    Conversation,
    ConversationCount,
    ConversationTag,
    Message,
)
from otklik.conversations.schemas import (
    BulkIn,
    ContactBrief,
    ConversationOut,
    ConversationPage,
    LastMessage,
    MessageOut,
    MessagePage,
    ViewCounts,
    VisitorConversation,
)
from otklik.core.clock import utcnow
from otklik.core.errors import AppError, invalid, not_found
from otklik.core.pagination import decode_cursor, encode_cursor
from otklik.jobs import registry as jobs
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_AGENTS, contact_stream

PREVIEW_CHARS = 200
#: The job that sends operators' replies through email, Telegram and other channels.
DELIVER_JOB = "channels.deliver"


@dataclass(frozen=True, slots=True)
class Posted:
    """A stored message and whether this call created it (False: an idempotent repeat)."""

    message: Message
    created: bool
    #: The message's attachments (its events and answers carry them).
    attachments: list[AttachmentOut] = field(default_factory=list)


# --- shapes ------------------------------------------------------------------------------


def message_out(message: Message, files: Sequence[AttachmentOut] = ()) -> MessageOut:
    out = MessageOut.model_validate(message, from_attributes=True)
    out.attachments = list(files)
    return out


def visitor_message_out(message: Message, files: Sequence[AttachmentOut] = ()) -> MessageOut:
    """What a visitor may see: agent ids and other people's client ids are not theirs."""
    out = message_out(message, files)
    if message.author_type != "contact":
        out = out.model_copy(update={"author_id": None, "client_msg_id": None})
    return out


def conversation_out(
    conversation: Conversation, contact: Contact, last_message: Message | None
) -> ConversationOut:
    last = None
    if last_message is not None:
        last = LastMessage(
            id=last_message.id,
            text=last_message.text[:PREVIEW_CHARS],
            author_type=last_message.author_type,
            private=last_message.private,
            created_at=last_message.created_at,
        )
    return ConversationOut(
        id=conversation.id,
        inbox_id=conversation.inbox_id,
        channel=conversation.channel,
        contact=ContactBrief(id=contact.id, name=contact.name, email=contact.email),
        status=conversation.status,
        snooze_until=conversation.snooze_until,
        assignee_id=conversation.assignee_id,
        team_id=conversation.team_id,
        priority=conversation.priority,
        unread_count=conversation.unread_count,
        waiting_since=conversation.waiting_since,
        last_activity_at=conversation.last_activity_at,
        created_at=conversation.created_at,
        last_message=last,
        tags=list(conversation.tags),
        language=conversation.language,
        attributes=dict(conversation.attributes),
        queued_at=conversation.queued_at,
        merged_into_id=conversation.merged_into_id,
    )


def _with_contact_and_last() -> Select[Conversation, Contact, Message]:
    return (
        select(Conversation, Contact, Message)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(Message, Message.id == Conversation.last_message_id)
    )


# --- reads -------------------------------------------------------------------------------


async def get_conversation(
    session: AsyncSession, conversation_id: int, *, lock: bool = False
) -> Conversation:
    query = select(Conversation).where(Conversation.id == conversation_id)
    if lock:
        query = query.with_for_update()
    conversation = await session.scalar(query)
    if conversation is None:
        raise not_found("Conversation", conversation_id)
    return conversation


async def describe(session: AsyncSession, conversation_id: int) -> ConversationOut:
    row = (
        await session.execute(_with_contact_and_last().where(Conversation.id == conversation_id))
    ).first()
    if row is None:
        raise not_found("Conversation", conversation_id)
    return conversation_out(row[0], row[1], row[2])


def _view_filter(view: str, agent_id: int) -> list[ColumnElement[bool]]:
    if view == "mine":
        return [Conversation.assignee_id == agent_id]
    if view == "unassigned":
        return [Conversation.assignee_id.is_(None)]
    return []


async def view_counts(session: AsyncSession, *, agent_id: int, status: str) -> ViewCounts:
    """Read from the maintained counters (see ``counts.py``): a few rows, not a scan."""
    rows = (
        await session.execute(
            select(ConversationCount.assignee_key, ConversationCount.n).where(
                ConversationCount.status == status
            )
        )
    ).all()
    by_assignee = {key: n for key, n in rows}
    return ViewCounts(
        all=sum(by_assignee.values()),
        mine=by_assignee.get(agent_id, 0),
        unassigned=by_assignee.get(0, 0),
    )


async def list_conversations(
    session: AsyncSession, *, agent: Agent, view: str, status: str, cursor: str | None, limit: int
) -> ConversationPage:
    counts = await view_counts(session, agent_id=agent.id, status=status)
    query = _with_contact_and_last().where(Conversation.status == status)
    for condition in _view_filter(view, agent.id):
        query = query.where(condition)
    if cursor:
        moment, ident = decode_cursor(cursor)
        query = query.where(
            tuple_(Conversation.last_activity_at, Conversation.id) < tuple_(moment, ident)
        )
    query = query.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc()).limit(
        limit + 1
    )
    rows = (await session.execute(query)).all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1][0]
        next_cursor = encode_cursor(last.last_activity_at, last.id)
    return ConversationPage(
        items=[conversation_out(c, contact, m) for c, contact, m in page],
        next_cursor=next_cursor,
        counts=counts,
    )


async def list_messages(
    session: AsyncSession, *, conversation_id: int, before: int | None, limit: int
) -> MessagePage:
    exists = await session.scalar(select(Conversation.id).where(Conversation.id == conversation_id))
    if exists is None:
        raise not_found("Conversation", conversation_id)
    query = select(Message).where(Message.conversation_id == conversation_id)
    if before is not None:
        query = query.where(Message.id < before)
    rows = (
        (await session.execute(query.order_by(Message.id.desc()).limit(limit + 1))).scalars().all()
    )
    page = list(reversed(rows[:limit]))
    files = await attachments.for_messages(session, [m.id for m in page])
    return MessagePage(
        items=[message_out(m, files.get(m.id, ())) for m in page], has_more=len(rows) > limit
    )


async def contact_conversations(session: AsyncSession, *, contact_id: int) -> list[ConversationOut]:
    rows = (
        await session.execute(
            _with_contact_and_last()
            .where(Conversation.contact_id == contact_id)
            .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
            .limit(100)
        )
    ).all()
    return [conversation_out(c, contact, m) for c, contact, m in rows]


async def visitor_messages(
    session: AsyncSession, *, contact_id: int, inbox_id: int, after: int | None, limit: int = 500
) -> list[MessageOut]:
    query = (
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.contact_id == contact_id,
            Conversation.inbox_id == inbox_id,
            Message.private.is_(False),
        )
    )
    if after is not None:
        query = query.where(Message.id > after)
    rows = (await session.execute(query.order_by(Message.id).limit(limit))).scalars().all()
    files = await attachments.for_messages(session, [m.id for m in rows])
    return [visitor_message_out(m, files.get(m.id, ())) for m in rows]


# --- events ------------------------------------------------------------------------------


async def _announce_conversation(
    session: AsyncSession,
    conversation: Conversation,
    *,
    event_type: str,
    contact: Contact | None = None,
    last_message: Message | None = None,
    tell_visitor: bool = False,
) -> ConversationOut:
    await session.flush()
    if contact is None:
        contact = await session.get_one(Contact, conversation.contact_id)
    if last_message is None and conversation.last_message_id is not None:
        last_message = await session.get(Message, conversation.last_message_id)
    out = conversation_out(conversation, contact, last_message)
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=event_type,
        payload={"conversation": out.model_dump(mode="json")},
    )
    if tell_visitor:
        visitor = VisitorConversation(id=conversation.id, status=out.status)
        await log.append(
            session,
            stream=contact_stream(conversation.contact_id),
            type=events.CONVERSATION_UPDATED,
            payload={"conversation": visitor.model_dump(mode="json")},
        )
    return out


async def _announce_message(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    contact: Contact,
    files: Sequence[AttachmentOut] = (),
) -> None:
    out = conversation_out(conversation, contact, message)
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=events.MESSAGE_CREATED,
        payload={
            "message": message_out(message, files).model_dump(mode="json"),
            "conversation": out.model_dump(mode="json"),
        },
    )
    if not message.private:
        await log.append(
            session,
            stream=contact_stream(conversation.contact_id),
            type=events.MESSAGE_CREATED,
            payload={"message": visitor_message_out(message, files).model_dump(mode="json")},
        )


# --- writes ------------------------------------------------------------------------------


def _check_length(text: str, limit: int) -> None:
    if len(text) > limit:
        raise AppError(
            413, "too_large", f"The message has {len(text)} characters; the limit is {limit}."
        )


async def _store_message(
    session: AsyncSession,
    conversation: Conversation,
    *,
    author_type: str,
    author_id: int | None,
    author_name: str | None,
    text: str,
    private: bool = False,
    client_msg_id: str | None = None,
) -> Message:
    """Insert a message and make it the conversation's latest activity."""
    now = utcnow()
    message = Message(
        conversation_id=conversation.id,
        author_type=author_type,
        author_id=author_id,
        author_name=author_name,
        private=private,
        text=text,
        client_msg_id=client_msg_id,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    conversation.last_message_id = message.id
    conversation.last_activity_at = now
    return message


async def _existing(
    session: AsyncSession, conversation_id: int, client_msg_id: str
) -> Message | None:
    return await session.scalar(
        select(Message).where(
            Message.conversation_id == conversation_id, Message.client_msg_id == client_msg_id
        )
    )


async def _repeat(session: AsyncSession, message: Message) -> Posted:
    files = await attachments.for_messages(session, [message.id])
    return Posted(message=message, created=False, attachments=files.get(message.id, []))


async def post_agent_message(
    session: AsyncSession,
    *,
    agent: Agent,
    conversation_id: int,
    client_msg_id: str,
    text: str,
    private: bool,
    max_chars: int,
    attachment_ids: Sequence[int] = (),
) -> Posted:
    _check_length(text, max_chars)
    # The row lock serialises concurrent retries of one send on PostgreSQL; SQLite has
    # one writer anyway. Then the client id decides: seen before → the same message.
    conversation = await get_conversation(session, conversation_id, lock=True)
    previous = await _existing(session, conversation_id, client_msg_id)
    if previous is not None:
        return await _repeat(session, previous)
    message = await _store_message(
        session,
        conversation,
        author_type="agent",
        author_id=agent.id,
        author_name=agent.name,
        private=private,
        text=text,
        client_msg_id=client_msg_id,
    )
    files = await attachments.attach(
        session,
        message=message,
        attachment_ids=attachment_ids,
        uploader_type="agent",
        uploader_id=agent.id,
    )
    if not private:
        conversation.waiting_since = None
        conversation.unread_count = 0
        if conversation.assignee_id is None:
            conversation.assignee_id = agent.id
        if conversation.channel != "widget":
            # Delivered by the channel in a job, after this commit and outside any transaction.
            message.delivery_status = "pending"
            await jobs.enqueue(
                session, name=DELIVER_JOB, payload={"message_id": message.id}, max_attempts=6
            )
    contact = await session.get_one(Contact, conversation.contact_id)
    await session.flush()
    await _announce_message(session, conversation, message, contact, files)
    return Posted(message=message, created=True, attachments=files)


async def post_visitor_message(
    session: AsyncSession,
    *,
    inbox: Inbox,
    contact_id: int,
    client_msg_id: str,
    text: str,
    max_chars: int,
    conversation_id: int | None = None,
    new_conversation: bool = False,
    attachment_ids: Sequence[int] = (),
) -> Posted:
    """A customer's message (widget, or any channel through ``channels.inbound``).

    It goes to ``conversation_id`` when given (and it is this contact's, in this inbox), else
    to the contact's latest conversation in the inbox, or to a new one when there is none or
    ``new_conversation`` is set. A repeated ``client_msg_id`` returns the first message.
    ``attachment_ids``: this contact's unused uploads (``otklik.attachments``) to put on it."""
    _check_length(text, max_chars)
    contact = await session.scalar(
        select(Contact).where(Contact.id == contact_id).with_for_update()
    )
    if contact is None:
        raise AppError(401, "unauthorized", "This visitor no longer exists. Start a new chat.")
    previous = await session.scalar(
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.contact_id == contact.id,
            Conversation.inbox_id == inbox.id,
            Message.client_msg_id == client_msg_id,
        )
        .limit(1)
    )
    if previous is not None:
        return await _repeat(session, previous)
    query = select(Conversation).where(
        Conversation.contact_id == contact.id, Conversation.inbox_id == inbox.id
    )
    if conversation_id is not None:
        query = query.where(Conversation.id == conversation_id)
    conversation = (
        None
        if new_conversation
        else await session.scalar(query.order_by(Conversation.id.desc()).limit(1))
    )
    now = utcnow()
    created = conversation is None
    status_changed = False
    if conversation is None:
        language = contact.attributes.get("language")
        conversation = Conversation(
            inbox_id=inbox.id,
            contact_id=contact.id,
            channel=inbox.channel,
            status="open",
            team_id=inbox.team_id,
            language=language if isinstance(language, str) else None,
            created_at=now,
            last_activity_at=now,
        )
        session.add(conversation)
        await session.flush()
    elif conversation.status != "open":
        # A customer writing again reopens a resolved, pending or snoozed conversation.
        conversation.status = "open"
        conversation.snooze_until = None
        status_changed = True
    message = await _store_message(
        session,
        conversation,
        author_type="contact",
        author_id=contact.id,
        author_name=contact.name,
        text=text,
        client_msg_id=client_msg_id,
    )
    files = await attachments.attach(
        session,
        message=message,
        attachment_ids=attachment_ids,
        uploader_type="contact",
        uploader_id=contact.id,
    )
    conversation.unread_count += 1
    if conversation.waiting_since is None:
        conversation.waiting_since = now
    await session.flush()
    if created:
        await _announce_conversation(
            session,
            conversation,
            event_type=events.CONVERSATION_CREATED,
            contact=contact,
            last_message=message,
        )
    elif status_changed:
        visitor = VisitorConversation(id=conversation.id, status="open")
        await log.append(
            session,
            stream=contact_stream(contact.id),
            type=events.CONVERSATION_UPDATED,
            payload={"conversation": visitor.model_dump(mode="json")},
        )
    await _announce_message(session, conversation, message, contact, files)
    return Posted(message=message, created=True, attachments=files)


async def assign(
    session: AsyncSession,
    *,
    conversation_id: int,
    agent_id: int | None,
    team_id: int | None,
    fields: set[str],
) -> ConversationOut:
    """Set the assignee and/or team; only the keys present in ``fields`` change."""
    if not fields & {"agent_id", "team_id"}:
        raise invalid("Give agent_id, team_id or both (null unassigns).")
    conversation = await get_conversation(session, conversation_id, lock=True)
    if "agent_id" in fields:
        if agent_id is not None:
            agent = await session.get(Agent, agent_id)
            if agent is None or not agent.active:
                raise invalid(f"Agent {agent_id} does not exist or is deactivated.")
            conversation.queued_at = None  # somebody has it: it no longer waits in a queue
        conversation.assignee_id = agent_id
    if "team_id" in fields:
        if team_id is not None and await session.get(Team, team_id) is None:
            raise invalid(f"Team {team_id} does not exist.")
        conversation.team_id = team_id
    # The visitor hears it too: a widget waiting in a queue refreshes its place at once.
    return await _announce_conversation(
        session, conversation, event_type=events.CONVERSATION_UPDATED, tell_visitor=True
    )


async def change_status(
    session: AsyncSession,
    *,
    conversation_id: int,
    status: str,
    snooze_until: datetime | None,
) -> ConversationOut:
    now = utcnow()
    if status == "snoozed":
        if snooze_until is None:
            raise invalid("snooze_until is required to snooze a conversation.")
        if snooze_until <= now:
            raise invalid("snooze_until must be in the future.")
    elif snooze_until is not None:
        raise invalid("snooze_until is only allowed with status 'snoozed'.")
    conversation = await get_conversation(session, conversation_id, lock=True)
    conversation.status = status
    conversation.snooze_until = snooze_until
    if status != "open":
        conversation.queued_at = None  # only open conversations wait for an operator
    if status == "resolved":
        conversation.resolved_at = now
    if status == "snoozed" and snooze_until is not None:
        await jobs.enqueue(
            session,
            name="conversations.wake_snoozed",
            payload={"conversation_id": conversation.id, "until": snooze_until.isoformat()},
            run_at=snooze_until,
            dedupe_key=f"wake:{conversation.id}:{snooze_until.isoformat()}",
        )
    return await _announce_conversation(
        session, conversation, event_type=events.CONVERSATION_UPDATED, tell_visitor=True
    )


async def set_tags(
    session: AsyncSession, *, conversation_id: int, add: list[str], remove: list[str]
) -> ConversationOut:
    conversation = await get_conversation(session, conversation_id, lock=True)
    current = list(conversation.tags)
    wanted = [t for t in current if t not in remove] + [
        t for t in dict.fromkeys(add) if t not in current and t not in remove
    ]
    if wanted == current:
        return await describe(session, conversation_id)
    for tag in set(current) - set(wanted):
        await session.execute(
            delete(ConversationTag).where(
                ConversationTag.conversation_id == conversation.id, ConversationTag.tag == tag
            )
        )
    session.add_all(
        ConversationTag(conversation_id=conversation.id, tag=tag)
        for tag in wanted
        if tag not in current
    )
    conversation.tags = wanted
    return await _announce_conversation(
        session, conversation, event_type=events.CONVERSATION_UPDATED
    )


async def set_priority(
    session: AsyncSession, *, conversation_id: int, priority: str
) -> ConversationOut:
    conversation = await get_conversation(session, conversation_id, lock=True)
    if conversation.priority == priority:
        return await describe(session, conversation_id)
    conversation.priority = priority
    return await _announce_conversation(
        session, conversation, event_type=events.CONVERSATION_UPDATED
    )


async def set_attributes(
    session: AsyncSession, *, conversation_id: int, values: dict[str, Any]
) -> ConversationOut:
    """Store already-validated custom attribute values (see ``otklik.attributes``)."""
    conversation = await get_conversation(session, conversation_id, lock=True)
    conversation.attributes = values
    return await _announce_conversation(
        session, conversation, event_type=events.CONVERSATION_UPDATED
    )


async def merge(session: AsyncSession, *, conversation_id: int, other_id: int) -> ConversationOut:
    """Move ``other_id``'s messages into ``conversation_id`` and close ``other_id``.

    Message ids come from one sequence in time order, so the merged history interleaves by
    time on its own. Client ids of moved messages are prefixed so they cannot collide."""
    if conversation_id == other_id:
        raise invalid("A conversation cannot be merged into itself.")
    ids = sorted((conversation_id, other_id))
    locked = {
        c.id: c
        for c in (
            await session.execute(
                select(Conversation).where(Conversation.id.in_(ids)).with_for_update()
            )
        ).scalars()
    }
    for ident in ids:
        if ident not in locked:
            raise not_found("Conversation", ident)
    target, source = locked[conversation_id], locked[other_id]
    if target.contact_id != source.contact_id:
        raise invalid("Only conversations of the same contact can be merged.")
    if source.merged_into_id is not None:
        raise invalid(f"Conversation {other_id} was merged already.")
    await session.execute(
        update(Message)
        .where(Message.conversation_id == source.id, Message.client_msg_id.is_not(None))
        .values(client_msg_id=func.substr(f"m{source.id}:" + Message.client_msg_id, 1, 64))
    )
    await session.execute(
        update(Message)
        .where(Message.conversation_id == source.id)
        .values(conversation_id=target.id)
    )
    await session.execute(
        update(Attachment)
        .where(Attachment.conversation_id == source.id)
        .values(conversation_id=target.id)
    )
    await session.execute(
        update(ConversationTag)
        .where(
            ConversationTag.conversation_id == source.id,
            ConversationTag.tag.not_in(list(target.tags) or [""]),
        )
        .values(conversation_id=target.id)
    )
    target.tags = list(dict.fromkeys([*target.tags, *source.tags]))
    target.unread_count += source.unread_count
    waits = [w for w in (target.waiting_since, source.waiting_since) if w is not None]
    target.waiting_since = min(waits) if waits else None
    target.last_message_id = await session.scalar(
        select(func.max(Message.id)).where(Message.conversation_id == target.id)
    )
    target.last_activity_at = max(target.last_activity_at, source.last_activity_at)
    target.attributes = {**source.attributes, **target.attributes}
    source.status = "resolved"
    source.resolved_at = utcnow()
    source.merged_into_id = target.id
    source.unread_count = 0
    source.waiting_since = None
    source.last_message_id = None
    await _announce_conversation(
        session, source, event_type=events.CONVERSATION_UPDATED, tell_visitor=True
    )
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=events.CONVERSATION_MERGED,
        payload={"from_id": source.id, "into_id": target.id},
    )
    return await _announce_conversation(
        session, target, event_type=events.CONVERSATION_UPDATED, tell_visitor=True
    )


async def post_automatic_message(
    session: AsyncSession,
    *,
    conversation_id: int,
    text: str,
    author_type: str = "bot",
    author_name: str | None = None,
    private: bool = False,
) -> Message:
    """A message from the system or a bot (greetings, away notices, escalation notes).

    It is shown like any other message but, being automatic, neither answers the customer
    (``waiting_since`` stays) nor counts as an operator reply in reports."""
    conversation = await get_conversation(session, conversation_id, lock=True)
    message = await _store_message(
        session,
        conversation,
        author_type=author_type,
        author_id=None,
        author_name=author_name,
        private=private,
        text=text,
    )
    if author_type == "bot" and not private and conversation.channel != "widget":
        # A bot's public answer (greeting, away notice) reaches the customer like a reply.
        message.delivery_status = "pending"
        await jobs.enqueue(
            session, name=DELIVER_JOB, payload={"message_id": message.id}, max_attempts=6
        )
    contact = await session.get_one(Contact, conversation.contact_id)
    await session.flush()
    await _announce_message(session, conversation, message, contact)
    return message


async def record_delivery(
    session: AsyncSession,
    *,
    message_id: int,
    status: str,
    error: str | None = None,
    external_id: str | None = None,
    channel_data: dict[str, Any] | None = None,
) -> None:
    """What the channel said about a reply; operators see it on the message live."""
    message = await session.get(Message, message_id)
    if message is None:
        return
    message.delivery_status = status
    message.delivery_error = error
    if external_id is not None:
        message.external_id = external_id[:255]
    if channel_data:
        message.channel_data = {**message.channel_data, **channel_data}
    await session.flush()
    files = await attachments.for_messages(session, [message.id])
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=events.MESSAGE_UPDATED,
        payload={
            "message": message_out(message, files.get(message.id, ())).model_dump(mode="json")
        },
    )


async def mark_read(session: AsyncSession, *, conversation_id: int) -> ConversationOut:
    conversation = await get_conversation(session, conversation_id, lock=True)
    if conversation.unread_count == 0:
        return await describe(session, conversation_id)
    conversation.unread_count = 0
    return await _announce_conversation(
        session, conversation, event_type=events.CONVERSATION_UPDATED
    )


async def wake_snoozed(session: AsyncSession, *, conversation_id: int, until: datetime) -> bool:
    """Reopen a conversation whose snooze ran out, unless it was changed meanwhile."""
    conversation = await session.scalar(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    )
    if conversation is None or conversation.status != "snoozed":
        return False
    if conversation.snooze_until is None or conversation.snooze_until != until:
        return False
    conversation.status = "open"
    conversation.snooze_until = None
    conversation.last_activity_at = utcnow()
    await _announce_conversation(
        session, conversation, event_type=events.CONVERSATION_UPDATED, tell_visitor=True
    )
    return True


async def resolve_idle(session: AsyncSession, *, idle_hours: int, batch: int = 200) -> int:
    """Resolve open/pending conversations with no activity for ``idle_hours``."""
    cutoff = utcnow() - timedelta(hours=idle_hours)
    conversations = (
        (
            await session.execute(
                select(Conversation)
                .where(
                    Conversation.status.in_(("open", "pending")),
                    Conversation.last_activity_at < cutoff,
                )
                .order_by(Conversation.id)
                .limit(batch)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    now = utcnow()
    for conversation in conversations:
        conversation.status = "resolved"
        conversation.resolved_at = now
        await _announce_conversation(
            session, conversation, event_type=events.CONVERSATION_UPDATED, tell_visitor=True
        )
    return len(conversations)


async def bulk(session: AsyncSession, *, data: BulkIn) -> list[ConversationOut]:
    """One action on many conversations, all or nothing (one transaction)."""
    if data.action == "status" and data.status is None:
        raise invalid("Give the status to set.")
    if data.action == "priority" and data.priority is None:
        raise invalid("Give the priority to set.")
    if data.action == "tag" and not (data.add_tags or data.remove_tags):
        raise invalid("Give tags to add or remove.")
    results = []
    for conversation_id in dict.fromkeys(data.ids):
        if data.action == "assign":
            results.append(
                await assign(
                    session,
                    conversation_id=conversation_id,
                    agent_id=data.agent_id,
                    team_id=data.team_id,
                    fields=set(data.model_fields_set) & {"agent_id", "team_id"},
                )
            )
        elif data.action == "tag":
            results.append(
                await set_tags(
                    session,
                    conversation_id=conversation_id,
                    add=data.add_tags,
                    remove=data.remove_tags,
                )
            )
        elif data.action == "status" and data.status is not None:
            results.append(
                await change_status(
                    session, conversation_id=conversation_id, status=data.status, snooze_until=None
                )
            )
        elif data.priority is not None:
            results.append(
                await set_priority(session, conversation_id=conversation_id, priority=data.priority)
            )
    return results
