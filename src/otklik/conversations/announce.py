"""Events of conversation changes, appended in the change's own transaction.

Operators hear everything on the ``agents`` stream; a visitor hears only public messages and
status changes of their own conversations on ``contact:<id>``."""

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
    VisitorConversation,
)
from otklik.conversations.shapes import conversation_out, message_out, visitor_message_out
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_AGENTS, contact_stream


async def announce_conversation(
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


async def announce_message(
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


async def announce_message_update(session: AsyncSession, message: Message) -> MessageOut:
    """Operators hear that a message changed (its delivery state); visitors are not told."""
    await session.flush()
    files = await attachments.for_messages(session, [message.id])
    out = message_out(message, files.get(message.id, ()))
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=events.MESSAGE_UPDATED,
        payload={"message": out.model_dump(mode="json")},
    )
    return out
