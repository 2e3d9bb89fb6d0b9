"""Moving a contact's conversations to another contact (a visitor proved they are them)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations.announce import announce_conversation
from otklik.conversations.models import Conversation


async def move_to_contact(
    session: AsyncSession, *, from_contact_id: int, to_contact_id: int
) -> int:
    """Give every conversation of ``from_contact_id`` to ``to_contact_id``; operators hear
    each change. Returns how many moved."""
    moved = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.contact_id == from_contact_id)
            .order_by(Conversation.id)
            .with_for_update()
        )
    ).all()
    for conversation in moved:
        conversation.contact_id = to_contact_id
    await session.flush()
    for conversation in moved:
        await announce_conversation(session, conversation)
    return len(moved)
