"""Admins' SLA settings (calendars, their inboxes and teams, SLA and OLA policies), a
conversation's targets, and the compliance figures.

Every change announces :data:`~otklik.sla.policies.CONFIG` as changed, so each process drops
its cached snapshot once the change commits (``core/config_cache``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.accounts import service as accounts
from otklik.conversations import queries
from otklik.core import config_cache, side_reads
from otklik.core.errors import forbidden, invalid, not_found
from otklik.sla.models import SlaBreach, SlaCalendar, SlaCalendarLink, SlaClock, SlaPolicy
from otklik.sla.official import official_year
from otklik.sla.policies import CONFIG, PAUSES, build_calendar
from otklik.sla.schemas import (
    BreachOut,
    CalendarIn,
    CalendarOut,
    ClockOut,
    ComplianceRow,
    DayOut,
    DueOut,
    LinksIn,
    PolicyIn,
    PolicyOut,
    YearOut,
)
from otklik.workforce import service as workforce

Grouping = Literal["policy", "team", "assignee", "priority", "target"]


async def _links(session: AsyncSession, calendar_id: int) -> tuple[list[int], list[int]]:
    rows = (
        await session.scalars(
            select(SlaCalendarLink).where(SlaCalendarLink.calendar_id == calendar_id)
        )
    ).all()
    inboxes = sorted(r.scope_id for r in rows if r.scope == "inbox")
    return inboxes, sorted(r.scope_id for r in rows if r.scope == "team")


async def calendar_out(session: AsyncSession, row: SlaCalendar) -> CalendarOut:
    inboxes, teams = await _links(session, row.id)
    return CalendarOut(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        weekly={k: [tuple(s) for s in v] for k, v in (row.weekly or {}).items()},
        country=row.country,
        custom_dates=list(row.custom_dates or []),
        inbox_ids=inboxes,
        team_ids=teams,
        source="shifts" if row.source == "shifts" else "hours",
        team_id=row.team_id,
    )


async def list_calendars(session: AsyncSession) -> list[CalendarOut]:
    rows = (await session.scalars(select(SlaCalendar).order_by(SlaCalendar.id))).all()
    return [await calendar_out(session, row) for row in rows]


async def _calendar(session: AsyncSession, calendar_id: int) -> SlaCalendar:
    row = await session.get(SlaCalendar, calendar_id)
    if row is None:
        raise not_found("Calendar", calendar_id)
    return row


async def _fill(session: AsyncSession, row: SlaCalendar, data: CalendarIn) -> None:
    if data.team_id is not None:
        await accounts.get_team(session, data.team_id)  # 404 for an unknown team
    row.source = data.source
    row.team_id = data.team_id
    row.name = data.name
    row.timezone = data.timezone
    row.weekly = {day: [list(s) for s in spans] for day, spans in data.weekly.items()}
    row.country = data.country
    row.custom_dates = [d.model_dump(mode="json") for d in data.custom_dates]


async def create_calendar(session: AsyncSession, *, data: CalendarIn) -> CalendarOut:
    row = SlaCalendar()
    await _fill(session, row, data)
    session.add(row)
    await session.flush()
    await config_cache.changed(session, CONFIG)
    return await calendar_out(session, row)


async def update_calendar(
    session: AsyncSession, *, calendar_id: int, data: CalendarIn
) -> CalendarOut:
    row = await _calendar(session, calendar_id)
    await _fill(session, row, data)
    await session.flush()
    await config_cache.changed(session, CONFIG)
    return await calendar_out(session, row)


async def delete_calendar(session: AsyncSession, *, calendar_id: int) -> None:
    row = await _calendar(session, calendar_id)
    await session.delete(row)
    await session.flush()
    await config_cache.changed(session, CONFIG)


async def set_links(session: AsyncSession, *, calendar_id: int, data: LinksIn) -> CalendarOut:
    """The inboxes and teams that work by this calendar (each by one calendar at most)."""
    row = await _calendar(session, calendar_id)
    await session.execute(delete(SlaCalendarLink).where(SlaCalendarLink.calendar_id == row.id))
    for scope, ids in (("inbox", data.inbox_ids), ("team", data.team_ids)):
        for scope_id in sorted(set(ids)):
            await session.execute(
                delete(SlaCalendarLink).where(
                    SlaCalendarLink.scope == scope, SlaCalendarLink.scope_id == scope_id
                )
            )
            session.add(SlaCalendarLink(scope=scope, scope_id=scope_id, calendar_id=row.id))
    await session.flush()
    await config_cache.changed(session, CONFIG)
    return await calendar_out(session, row)


async def calendar_year(session: AsyncSession, *, calendar_id: int, year: int) -> YearOut:
    """The year's dates that differ from the weekly hours, and its working totals."""
    if not 1990 <= year <= 2100:
        raise invalid("year: between 1990 and 2100")
    row = await _calendar(session, calendar_id)
    staffed = None
    if row.source == "shifts" and row.team_id is not None:
        staffed = await workforce.staffed_hours(
            session,
            team_id=row.team_id,
            date_from=date(year, 1, 1),
            date_to=date(year, 12, 31),
            tz=row.timezone,
        )
    cal = build_calendar(row, range(year, year + 1), staffed)
    names = official_year(row.country, year).holidays if row.country else {}
    custom = {str(d["date"]): str(d.get("name") or "") for d in row.custom_dates or ()}
    days: list[DayOut] = []
    working_days = minutes = 0
    day = date(year, 1, 1)
    while day.year == year:
        hours = cal.intervals_on(day)
        usual = cal.weekly.get(day.weekday(), ())
        if hours:
            working_days += 1
            minutes += sum(end - start for start, end in hours)
        name = custom.get(day.isoformat()) or names.get(day, "")
        if day in cal.closed and day not in cal.extra and usual:
            days.append(DayOut(date=day, kind="closed", name=name, hours=[]))
        elif day in cal.extra and not usual:
            days.append(DayOut(date=day, kind="working", name=name, hours=list(hours)))
        elif day in cal.shortened and hours:
            days.append(DayOut(date=day, kind="shortened", name=name, hours=list(hours)))
        day += timedelta(days=1)
    return YearOut(year=year, days=days, working_days=working_days, working_minutes=minutes)


