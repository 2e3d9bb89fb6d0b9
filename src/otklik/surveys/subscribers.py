"""Surveys' reaction to conversations (registered in ``wiring.py``): when one is resolved,
the inbox's surveys are sent, in the resolving transaction (a survey is never sent for a
resolve that rolled back, nor lost for one that committed)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations import changes
from otklik.conversations.events import ConversationUpdated
from otklik.core.events import Emitted
from otklik.surveys import service

#: Where this reader's notes of old conversation values are kept (``conversations.changes``).
NOTES_KEY = "otklik.surveys.before"


async def on_conversation_updated(
    session: AsyncSession, emitted: Emitted[ConversationUpdated]
) -> None:
    conversation = emitted.event.conversation
    before = changes.take(session.info, NOTES_KEY, conversation.id)
    if conversation.status != "resolved" or changes.STATUS not in before:
        return
    if before[changes.STATUS] == "resolved":
        return
    await service.on_resolved(session, conversation=conversation)


def install() -> None:
    """Note old statuses for this reader; a rule that resolves sends the survey too."""
    changes.register(NOTES_KEY, skip_automation=False)
