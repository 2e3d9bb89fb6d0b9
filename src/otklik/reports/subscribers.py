"""The reports' reactions to conversations and escalations (registered in ``wiring.py``).

All run in the change's transaction, on its synchronous connection (``tracking.py``). The
quiet predicates do the work directly on a write without a session (``core/unit.py``): a
customer's message needs no configuration at all; the rest needs the cached SLA calendars
(business hours) and lets the handler run when they are not loaded yet.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from otklik.conversations.events import ConversationCreated, ConversationUpdated, MessageCreated
from otklik.core import config_cache
from otklik.core.events import Emitted
from otklik.reports import tracking
from otklik.routing.events import ConversationEscalated, ConversationHandedBack
from otklik.sla.policies import CONFIG, SlaConfig


def _message(conn: Connection, config: SlaConfig | None, event: MessageCreated) -> None:
    message, conv = event.message, tracking.Conv.of(event.conversation)
    if message.author_type == "contact":
        tracking.customer_wrote(conn, conv, message.created_at, reopened=event.reopened)
    elif message.author_type == "agent" and not message.private:
        tracking.operator_replied(conn, config, conv, message.author_id, message.created_at)


def quiet_for(conn: Connection, event: ConversationCreated | MessageCreated) -> bool:
    """Done here on the unit's connection; ``False`` (the handler runs) only when business
    hours are needed and the calendars are not cached yet."""
    if isinstance(event, MessageCreated):
        if event.message.author_type != "agent" or event.message.private:
            _message(conn, None, event)
            return True
    config = config_cache.peek(conn, CONFIG)
    if config is None:
        return False
    if isinstance(event, ConversationCreated):
        tracking.created(conn, config, tracking.Conv.of(event.conversation))
    else:
        _message(conn, config, event)
    return True


async def _config(session: AsyncSession) -> SlaConfig:
    return await config_cache.get(session, CONFIG)


def _conn(session: Session) -> Connection:
    return session.connection()


async def on_created(session: AsyncSession, emitted: Emitted[ConversationCreated]) -> None:
    config = await _config(session)
    conv = tracking.Conv.of(emitted.event.conversation)
    await session.run_sync(lambda s: tracking.created(_conn(s), config, conv))


async def on_message(session: AsyncSession, emitted: Emitted[MessageCreated]) -> None:
    config = await _config(session)
    await session.run_sync(lambda s: _message(_conn(s), config, emitted.event))


async def on_updated(session: AsyncSession, emitted: Emitted[ConversationUpdated]) -> None:
    config = await _config(session)
    conv = tracking.Conv.of(emitted.event.conversation)
    await session.run_sync(lambda s: tracking.updated(_conn(s), config, conv, emitted.at))


async def on_escalated(session: AsyncSession, emitted: Emitted[ConversationEscalated]) -> None:
    e = emitted.event.escalation
    await session.run_sync(
        lambda s: tracking.escalated(
            _conn(s),
            e.conversation_id,
            e.created_at,
            agent_id=e.from_agent_id,
            from_team_id=e.from_team_id,
        )
    )


async def on_handed_back(session: AsyncSession, emitted: Emitted[ConversationHandedBack]) -> None:
    e = emitted.event.escalation
    await session.run_sync(
        lambda s: tracking.handed_back(
            _conn(s),
            e.conversation_id,
            e.handed_back_at or emitted.at,
            agent_id=e.handed_back_by_id,
            team_id=e.to_team_id,
        )
    )
