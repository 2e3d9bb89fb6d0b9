"""Greeting on a new conversation; away message when a customer writes after hours.

Both are per-inbox settings (``greeting_message``, ``away_message``, ``working_hours``) and
both are sent at most once: a greeting per conversation, an away message per conversation and
closed stretch (keyed by the next opening time) — a :class:`ScriptFiring` row decides.
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels.schemas import InboxSettings
from otklik.channels.service import cached_inbox, inbox_by_id
from otklik.conversations import service as conversations
from otklik.core.clock import utcnow
from otklik.scripts.context import Target, load_target, template_values
from otklik.scripts.firings import fire_once
from otklik.scripts.hours import is_open, next_opening
from otklik.scripts.savepoint import isolated
from otklik.scripts.templates import render

logger = logging.getLogger(__name__)


async def _send(session: AsyncSession, target: Target, template: str, what: str) -> None:
    try:
        async with isolated(session):
            text = render(template, await template_values(session, target, agent=None))
            if text.strip():
                await conversations.post_automatic_message(
                    session, conversation_id=target.conversation.id, text=text, author_type="bot"
                )
    except Exception:
        logger.warning("%s for conversation %s failed", what, target.conversation.id, exc_info=True)


async def _settings(session: AsyncSession, inbox_id: int) -> InboxSettings | None:
    inbox = await inbox_by_id(session, inbox_id)  # cached: no query
    return inbox.settings if inbox is not None else None


async def greet(session: AsyncSession, *, conversation_id: int, inbox_id: int) -> None:
    settings = await _settings(session, inbox_id)
    if settings is None or not settings.greeting_message.strip():
        return
    template = settings.greeting_message
    target = await load_target(session, conversation_id)
    if await fire_once(
        session,
        key="greeting",
        conversation_id=conversation_id,
        period_at=target.conversation.created_at,
    ):
        await _send(session, target, template, "greeting")


def greeting_is_quiet(conn: Connection, *, inbox_id: int) -> bool:
    """Certainly no greeting (from the cached inbox; unknown is ``False``)."""
    inbox = cached_inbox(conn, inbox_id)
    return inbox is not None and not inbox.settings.greeting_message.strip()


def away_is_quiet(conn: Connection, *, inbox_id: int) -> bool:
    """Certainly no away message now (from the cached inbox; unknown is ``False``)."""
    inbox = cached_inbox(conn, inbox_id)
    if inbox is None:
        return False
    settings = inbox.settings
    hours = settings.working_hours
    return not settings.away_message.strip() or hours is None or is_open(hours, utcnow())


async def away(session: AsyncSession, *, conversation_id: int, inbox_id: int) -> None:
    settings = await _settings(session, inbox_id)
    if settings is None or not settings.away_message.strip():
        return
    hours, now = settings.working_hours, utcnow()
    if hours is None or is_open(hours, now):
        return
    if await fire_once(
        session, key="away", conversation_id=conversation_id, period_at=next_opening(hours, now)
    ):
        target = await load_target(session, conversation_id)
        await _send(session, target, settings.away_message, "away message")
