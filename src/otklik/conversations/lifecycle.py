"""Changes time makes: snoozes running out, idle conversations resolved."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations.announce import announce_conversation
from otklik.conversations.models import (
    Conversation,
)
from otklik.core.clock import utcnow


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
    await announce_conversation(session, conversation, tell_visitor=True)
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
        await announce_conversation(session, conversation, tell_visitor=True)
    return len(conversations)
