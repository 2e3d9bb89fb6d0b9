"""Presence that follows the operators' sockets (issue 12).

An operator picks online, away or offline; the system then keeps that honest:

* **offline** once none of their workspace sockets has been open for a grace period
  (``OTKLIK_PRESENCE_GRACE_SECONDS``). Each process writes ``seen_at`` for the operators
  whose sockets it holds, every few seconds and when their last socket there closes, and
  sweeps the operators nobody has seen for the grace period. It works with any number of
  worker processes, and a process that died stops vouching for its operators;
* **away** after ``OTKLIK_PRESENCE_AWAY_MINUTES`` without activity (the front end reports
  it over the socket);
* **back** to what they had chosen when they return (a socket opens, they are active).

When the workspace turns it on, their shift schedule sets statuses too (scheduled breaks,
away after a shift: ``workforce/schedule_status.py``) through :func:`set_by_schedule`.

What the system changed is marked with ``presence_auto_from`` (the status they chose); a
status the operator picks clears it, so an operator who chose "offline" stays offline
when they open the workspace. Every change is the same write as a chosen one: routing reacts
in its transaction (no assignment to offline operators), operators hear a presence frame and
the widgets of the inboxes a change concerns hear whether someone is online now.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import events
from otklik.accounts.models import Agent
from otklik.channels import service as channels
from otklik.core.clock import utcnow
from otklik.core.events import bus
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_AGENTS


async def change_status(
    session: AsyncSession,
    *,
    agent: Agent,
    status: str,
    automatic: bool = False,
    reason: str | None = None,
    source: events.StatusSource | None = None,
    restoring: bool = False,
) -> None:
    """Set an operator's presence: chosen by them (``automatic=False``) or by the system,
    which remembers what they had chosen to bring it back when they return. A break keeps
    its reason (``status_reason``), also across an automatic offline and back.

    ``source="schedule"``: their shift schedule set it (``workforce/schedule_status.py``);
    it counts as their status (nothing to come back to) but does not make them active.
    ``restoring``: the system brings back the status they had chosen (recorded ``auto``:
    nobody chose anything now)."""
    if source is None:
        source = "auto" if automatic or restoring else "operator"
    now = utcnow()
    previous, previous_reason = agent.status, agent.status_reason
    if status == "break":
        # Back to a break the system had interrupted (sockets gone): the same reason.
        reason = reason or previous_reason
        agent.status_reason = reason
    elif not (automatic and status == "offline" and previous == "break"):
        agent.status_reason = None  # (an automatic offline keeps it for their return)
    if automatic:
        if agent.presence_auto_from is None:
            agent.presence_auto_from = previous
    else:
        agent.presence_auto_from = None
        if source != "schedule":
            # A choice is made in the workspace: it counts as being there and being active.
            agent.seen_at = agent.active_at = now
    if previous != status or (status == "break" and previous_reason != reason):
        agent.status = status
        agent.status_changed_at = now
        await bus.emit(
            session,
            events.AgentStatusChanged(
                agent_id=agent.id,
                status=status,
                previous=previous,
                reason=reason if status == "break" else None,
                source=source,
            ),
        )
        if "online" in (previous, status):
            await channels.announce_availability(session)
    log.stage_transient(
        session,
        stream=STREAM_AGENTS,
        frame=events.PresenceFrame.model_validate(
            {
                "agent_id": agent.id,
                "status": status,
                "reason": agent.status_reason if status == "break" else None,
            }
        ).model_dump(),
    )


async def mark_seen(session: AsyncSession, *, agent_ids: Collection[int], now: datetime) -> None:
    """These operators have a socket open in this process (one statement)."""
    if agent_ids:
        await session.execute(
            update(Agent).where(Agent.id.in_(sorted(agent_ids))).values(seen_at=now)
        )


async def returned(session: AsyncSession, *, agent_id: int, active: bool) -> None:
    """A socket of the operator opened (``active=False``) or they used the workspace: they
    are seen, and a status the system set while they were gone gives way to their own."""
    agent = await session.get(Agent, agent_id, with_for_update=True)
    if agent is None or not agent.active:
        return
    now = utcnow()
    agent.seen_at = now
    if active:
        agent.active_at = now
    chosen = agent.presence_auto_from
    if chosen is None:
        return
    if agent.status == "offline" or (active and agent.status == "away"):
        agent.active_at = now
        await change_status(session, agent=agent, status=chosen, restoring=True)


async def expire(
    session: AsyncSession, *, grace: timedelta, idle: timedelta | None
) -> list[tuple[int, str]]:
    """Offline for operators no socket vouched for within ``grace``; away for those
    online but idle for ``idle`` (``None``: never). Returns ``(agent id, new status)``.

    Several processes may sweep at once: rows are locked (PostgreSQL skips those another
    sweep holds) and the condition is read again under the lock."""
    now = utcnow()
    changed: list[tuple[int, str]] = []
    gone = await session.scalars(
        select(Agent)
        .where(
            Agent.active.is_(True),
            Agent.status != "offline",
            or_(Agent.seen_at.is_(None), Agent.seen_at < now - grace),
        )
        .order_by(Agent.id)
        .with_for_update(skip_locked=True)
    )
    for agent in gone.all():
        await change_status(session, agent=agent, status="offline", automatic=True)
        changed.append((agent.id, "offline"))
    if idle is not None:
        idling = await session.scalars(
            select(Agent)
            .where(
                Agent.active.is_(True),
                Agent.status == "online",
                or_(Agent.active_at.is_(None), Agent.active_at < now - idle),
            )
            .order_by(Agent.id)
            .with_for_update(skip_locked=True)
        )
        for agent in idling.all():
            await change_status(session, agent=agent, status="away", automatic=True)
            changed.append((agent.id, "away"))
    return changed


@dataclass(frozen=True, slots=True)
class PresenceNow:
    """An operator's status as read now, and since when they have had it."""

    agent_id: int
    status: str
    reason: str | None
    since: datetime


async def connected(session: AsyncSession) -> list[PresenceNow]:
    """Active operators who are not offline (a socket vouches for them)."""
    rows = await session.scalars(
        select(Agent).where(Agent.active.is_(True), Agent.status != "offline").order_by(Agent.id)
    )
    return [PresenceNow(a.id, a.status, a.status_reason, a.status_changed_at) for a in rows]


async def set_by_schedule(
    session: AsyncSession, *, seen: PresenceNow, status: str, reason: str | None = None
) -> bool:
    """Their shift schedule sets ``status`` (source ``schedule``), provided the operator's
    status is still what the schedule decided on (``seen``): one they change meanwhile
    wins. The row is locked and read again; ``False`` when it changed."""
    agent = await session.get(Agent, seen.agent_id, with_for_update=True, populate_existing=True)
    if (
        agent is None
        or not agent.active
        or (agent.status, agent.status_changed_at) != (seen.status, seen.since)
    ):
        return False
    await change_status(session, agent=agent, status=status, reason=reason, source="schedule")
    return True
