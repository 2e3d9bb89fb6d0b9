"""Conversations and messages: every read the API serves and every write it makes.

Each write appends its events in the same transaction (``realtime.log.append``): operators
hear everything on the ``agents`` stream; a visitor hears only public messages and status
changes of their own conversations on ``contact:<id>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent
from otklik.attachments import service as attachments
from otklik.channels import service as channels
from otklik.channels.service import AnyInbox  # the cached snapshot or the row (config cache)
from otklik.contacts.models import Contact
from otklik.conversations import subjects
from otklik.conversations.announce import announce_conversation, announce_message
from otklik.conversations.appending import NextMessage, append_in_unit, append_to_open
from otklik.conversations.changing import (
    assign,
    bulk,
    change_status,
    mark_read,
    set_attributes,
    set_priority,
    set_tags,
)
from otklik.conversations.delivery import (
    DELIVER_JOB,
    enqueue_delivery,
    mark_not_delivered,
    record_delivery,
    retry_delivery,
)
from otklik.conversations.lifecycle import resolve_idle, wake_snoozed
from otklik.conversations.merging import merge
from otklik.conversations.models import (
    Conversation,
    Message,
)
from otklik.conversations.opening import FirstMessage, open_in_unit
from otklik.conversations.queries import (
    contact_and_reach,
    contact_conversations,
    conversation_exists,
    describe,
    get_conversation,
    latest_conversation_id,
    latest_conversation_reach,
    list_messages,
    reach,
    require_contact,
    visitor_messages,
)
from otklik.conversations.queues import list_conversations, view_counts
from otklik.conversations.rehoming import move_to_contact
from otklik.conversations.shapes import (
    Posted,
    conversation_out,
    message_out,
    visitor_message_out,
    visitor_view,
)
from otklik.core.clock import utcnow
from otklik.core.errors import AppError
from otklik.core.unit import WriteUnit

__all__ = [
    "DELIVER_JOB",
    "Posted",
    "assign",
    "bulk",
    "change_status",
    "contact_conversations",
    "contact_and_reach",
    "conversation_exists",
    "conversation_out",
    "describe",
    "get_conversation",
    "latest_conversation_reach",
    "reach",
    "require_contact",
    "latest_conversation_id",
    "list_conversations",
    "list_messages",
    "mark_not_delivered",
    "mark_read",
    "merge",
    "message_out",
    "move_to_contact",
    "post_agent_message",
    "post_automatic_message",
    "post_visitor_message",
    "record_delivery",
    "resolve_idle",
    "retry_delivery",
    "set_attributes",
    "set_priority",
    "set_tags",
    "view_counts",
    "visitor_message_out",
    "visitor_view",
    "visitor_messages",
    "wake_snoozed",
]


# --- writes-------------------------------------------------------------------------------


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
    external_id: str | None = None,
    channel_data: dict[str, Any] | None = None,
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
        external_id=external_id,
        channel_data=channel_data or {},
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
    return Posted(message=message_out(message, files.get(message.id, [])), created=False)


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
    subject: str | None = None,
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
        channel_data=subjects.of_reply(conversation, subject, private=private),
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
        if channels.delivers_replies(conversation.channel):
            # Delivered by the channel in a job, after this commit and outside any transaction.
            await enqueue_delivery(session, message)
    contact = await session.get_one(Contact, conversation.contact_id)
    await session.flush()
    await announce_message(session, conversation, message, contact, files)
    return Posted(message=message_out(message, files), created=True)


async def post_visitor_message(
    session: AsyncSession,
    *,
    inbox: AnyInbox,
    contact_id: int,
    client_msg_id: str,
    text: str,
    max_chars: int,
    conversation_id: int | None = None,
    new_conversation: bool = False,
    attachment_ids: Sequence[int] = (),
    external_id: str | None = None,
    channel_data: dict[str, Any] | None = None,
) -> Posted:
    """A customer's message (widget, or any channel through ``channels.inbound``).

    It goes to ``conversation_id`` when given (and it is this contact's, in this inbox), else
    to the contact's latest conversation in the inbox, or to a new one when there is none or
    ``new_conversation`` is set. A repeated ``client_msg_id`` returns the first message.
    ``attachment_ids``: this contact's unused uploads (``otklik.attachments``) to put on it.
    ``external_id``/``channel_data``: the channel's id of the message and what it said of it.

    The common case, a next message in an open conversation, is written by
    ``appending.append_to_open`` without the ORM; everything else continues here."""
    _check_length(text, max_chars)
    if conversation_id is None and not new_conversation and not attachment_ids:
        appended = await append_to_open(
            session,
            NextMessage(
                inbox_id=inbox.id,
                contact_id=contact_id,
                client_msg_id=client_msg_id,
                text=text,
                external_id=external_id,
                channel_data=channel_data or {},
            ),
        )
        if appended is not None:
            return Posted(message=appended, created=True)
    return await _post_in_session(
        session,
        inbox=inbox,
        contact_id=contact_id,
        client_msg_id=client_msg_id,
        text=text,
        conversation_id=conversation_id,
        new_conversation=new_conversation,
        attachment_ids=attachment_ids,
        external_id=external_id,
        channel_data=channel_data,
    )


async def post_visitor_message_in_unit(
    unit: WriteUnit,
    *,
    inbox: AnyInbox,
    contact_id: int,
    client_msg_id: str,
    text: str,
    max_chars: int,
    attachment_ids: Sequence[int] = (),
) -> Posted:
    """:func:`post_visitor_message` (the widget's send) in a write without a session
    (``core/unit.py``): a next message by ``appending.append_in_unit``, a first one by
    ``opening.open_in_unit``, every other case in a session of the same unit."""
    _check_length(text, max_chars)
    if not attachment_ids:
        appended = await append_in_unit(
            unit,
            NextMessage(
                inbox_id=inbox.id,
                contact_id=contact_id,
                client_msg_id=client_msg_id,
                text=text,
                external_id=None,
                channel_data={},
            ),
        )
        if appended is not None:
            return Posted(message=appended, created=True)
        opened = await open_in_unit(
            unit,
            FirstMessage(
                inbox_id=inbox.id,
                channel=inbox.channel,
                team_id=inbox.team_id,
                contact_id=contact_id,
                sender_id="",
                sender_name=None,
                sender_email=None,
                client_msg_id=client_msg_id,
                text=text,
                external_id=None,
                channel_data={},
                new_conversation=False,
            ),
        )
        if opened is not None:
            return Posted(message=opened.message, created=True)
    return await _post_in_session(
        await unit.session(),
        inbox=inbox,
        contact_id=contact_id,
        client_msg_id=client_msg_id,
        text=text,
        attachment_ids=attachment_ids,
    )


async def _post_in_session(
    session: AsyncSession,
    *,
    inbox: AnyInbox,
    contact_id: int,
    client_msg_id: str,
    text: str,
    conversation_id: int | None = None,
    new_conversation: bool = False,
    attachment_ids: Sequence[int] = (),
    external_id: str | None = None,
    channel_data: dict[str, Any] | None = None,
) -> Posted:
    """The general path of a customer's message, through the ORM (every case)."""
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
            subject=subjects.bare((channel_data or {}).get("subject")),
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
        external_id=external_id,
        channel_data=channel_data,
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
    # No flush here: the events' own flush writes these changes with them.
    if created:
        await announce_conversation(
            session,
            conversation,
            created=True,
            contact=contact,
            last_message=message,
        )
    await announce_message(session, conversation, message, contact, files, reopened=status_changed)
    return Posted(message=message_out(message, files), created=True)


async def post_automatic_message(
    session: AsyncSession,
    *,
    conversation_id: int,
    text: str,
    author_type: str = "bot",
    author_name: str | None = None,
    private: bool = False,
    channel_data: dict[str, Any] | None = None,
) -> Message:
    """A message from the system or a bot (greetings, away notices, escalation notes).
    ``channel_data``: what its delivery needs besides the text (a survey's ``buttons``).

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
        channel_data=channel_data,
    )
    if author_type == "bot" and not private and channels.delivers_replies(conversation.channel):
        # A bot's public answer (greeting, away notice) reaches the customer like a reply.
        await enqueue_delivery(session, message)
    contact = await session.get_one(Contact, conversation.contact_id)
    await session.flush()
    await announce_message(session, conversation, message, contact)
    return message
