"""Workforce's reactions to other domains, inside the change's transaction (``wiring.py``).

* A presence change (``AgentStatusChanged``) closes the operator's open status interval and
  opens the next one, at the moment of the change.
* A conversation change opens or closes handling intervals: an operator handles a
  conversation while it is ``open`` and assigned to them.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.events import AgentStatusChanged
from otklik.conversations.events import ConversationCreated, ConversationUpdated
from otklik.core.events import Emitted
from otklik.workforce.models import HandlingInterval, StatusInterval


async def on_status_changed(session: AsyncSession, emitted: Emitted[AgentStatusChanged]) -> None:
    change = emitted.event
    await session.execute(
        update(StatusInterval)
        .where(StatusInterval.agent_id == change.agent_id, StatusInterval.ended_at.is_(None))
        .values(ended_at=emitted.at)
    )
    session.add(
        StatusInterval(
            agent_id=change.agent_id,
            status=change.status,
            reason=change.reason,
            source=change.source,
            started_at=emitted.at,
        )
    )


async def on_conversation_changed(
    session: AsyncSession, emitted: Emitted[ConversationCreated] | Emitted[ConversationUpdated]
) -> None:
    conversation = emitted.event.conversation
    handler = conversation.assignee_id if conversation.status == "open" else None
    current = (
        await session.scalars(
            select(HandlingInterval).where(
                HandlingInterval.conversation_id == conversation.id,
                HandlingInterval.ended_at.is_(None),
            )
        )
    ).all()
    if handler is not None and any(i.agent_id == handler for i in current):
        return
    for interval in current:
        interval.ended_at = emitted.at
    if handler is not None:
        session.add(
            HandlingInterval(
                agent_id=handler, conversation_id=conversation.id, started_at=emitted.at
            )
        )


def quiet_for(_conn: Connection, event: ConversationCreated) -> bool:
    """A new conversation nobody has yet (the visitor's path) starts no handling."""
    return event.conversation.assignee_id is None
