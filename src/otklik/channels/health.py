"""Channel health: whether each inbox's channel works, as its own attempts find out.

The parts that talk to the outside world (the IMAP poller, the Telegram bot's polling and
webhook registration, the delivery of replies) call :func:`report` after every attempt: with
``error=None`` when it worked, with the failure in plain words when not. The inbox's row keeps
the state (``failing_since``, ``last_error``); a change of state is a
:class:`~otklik.channels.events.ChannelHealthChanged` event, which admins hear live.

Every failure is logged as one line with its reason (no traceback: these are the outside
world's failures, not ours). Repeated reports of the same state cost no write: this process
remembers what it last stored for each inbox, so a poll that works every few seconds does not
touch the database. Another process may store a different state meanwhile; the row is read
under a lock before any change, so the last attempt's outcome wins.
"""

from __future__ import annotations

import logging
import time
import weakref

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels.events import ChannelHealthChanged
from otklik.channels.models import Inbox
from otklik.channels.schemas import HealthState, InboxHealth
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.core.events import bus

log = logging.getLogger(__name__)
ERROR_CHARS = 500

#: How long this process trusts what it last stored before reading the row again (another
#: process, say a second worker, may have stored a different state meanwhile).
TRUST_SECONDS = 60.0

#: Per process and database: inbox id → (the error last seen stored, ``None``: connected;
#: when it was seen).
_seen: weakref.WeakKeyDictionary[Database, dict[int, tuple[str | None, float]]] = (
    weakref.WeakKeyDictionary()
)


def health_of(inbox: Inbox) -> InboxHealth:
    state: HealthState
    if not inbox.active:
        state = "off"
    elif inbox.failing_since is not None:
        state = "failing"
    else:
        state = "connected"
    return InboxHealth(
        inbox_id=inbox.id,
        state=state,
        failing_since=inbox.failing_since if inbox.active else None,
        last_error=inbox.last_error,
        last_error_at=inbox.last_error_at,
    )


async def report(db: Database, *, inbox_id: int, error: str | None) -> None:
    """The outcome of one attempt of ``inbox_id``'s channel: ``None`` worked, else the
    failure in words. Writes (and tells admins) only when the state or the error changes."""
    if error is not None:
        error = " ".join(error.split())[:ERROR_CHARS] or "unknown error"
        log.warning("inbox %s: %s", inbox_id, error)
    _known = _seen.setdefault(db, {})
    known = _known.get(inbox_id)
    if known is not None and known[0] == error and time.monotonic() - known[1] < TRUST_SECONDS:
        return
    async with db.session(write=False) as session:
        row = (
            await session.execute(
                select(Inbox.failing_since, Inbox.last_error).where(Inbox.id == inbox_id)
            )
        ).first()
    if row is None:
        _known.pop(inbox_id, None)
        return
    if _same(row.failing_since is not None, row.last_error, error):
        _known[inbox_id] = (error, time.monotonic())
        return
    async with db.session(write=True) as session:
        stored = await record(session, inbox_id=inbox_id, error=error)
    if stored:
        _known[inbox_id] = (error, time.monotonic())


def _same(failing: bool, last_error: str | None, error: str | None) -> bool:
    return (error is None and not failing) or (
        error is not None and failing and last_error == error
    )


async def record(session: AsyncSession, *, inbox_id: int, error: str | None) -> bool:
    """:func:`report`'s write, in the caller's transaction (the row locked, read again);
    ``False`` when there is no such inbox."""
    inbox = await session.get(Inbox, inbox_id, with_for_update=True, populate_existing=True)
    if inbox is None:
        return False
    if _same(inbox.failing_since is not None, inbox.last_error, error):
        return True
    previous = health_of(inbox).state
    now = utcnow()
    if error is None:
        inbox.failing_since = None
    else:
        if inbox.failing_since is None:
            inbox.failing_since = now
        inbox.last_error = error
        inbox.last_error_at = now
    await session.flush()
    await bus.emit(session, ChannelHealthChanged(health=health_of(inbox), previous_state=previous))
    return True


def forget(db: Database, inbox_id: int) -> None:
    """Forget what this process knows of an inbox: the next attempt reports afresh."""
    _seen.get(db, {}).pop(inbox_id, None)
