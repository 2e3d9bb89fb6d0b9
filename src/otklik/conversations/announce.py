"""Emitting the typed events of conversation changes, in the change's own transaction.

What each audience hears is decided by the events themselves (``conversations/events.py``);
here the current state is read and shaped into them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.attachments import service as attachments
from otklik.attachments.schemas import AttachmentOut
from otklik.contacts.models import Contact
from otklik.conversations import events
from otklik.conversations.models import (
    Conversation,
    Message,
)
from otklik.conversations.schemas import (
    ConversationOut,
    MessageOut,
)
from otklik.conversations.shapes import conversation_out, message_out, visitor_message_out
from otklik.core.events import Reach, bus


async def announce_conversation(
    session: AsyncSession,
    conversation: Conversation,
    *,
    created: bool = False,
    contact: Contact | None = None,
    last_message: Message | None = None,
    tell_visitor: bool = False,
) -> ConversationOut:
    """Emit ``ConversationCreated`` (``created=True``) or ``ConversationUpdated``."""
    await session.flush()
    if contact is None:
        contact = await session.get_one(Contact, conversation.contact_id)
    if last_message is None and conversation.last_message_id is not None:
        last_message = await session.get(Message, conversation.last_message_id)
    out = conversation_out(conversation, contact, last_message)
    if created:
        await bus.emit(session, events.ConversationCreated(conversation=out))
    else:
        await bus.emit(
            session, events.ConversationUpdated(conversation=out, tell_visitor=tell_visitor)
        )
    return out


async def announce_message(
    session: AsyncSession,
    conversation: Conversation,
    message: Message,
    contact: Contact,
    files: Sequence[AttachmentOut] = (),
    *,
    reopened: bool = False,
) -> None:
    await bus.emit(
        session,
        events.MessageCreated(
            conversation=conversation_out(conversation, contact, message),
            message=message_out(message, files),
            visitor_message=None if message.private else visitor_message_out(message, files),
            reopened=reopened,
        ),
    )


async def announce_message_update(session: AsyncSession, message: Message) -> MessageOut:
    """Operators hear that a message changed (its delivery state); visitors are not told."""
    await session.flush()
    files = await attachments.for_messages(session, [message.id])
    out = message_out(message, files.get(message.id, ()))
    conversation = await session.get_one(Conversation, message.conversation_id)
    reach = Reach(conversation.inbox_id, conversation.team_id, conversation.assignee_id)
    await bus.emit(session, events.MessageUpdated(message=out, reach=reach))
    return out