def policy_out(row: SlaPolicy) -> PolicyOut:
    return PolicyOut(
        id=row.id,
        name=row.name,
        kind=row.kind,
        position=row.position,
        active=row.active,
        calendar_id=row.calendar_id,
        conditions=dict(row.conditions or {}),
        targets={k: dict(v) for k, v in (row.targets or {}).items()},
        pause_on=list(row.pause_on if row.pause_on is not None else PAUSES),
    )


async def list_policies(session: AsyncSession) -> list[PolicyOut]:
    rows = await session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id))
    return [policy_out(row) for row in rows]


async def _fill_policy(session: AsyncSession, row: SlaPolicy, data: PolicyIn) -> None:
    if data.calendar_id is not None:
        await _calendar(session, data.calendar_id)
    row.name = data.name
    row.kind = data.kind
    row.position = data.position
    row.active = data.active
    row.calendar_id = data.calendar_id
    row.conditions = data.conditions.model_dump(mode="json", exclude_none=True)
    row.targets = {p: t.model_dump(exclude_none=True) for p, t in data.targets.items()}
    row.pause_on = sorted(set(data.pause_on))


async def create_policy(session: AsyncSession, *, data: PolicyIn) -> PolicyOut:
    row = SlaPolicy()
    await _fill_policy(session, row, data)
    session.add(row)
    await session.flush()
    await config_cache.changed(session, CONFIG)
    return policy_out(row)


async def _policy(session: AsyncSession, policy_id: int) -> SlaPolicy:
    row = await session.get(SlaPolicy, policy_id)
    if row is None:
        raise not_found("Policy", policy_id)
    return row


async def update_policy(session: AsyncSession, *, policy_id: int, data: PolicyIn) -> PolicyOut:
    row = await _policy(session, policy_id)
    await _fill_policy(session, row, data)
    await session.flush()
    await config_cache.changed(session, CONFIG)
    return policy_out(row)


async def delete_policy(session: AsyncSession, *, policy_id: int) -> None:
    await session.delete(await _policy(session, policy_id))
    await session.flush()
    await config_cache.changed(session, CONFIG)


async def conversation_clocks(session: AsyncSession, *, conversation_id: int) -> list[ClockOut]:
    """The targets that apply to the conversation and their state (access: who may see it)."""
    await queries.get_conversation(session, conversation_id)
    names = {p.id: p.name for p in (await session.scalars(select(SlaPolicy))).all()}
    rows = await session.scalars(
        select(SlaClock).where(SlaClock.conversation_id == conversation_id)
    )
    return [
        ClockOut(
            target=row.target,
            policy_id=row.policy_id,
            policy_name=names.get(row.policy_id) if row.policy_id is not None else None,
            state=row.state,
            started_at=row.started_at,
            due_at=row.due_at,
            remaining_s=row.remaining_s,
            met_at=row.met_at,
            breached_at=row.breached_at,
        )
        for row in rows
    ]


def report_teams(session: AsyncSession, team_id: int | None) -> frozenset[int] | None:
    """The teams whose figures the caller may see (``None``: all, an admin's), narrowed to
    ``team_id`` if given: supervisors see their own teams', operators none (403)."""
    scope = access.scope_in(session)
    if scope.everything:
        return None if team_id is None else frozenset({team_id})
    if scope.role != "supervisor":
        raise forbidden("Only admins and supervisors see SLA reports.")
    if team_id is None:
        return scope.team_ids
    if team_id not in scope.team_ids:
        raise forbidden("Supervisors see the SLA figures of their own teams.")
    return frozenset({team_id})


