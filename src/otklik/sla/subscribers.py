"""The SLA domain's reactions to conversations and escalations (registered in ``wiring.py``).

Each handler reads the cached configuration and runs the synchronous clock work of
``sla/clocks.py`` on the session's connection, inside the change's transaction. The quiet
predicates do the same work directly on a write without a session (``core/unit.py``) — for a
visitor's message that is one UPDATE — and return ``True``; when the configuration is not
loaded yet they return ``False`` and the handler runs (and loads it). Every step is idempotent
(inserts ignore existing clocks, updates are guarded by state), so a handler that runs anyway,
because another subscriber was not quiet, finds nothing left to do.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from otklik.accounts import service as accounts
from otklik.accounts.service import TEAMS
from otklik.conversations import queries
from otklik.conversations.events import ConversationCreated, ConversationUpdated, MessageCreated
from otklik.core import config_cache
from otklik.core.clock import utcnow
from otklik.core.events import Emitted
from otklik.routing.events import ConversationEscalated, ConversationHandedBack
from otklik.sla import clocks
from otklik.sla.policies import CONFIG, SlaConfig
from otklik.workforce.events import ScheduleChanged


def _created(conn: Connection, config: SlaConfig, event: ConversationCreated) -> None:
    conv = event.conversation
    clocks.start_sla(conn, config, conv, conv.created_at)


def _message(conn: Connection, config: SlaConfig, event: MessageCreated) -> None:
    message, conv = event.message, event.conversation
    if message.author_type == "contact":
        if event.reopened:
            clocks.reconcile(conn, config, conv, message.created_at)
        clocks.customer_wrote(conn, config, conv, message.created_at)
    elif message.author_type == "agent":
        clocks.operator_wrote(conn, config, conv, message.created_at, private=message.private)


def quiet_for(conn: Connection, event: ConversationCreated | MessageCreated) -> bool:
    """Done here, on the unit's connection, from the cached configuration; ``False`` when
    it is not loaded (the handler loads it)."""
    config = config_cache.peek(conn, CONFIG)
    if config is None or config.stale(utcnow().date(), config_cache.peek(conn, TEAMS)):
        return False
    if not config.policies:
        return True
    if isinstance(event, ConversationCreated):
        _created(conn, config, event)
    else:
        _message(conn, config, event)
    return True


async def _config(session: AsyncSession) -> SlaConfig:
    config = await config_cache.get(session, CONFIG)
    teams = await accounts.team_directory(session) if config.fresh_until is not None else None
    if config.stale(utcnow().date(), teams):  # a shift-fed calendar is out of date: reload
        cache = config_cache.cache_for(session)
        if cache is not None:
            cache.drop([CONFIG.name])
        config = await config_cache.get(session, CONFIG)
    return config


async def on_schedule_changed(session: AsyncSession, emitted: Emitted[ScheduleChanged]) -> None:
    """A shift-fed calendar works its team's schedule: an edit, time off, a swap or a
    pattern change reloads the snapshot (due times computed from then on follow it)."""
    cache = config_cache.cache_for(session)
    config = cache.peek(CONFIG) if cache is not None else None
    if config is None or config.fresh_until is not None:
        await config_cache.changed(session, CONFIG)


async def on_created(session: AsyncSession, emitted: Emitted[ConversationCreated]) -> None:
    config = await _config(session)
    if config.policies:
        await session.run_sync(lambda s: _created(_conn(s), config, emitted.event))


async def on_message(session: AsyncSession, emitted: Emitted[MessageCreated]) -> None:
    config = await _config(session)
    if config.policies:
        await session.run_sync(lambda s: _message(_conn(s), config, emitted.event))


async def on_updated(session: AsyncSession, emitted: Emitted[ConversationUpdated]) -> None:
    config = await _config(session)
    conv = emitted.event.conversation
    await session.run_sync(lambda s: clocks.reconcile(_conn(s), config, conv, emitted.at))


async def on_escalated(session: AsyncSession, emitted: Emitted[ConversationEscalated]) -> None:
    config = await _config(session)
    if not any(p.kind == "ola" for p in config.policies):
        return
    escalation = emitted.event.escalation
    conv = await queries.describe(session, escalation.conversation_id)
    await session.run_sync(
        lambda s: clocks.start_ola(
            _conn(s), config, conv, escalation.to_team_id, escalation.created_at
        )
    )


async def on_handed_back(session: AsyncSession, emitted: Emitted[ConversationHandedBack]) -> None:
    escalation = emitted.event.escalation
    at = escalation.handed_back_at or emitted.at
    await session.run_sync(lambda s: clocks.hand_back(_conn(s), escalation.conversation_id, at))


def _conn(session: Session) -> Connection:
    return session.connection()
