"""Shift templates, rotation patterns assigned from a date, the schedule they make, adherence
(scheduled vs actual, minute by minute) and who is on shift now (routing asks).

A template's start is local time in the workspace's time zone, so a 09:00 shift starts at
09:00 on both sides of a DST change; its length is real minutes (a night shift over the
change lasts what it says). A pattern's cycle starts on the assignment's ``starts_on``: day
``n`` after it works ``cycle[n % len(cycle)]``. Operators with no assignment have no
schedule: routing and adherence leave them alone, so a team that does not plan shifts works
as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import service as accounts
from otklik.core.errors import invalid
from otklik.workforce.models import (
    PatternAssignment,
    RotationPattern,
    ShiftTemplate,
    StatusInterval,
)
from otklik.workforce.schemas import (
    AdherenceOut,
    AssignmentIn,
    AssignmentOut,
    BreakIn,
    MissingOut,
    PatternIn,
    PatternOut,
    ShiftOut,
    ShiftTemplateIn,
    ShiftTemplateOut,
)

MINUTE = timedelta(minutes=1)
_zone = ZoneInfo("UTC")


def use_timezone(name: str) -> None:
    """The workspace's time zone, for callers that have no settings at hand (routing asks
    who is off shift inside its transaction). ``create_app`` sets it from the settings."""
    global _zone
    _zone = ZoneInfo(name)


def workspace_zone() -> ZoneInfo:
    return _zone


def _template_out(row: ShiftTemplate) -> ShiftTemplateOut:
    hours, minutes = divmod(row.start_minute, 60)
    return ShiftTemplateOut(
        id=row.id,
        name=row.name,
        start=f"{hours:02d}:{minutes:02d}",
        length_minutes=row.length_minutes,
        breaks=[BreakIn.model_validate(b) for b in row.breaks],
    )


async def create_template(session: AsyncSession, *, data: ShiftTemplateIn) -> ShiftTemplateOut:
    hours, minutes = (int(part) for part in data.start.split(":"))
    row = ShiftTemplate(
        name=data.name,
        start_minute=hours * 60 + minutes,
        length_minutes=data.length_minutes,
        breaks=[b.model_dump() for b in data.breaks],
    )
    session.add(row)
    await session.flush()
    return _template_out(row)


async def list_templates(session: AsyncSession) -> list[ShiftTemplateOut]:
    rows = await session.scalars(select(ShiftTemplate).order_by(ShiftTemplate.id))
    return [_template_out(r) for r in rows]


def preset_cycle(preset: str, template_ids: Sequence[int]) -> list[int | None]:
    """2/2, 5/2, 3/3 with one template; day/evening/night with three (two of each, two off)."""
    if preset == "day/evening/night":
        if len(template_ids) != 3:
            raise invalid("day/evening/night takes three templates: day, evening, night.")
        day, evening, night = template_ids
        return [day, day, evening, evening, night, night, None, None]
    if len(template_ids) != 1:
        raise invalid(f"{preset} takes one template.")
    on, off = {"2/2": (2, 2), "5/2": (5, 2), "3/3": (3, 3)}[preset]
    return [template_ids[0]] * on + [None] * off


async def create_pattern(session: AsyncSession, *, data: PatternIn) -> PatternOut:
    cycle = data.cycle if data.preset is None else preset_cycle(data.preset, data.template_ids)
    assert cycle is not None
    used = {t for t in cycle if t is not None}
    if not used:
        raise invalid("A cycle needs at least one working day.")
    known = set(await session.scalars(select(ShiftTemplate.id).where(ShiftTemplate.id.in_(used))))
    if used - known:
        raise invalid(f"No shift template {min(used - known)}.")
    row = RotationPattern(name=data.name, cycle=list(cycle))
    session.add(row)
    await session.flush()
    return PatternOut(id=row.id, name=row.name, cycle=list(row.cycle))


async def list_patterns(session: AsyncSession) -> list[PatternOut]:
    rows = await session.scalars(select(RotationPattern).order_by(RotationPattern.id))
    return [PatternOut(id=r.id, name=r.name, cycle=list(r.cycle)) for r in rows]


async def assign_pattern(session: AsyncSession, *, data: AssignmentIn) -> AssignmentOut:
    if await session.get(RotationPattern, data.pattern_id) is None:
        raise invalid(f"No rotation pattern {data.pattern_id}.")
    if data.agent_id not in {a.id for a in await accounts.list_agents(session)}:
        raise invalid(f"No operator {data.agent_id}.")
    row = PatternAssignment(
        agent_id=data.agent_id, pattern_id=data.pattern_id, starts_on=data.starts_on
    )
    session.add(row)
    await session.flush()
    return AssignmentOut(
        id=row.id, agent_id=row.agent_id, pattern_id=row.pattern_id, starts_on=row.starts_on
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a schedule is computed from, loaded once."""

    assignments: dict[int, list[PatternAssignment]]
    patterns: dict[int, RotationPattern]
    templates: dict[int, ShiftTemplate]
    zone: ZoneInfo

    def shift(self, agent_id: int, day: date) -> ShiftOut | None:
        current = [a for a in self.assignments.get(agent_id, []) if a.starts_on <= day]
        if not current:
            return None
        assignment = current[-1]
        pattern = self.patterns.get(assignment.pattern_id)
        if pattern is None or not pattern.cycle:
            return None
        template_id = pattern.cycle[(day - assignment.starts_on).days % len(pattern.cycle)]
        template = self.templates.get(template_id) if template_id is not None else None
        if template is None:
            return None
        local = datetime.combine(day, time(template.start_minute // 60, template.start_minute % 60))
        starts = local.replace(tzinfo=self.zone).astimezone(UTC)
        breaks: list[tuple[datetime, datetime, str]] = []
        for item in template.breaks:
            begins = starts + timedelta(minutes=int(item["offset"]))
            breaks.append(
                (begins, begins + timedelta(minutes=int(item["minutes"])), str(item["reason"]))
            )
        return ShiftOut(
            agent_id=agent_id,
            date=day,
            template_id=template.id,
            name=template.name,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=template.length_minutes),
            breaks=breaks,
        )

    def shift_at(self, agent_id: int, moment: datetime) -> ShiftOut | None:
        """The shift ``moment`` falls in (yesterday's night shift too)."""
        today = moment.astimezone(self.zone).date()
        for day in (today - timedelta(days=1), today):
            shift = self.shift(agent_id, day)
            if shift is not None and shift.starts_at <= moment < shift.ends_at:
                return shift
        return None


async def load_plan(
    session: AsyncSession, *, zone: ZoneInfo, agent_ids: Collection[int] | None
) -> Plan:
    query = select(PatternAssignment).order_by(
        PatternAssignment.agent_id, PatternAssignment.starts_on, PatternAssignment.id
    )
    if agent_ids is not None:
        query = query.where(PatternAssignment.agent_id.in_(sorted(agent_ids)))
    assignments: dict[int, list[PatternAssignment]] = defaultdict(list)
    for row in await session.scalars(query):
        assignments[row.agent_id].append(row)
    if not assignments:
        return Plan({}, {}, {}, zone)
    patterns = {p.id: p for p in await session.scalars(select(RotationPattern))}
    templates = {t.id: t for t in await session.scalars(select(ShiftTemplate))}
    return Plan(dict(assignments), patterns, templates, zone)


def schedule(
    plan: Plan, agent_ids: Sequence[int], date_from: date, date_to: date
) -> list[ShiftOut]:
    shifts: list[ShiftOut] = []
    for agent_id in agent_ids:
        day = date_from
        while day <= date_to:
            shift = plan.shift(agent_id, day)
            if shift is not None:
                shifts.append(shift)
            day += timedelta(days=1)
    return shifts


async def off_shift(
    session: AsyncSession, *, agent_ids: Collection[int], at: datetime, zone: ZoneInfo
) -> set[int]:
    """Of ``agent_ids``, those who work by a schedule and are not on a shift at ``at``
    (routing gives them nothing). Operators with no schedule are never off shift."""
    plan = await load_plan(session, zone=zone, agent_ids=agent_ids)
    return {
        agent_id
        for agent_id in plan.assignments
        if any(a.starts_on <= at.astimezone(zone).date() for a in plan.assignments[agent_id])
        and plan.shift_at(agent_id, at) is None
    }


def _status_at(rows: Sequence[StatusInterval], moment: datetime) -> str:
    for row in rows:
        if row.started_at <= moment and (row.ended_at is None or row.ended_at > moment):
            return row.status
    return "offline"


def adherence_of(shift: ShiftOut, rows: Sequence[StatusInterval], now: datetime) -> AdherenceOut:
    """Minute by minute over the shift (up to ``now``): scheduled (not in a scheduled break)
    vs the status at the start of each minute."""
    scheduled = adherent = overrun = 0
    first_in: int | None = None
    last_in: int | None = None
    minute, index = shift.starts_at, 0
    end = min(shift.ends_at, now)
    while minute < end:
        status = _status_at(rows, minute)
        on_break = any(lo <= minute < hi for lo, hi, _ in shift.breaks)
        if status != "offline":
            first_in = index if first_in is None else first_in
            last_in = index
        if not on_break:
            scheduled += 1
            adherent += status == "online"
            overrun += status == "break"
        minute += MINUTE
        index += 1
    elapsed = index
    late = elapsed if first_in is None else first_in
    early = 0
    if shift.ends_at <= now:
        early = elapsed - (last_in + 1) if last_in is not None else 0
    return AdherenceOut(
        agent_id=shift.agent_id,
        date=shift.date,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        scheduled_minutes=scheduled,
        adherent_minutes=adherent,
        adherence=round(adherent / scheduled, 4) if scheduled else None,
        late_login_minutes=late,
        early_leave_minutes=early,
        break_overrun_minutes=overrun,
    )


async def status_rows(
    session: AsyncSession, agent_id: int, start: datetime, end: datetime
) -> list[StatusInterval]:
    rows = await session.scalars(
        select(StatusInterval)
        .where(
            StatusInterval.agent_id == agent_id,
            StatusInterval.started_at < end,
            (StatusInterval.ended_at.is_(None)) | (StatusInterval.ended_at > start),
        )
        .order_by(StatusInterval.started_at, StatusInterval.id)
    )
    return list(rows)


def missing_now(plan: Plan, agents: Sequence[Any], now: datetime) -> list[MissingOut]:
    """On shift, not on a scheduled break, and not online."""
    missing: list[MissingOut] = []
    for agent in agents:
        shift = plan.shift_at(agent.id, now)
        if shift is None or agent.status == "online":
            continue
        if any(lo <= now < hi for lo, hi, _ in shift.breaks):
            continue
        missing.append(
            MissingOut(
                agent_id=agent.id,
                agent_name=agent.name,
                status=agent.status,
                shift_starts_at=shift.starts_at,
                shift_ends_at=shift.ends_at,
            )
        )
    return missing