async def compliance(
    session: AsyncSession,
    *,
    by: Grouping,
    since: datetime,
    until: datetime,
    team_id: int | None = None,
) -> list[ComplianceRow]:
    """Targets started in ``[since, until)``, grouped: how many were met on time, missed.
    Supervisors count only their teams' conversations (by the team they are with now).
    The two halves of the period are counted at once on two connections
    (``core/side_reads.py``): 1.1 s at 1M conversations for 30 days on SQLite, by team."""
    teams = report_teams(session, team_id)
    counts: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for half in await side_reads.halves(
        session, since, until, lambda s, a, b: _compliance_counts(s, by, a, b, teams)
    ):
        for key, figures in half.items():
            counts[key] = [x + y for x, y in zip(counts[key], figures, strict=True)]
    return [
        ComplianceRow(
            key=key,
            targets=total,
            met=met,
            breached=breached,
            compliance=round(100 * met / (met + breached), 1) if met + breached else None,
        )
        for key, (total, met, breached) in sorted(counts.items(), key=lambda kv: str(kv[0]))
    ]


async def _compliance_counts(
    session: AsyncSession,
    by: Grouping,
    since: datetime,
    until: datetime,
    teams: frozenset[int] | None,
) -> dict[str | None, list[int]]:
    """Per key of ``by``: the targets started in ``[since, until)``, met on time, missed."""
    clock = SlaClock
    on_time = case((and_(clock.breached_at.is_(None), clock.state == "met"), 1), else_=0)
    figures = (func.count(), func.sum(on_time), func.count(clock.breached_at))
    conditions = [clock.started_at >= since, clock.started_at < until]
    keys: dict[str, Any] = {"policy": clock.policy_id, "target": clock.target}
    query: Any
    if teams is None and by in keys:
        key = keys[by]
        query = select(key, *figures)
    else:
        # Supervisors count by the team a conversation is with now; team, operator and
        # priority are the conversation's own now.
        conv = queries.reach_columns().subquery()
        keys.update(team=conv.c.team_id, assignee=conv.c.assignee_id, priority=conv.c.priority)
        key = keys[by]
        query = (
            select(key, *figures).select_from(clock).join(conv, conv.c.id == clock.conversation_id)
        )
        if teams is not None:
            conditions.append(conv.c.team_id.in_(sorted(teams)))
    counts: dict[str | None, list[int]] = {}
    for value, total, met, breached in await session.execute(
        query.where(*conditions).group_by(key)
    ):
        counts[None if value is None else str(value)] = [total, met or 0, breached or 0]
    return counts


async def breaches(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    team_id: int | None = None,
    limit: int = 100,
) -> list[BreachOut]:
    """The targets missed in ``[since, until)``, latest first, with their reasons
    (supervisors: of their teams, as they stood when missed)."""
    teams = report_teams(session, team_id)
    query = (
        select(SlaBreach)
        .where(SlaBreach.breached_at >= since, SlaBreach.breached_at < until)
        .order_by(SlaBreach.breached_at.desc(), SlaBreach.id.desc())
        .limit(limit)
    )
    if teams is not None:
        query = query.where(SlaBreach.team_id.in_(teams))
    rows = (await session.scalars(query)).all()
    met = {
        (c.conversation_id, c.target): c.met_at
        for c in (
            await session.execute(
                select(SlaClock.conversation_id, SlaClock.target, SlaClock.met_at).where(
                    SlaClock.conversation_id.in_({r.conversation_id for r in rows}),
                    SlaClock.met_at.is_not(None),
                )
            )
        ).all()
    }
    return [
        BreachOut(
            id=r.id,
            conversation_id=r.conversation_id,
            target=r.target,
            policy_id=r.policy_id,
            policy_name=r.policy_name,
            target_minutes=r.target_minutes,
            due_at=r.due_at,
            breached_at=r.breached_at,
            inbox_id=r.inbox_id,
            team_id=r.team_id,
            assignee_id=r.assignee_id,
            priority=r.priority,
            reason=r.reason,
            met_at=met.get((r.conversation_id, r.target)),
        )
        for r in rows
    ]


async def due_soonest(
    session: AsyncSession, *, conversation_ids: list[int] | None, limit: int
) -> list[DueOut]:
    """Each conversation's nearest running or missed target, soonest first — of the given
    conversations, or of every conversation the operator may see (``limit`` of them)."""
    query = (
        select(SlaClock.conversation_id, SlaClock.target, SlaClock.state, SlaClock.due_at)
        .where(SlaClock.state.in_(("running", "breached")), SlaClock.due_at.is_not(None))
        .order_by(SlaClock.due_at, SlaClock.conversation_id)
    )
    if conversation_ids is not None:
        query = query.where(SlaClock.conversation_id.in_(conversation_ids))
    found: dict[int, DueOut] = {}
    offset, page = 0, max(limit * 3, 100)
    while len(found) < limit:
        rows = (await session.execute(query.offset(offset).limit(page))).all()
        if not rows:
            break
        offset += page
        visible = await queries.visible_among(session, {r.conversation_id for r in rows})
        for row in rows:
            if row.conversation_id in visible and row.conversation_id not in found:
                found[row.conversation_id] = DueOut(
                    conversation_id=row.conversation_id,
                    target=row.target,
                    state=row.state,
                    due_at=row.due_at,
                )
        if conversation_ids is not None:
            break
    return list(found.values())[:limit]
