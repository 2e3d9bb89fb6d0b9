"""The sweeper: marks missed targets and warns of those about to be missed.

It runs every few seconds (``jobs/periodic.py``) and reads only running clocks through the
``(state, due_at)`` index, so a pass over 100,000 open conversations costs an index range of
the clocks actually due (``bench/sla.py`` measures it). Each clock is claimed by an UPDATE
guarded by its state, so a breach (or a warning) is announced once, even if two passes race.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations import queries
from otklik.core.clock import utcnow
from otklik.core.events import bus
from otklik.jobs.registry import JobContext, job
from otklik.sla.clocks import CLOCKS
from otklik.sla.events import SlaBreached, SlaWarning
from otklik.sla.models import SlaBreach, SlaPolicy
from otklik.sla.reasons import reason

_C = CLOCKS.c
#: Clocks handled per pass at most (the next pass, seconds later, takes the rest).
BATCH = 500
#: How long before the due time the warning goes out ("SLA in 10 minutes").
WARN_BEFORE = timedelta(minutes=10)


async def _claim(
    session: AsyncSession, rows: Sequence[Any], values: dict[str, Any], *, warned: bool
) -> list[Any]:
    """Claim ``rows`` with one guarded UPDATE … RETURNING: only the clocks still running (and
    not warned yet, for a warning) are returned, so a racing pass gets none of them."""
    if not rows:
        return []
    guard = _C.warned_at.is_(None) if warned else _C.state == "running"
    result = await session.execute(
        update(CLOCKS)
        .where(
            tuple_(_C.conversation_id, _C.target).in_(
                [(r.conversation_id, r.target) for r in rows]
            ),
            _C.state == "running",
            guard,
        )
        .values(**values)
        .returning(_C.conversation_id, _C.target)
    )
    won = {(conversation_id, target) for conversation_id, target in result.all()}
    return [row for row in rows if (row.conversation_id, row.target) in won]


async def sweep(session: AsyncSession, *, now: datetime) -> tuple[int, int]:
    """One pass: returns how many breaches and warnings it announced."""
    cols = (_C.conversation_id, _C.target, _C.policy_id, _C.due_at, _C.target_s)
    due = (
        await session.execute(
            select(*cols)
            .where(_C.state == "running", _C.due_at <= now)
            .order_by(_C.due_at)
            .limit(BATCH)
        )
    ).all()
    soon = (
        await session.execute(
            select(*cols)
            .where(
                _C.state == "running",
                _C.due_at > now,
                _C.due_at <= now + WARN_BEFORE,
                _C.warned_at.is_(None),
            )
            .order_by(_C.due_at)
            .limit(BATCH)
        )
    ).all()
    if not due and not soon:
        return 0, 0
    breached = await _claim(session, due, {"state": "breached", "breached_at": now}, warned=False)
    warned = await _claim(session, soon, {"warned_at": now}, warned=True)
    reaches = await queries.reaches_of(
        session, {row.conversation_id for row in (*breached, *warned)}
    )
    await _record(session, breached, reaches, now)
    for kind, rows in ((SlaBreached, breached), (SlaWarning, warned)):
        for row in rows:
            known = reaches.get(row.conversation_id)
            if known is None:
                continue
            await bus.emit(
                session,
                kind(
                    conversation_id=row.conversation_id,
                    target=row.target,
                    policy_id=row.policy_id,
                    due_at=row.due_at,
                    reach=known[0],
                ),
            )
    return len(breached), len(warned)


async def _record(
    session: AsyncSession, rows: Sequence[Any], reaches: dict[int, Any], now: datetime
) -> None:
    """One :class:`SlaBreach` per claimed breach, with the conversation's hands then."""
    if not rows:
        return
    ids = {row.policy_id for row in rows if row.policy_id is not None}
    found = await session.execute(select(SlaPolicy.id, SlaPolicy.name).where(SlaPolicy.id.in_(ids)))
    names: dict[int, str] = {policy_id: name for policy_id, name in found.all()}
    records = []
    for row in rows:
        known = reaches.get(row.conversation_id)
        if known is None:
            continue
        reach, priority = known
        minutes = int(row.target_s or 0) // 60
        records.append(
            {
                "conversation_id": row.conversation_id,
                "target": row.target,
                "policy_id": row.policy_id,
                "policy_name": names.get(row.policy_id),
                "target_minutes": minutes,
                "due_at": row.due_at,
                "breached_at": now,
                "inbox_id": reach.inbox_id,
                "team_id": reach.team_id,
                "assignee_id": reach.assignee_id,
                "priority": priority,
                "reason": reason(row.target, minutes),
            }
        )
    if records:
        await session.execute(insert(SlaBreach), records)


@job("sla.sweep")
async def sweep_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    await sweep(ctx.session, now=utcnow())
