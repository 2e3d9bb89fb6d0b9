"""Surveys' reaction to conversations (registered in ``wiring.py``): when one is resolved,
the inbox's surveys are sent, in the resolving transaction (a survey is never sent for a
resolve that rolled back, nor lost for one that committed); and to a score pressed under a
survey's Telegram message."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels.events import ButtonPressed
from otklik.conversations import changes
from otklik.conversations import service as conversations
from otklik.conversations.events import ConversationUpdated
from otklik.core.events import Emitted
from otklik.surveys import delivery, service

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


async def on_button_pressed(session: AsyncSession, emitted: Emitted[ButtonPressed]) -> None:
    """A score pressed in Telegram: recorded, and the customer thanked (or told why not)."""
    parsed = delivery.parse_button(emitted.event.data)
    if parsed is None:
        return
    token, score = parsed
    reply = await service.answer_from_channel(
        session, token=token, score=score, inbox_id=emitted.event.inbox_id
    )
    if reply is not None:
        conversation_id, text = reply
        await conversations.post_automatic_message(
            session, conversation_id=conversation_id, text=text
        )


def install() -> None:
    """Note old statuses for this reader; a rule that resolves sends the survey too."""
    changes.register(NOTES_KEY, skip_automation=False)
