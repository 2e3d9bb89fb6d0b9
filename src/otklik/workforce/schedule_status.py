"""Statuses set by the shift schedule (issue 17: "set by the operator, by schedule, or
automatically"), when the workspace turns it on (``WorkforceSettings.schedule_status``).

Every minute (the periodic ``workforce.schedule_status`` job, once across all workers), for
operators who are connected (online or on a break) and have a shift:

* a scheduled break of their shift has begun and they are online — online since before it
  began, so they did not just choose it — → ``break`` with the break's reason;
* that break is over and they are still in the break the schedule set (the last status
  anyone chose for them was the schedule's break: a socket that dropped and came back does
  not count as a choice) → ``online``;
* their shift ended ``shift_end_grace_minutes`` ago and they are still online since before
  then → ``away``, once they hold no open conversation or, at the latest,
  ``shift_end_limit_minutes`` after the end.

The schedule never fights the operator: it acts once per break and shift end (a status they
choose afterwards stays), never on a status they set by hand, and only if the status it read
is still there under the row lock. Each change is the ordinary presence change with source
``schedule``: routing, live frames and the status intervals follow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import service as accounts
from otklik.accounts.presence import PresenceNow
from otklik.audit import service as audit
from otklik.conversations import queries as conversations
from otklik.core.clock import utcnow
from otklik.jobs.registry import JobContext, job
from otklik.workforce.models import StatusInterval
from otklik.workforce.schemas import ShiftOut, WorkforceSettings
from otklik.workforce.shifts import Plan, load_plan

SETTINGS_KEY = "workforce"
JOB = "workforce.schedule_status"


async def settings(session: AsyncSession) -> WorkforceSettings:
    """The workspace's workforce settings (the defaults until an admin saves them)."""
    stored = await accounts.workspace_setting(session, SETTINGS_KEY)
    try:
        return WorkforceSettings.model_validate(stored or {})
    except ValidationError:  # written by an older version: the defaults, never a 500
        return WorkforceSettings()


async def save_settings(
    session: AsyncSession, *, data: WorkforceSettings, actor_id: int, ip: str | None
) -> WorkforceSettings:
    before = await settings(session)
    await accounts.save_workspace_setting(
        session, key=SETTINGS_KEY, value=data.model_dump(), actor_id=actor_id
    )
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="settings.workforce_changed",
        data={"before": before.model_dump(), "after": data.model_dump()},
        ip=ip,
    )
    return data


@dataclass(frozen=True, slots=True)
class Change:
    agent_id: int
    status: str
    reason: str | None = None


def _ended_shift(plan: Plan, agent_id: int, now: datetime) -> ShiftOut | None:
    """The operator's latest shift that is over at ``now`` (yesterday's or today's)."""
    today = now.astimezone(plan.zone).date()
    ended = [
        shift
        for day in (today - timedelta(days=1), today)
        if (shift := plan.shift(agent_id, day)) is not None and shift.ends_at <= now
    ]
    return max(ended, key=lambda s: s.ends_at, default=None)


async def _last_chosen(session: AsyncSession, agent_ids: list[int]) -> dict[int, StatusInterval]:
    """Each operator's latest status somebody chose (operator or schedule): what the
    system did on its own (sockets gone, idle, back) is not a choice."""
    if not agent_ids:
        return {}
    latest = (
        select(func.max(StatusInterval.id))
        .where(StatusInterval.agent_id.in_(agent_ids), StatusInterval.source != "auto")
        .group_by(StatusInterval.agent_id)
    )
    rows = await session.scalars(select(StatusInterval).where(StatusInterval.id.in_(latest)))
    return {row.agent_id: row for row in rows}


async def apply(session: AsyncSession, *, now: datetime, zone: ZoneInfo) -> list[Change]:
    """Set the statuses the schedule calls for at ``now``; returns what changed."""
    config = await settings(session)
    if not config.schedule_status:
        return []
    people = [p for p in await accounts.connected_presence(session) if p.status != "away"]
    if not people:
        return []
    today = now.astimezone(zone).date()
    plan = await load_plan(
        session,
        zone=zone,
        agent_ids=[p.agent_id for p in people],
        date_from=today - timedelta(days=1),
        date_to=today,
    )
    if not plan.assignments and not plan.overrides:
        return []
    grace = timedelta(minutes=config.shift_end_grace_minutes)
    limit = timedelta(minutes=config.shift_end_limit_minutes)
    chosen = await _last_chosen(session, [p.agent_id for p in people if p.status == "break"])
    leaving: dict[int, ShiftOut] = {}
    planned: list[tuple[PresenceNow, Change]] = []
    for person in people:
        shift = plan.shift_at(person.agent_id, now)
        on_break = next((b for b in shift.breaks if b[0] <= now < b[1]), None) if shift else None
        if person.status == "online" and on_break is not None:
            if person.since < on_break[0]:
                planned.append((person, Change(person.agent_id, "break", on_break[2])))
        elif person.status == "online" and shift is None:
            ended = _ended_shift(plan, person.agent_id, now)
            if ended is not None and person.since < ended.ends_at + grace <= now:
                leaving[person.agent_id] = ended
                planned.append((person, Change(person.agent_id, "away")))
        elif person.status == "break" and on_break is None:
            last = chosen.get(person.agent_id)
            if last is not None and (last.source, last.status) == ("schedule", "break"):
                planned.append((person, Change(person.agent_id, "online")))
    if leaving:
        busy = await conversations.open_assigned_counts(session, agent_ids=leaving)
        planned = [
            (person, change)
            for person, change in planned
            if change.agent_id not in leaving
            or not busy.get(change.agent_id)
            or now >= leaving[change.agent_id].ends_at + limit
        ]
    done: list[Change] = []
    for person, change in planned:
        if await accounts.set_status_by_schedule(
            session, seen=person, status=change.status, reason=change.reason
        ):
            done.append(change)
    return done


@job(JOB)
async def run(ctx: JobContext, payload: dict[str, Any]) -> None:
    await apply(ctx.session, now=utcnow(), zone=ZoneInfo(ctx.settings.workspace_timezone))
