"""Merging two conversations of one contact into one."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.attachments import service as attachments
from otklik.conversations import events
from otklik.conversations.announce import announce_conversation
from otklik.conversations.models import (
    Conversation,
    ConversationTag,
    Message,
)
from otklik.conversations.queries import reach, visible
from otklik.conversations.schemas import (
    ConversationOut,
)
from otklik.core.clock import utcnow
from otklik.core.errors import invalid, not_found
from otklik.core.events import bus


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
                select(Conversation)
                .where(Conversation.id.in_(ids), visible(session))
                .with_for_update()
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
    await attachments.move_to_conversation(
        session, from_conversation_id=source.id, to_conversation_id=target.id
    )
    await session.execute(
        update(ConversationTag)
        .where(
            ConversationTag.conversation_id == source.id,
            ConversationTag.tag.not_in(list(target.tags) or [""]),
        )
        .values(conversation_id=target.id)
    )
    # The source keeps only the tags the target had already (the others moved above).
    kept = [tag for tag in source.tags if tag in target.tags]
    target.tags = list(dict.fromkeys([*target.tags, *source.tags]))
    source.tags = kept
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
    await announce_conversation(session, source, tell_visitor=True)
    await bus.emit(
        session,
        events.ConversationMerged(from_id=source.id, into_id=target.id, reach=reach(target)),
    )
    return await announce_conversation(session, target, tell_visitor=True)
