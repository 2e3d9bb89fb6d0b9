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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import service as accounts
from otklik.core.errors import conflict, invalid, not_found
from otklik.core.events import bus
from otklik.workforce.events import ScheduleChanged
from otklik.workforce.models import (
    PatternAssignment,
    RotationPattern,
    ShiftOverride,
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
    PatternUpdate,
    ShiftOut,
    ShiftSource,
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


#: How far ahead a pattern change is announced (clients refetch what they show anyway).
ANNOUNCE_DAYS = 366


async def announce(session: AsyncSession, assignments: Sequence[PatternAssignment]) -> None:
    """Tell the operators of ``assignments`` (and their leads) live that their schedule
    changed from the assignment's start on (``workforce.schedule_changed``)."""
    if not assignments:
        return
    agents = {a.id: a for a in await accounts.list_agents(session)}
    firsts: dict[int, date] = {}
    for row in assignments:
        firsts[row.agent_id] = min(firsts.get(row.agent_id, row.starts_on), row.starts_on)
    for agent_id, first in sorted(firsts.items()):
        agent = agents.get(agent_id)
        if agent is not None:
            await bus.emit(
                session,
                ScheduleChanged(
                    agent_id=agent_id,
                    team_ids=tuple(agent.team_ids),
                    date_from=first,
                    date_to=first + timedelta(days=ANNOUNCE_DAYS),
                    kind="pattern",
                ),
            )


async def _assigned_to(
    session: AsyncSession, pattern_ids: Collection[int]
) -> list[PatternAssignment]:
    rows = await session.scalars(
        select(PatternAssignment).where(PatternAssignment.pattern_id.in_(sorted(pattern_ids)))
    )
    return list(rows)


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


async def _template(session: AsyncSession, template_id: int) -> ShiftTemplate:
    row = await session.get(ShiftTemplate, template_id)
    if row is None:
        raise not_found("Shift template", template_id)
    return row


async def update_template(
    session: AsyncSession, *, template_id: int, data: ShiftTemplateIn
) -> ShiftTemplateOut:
    """Change a template: every pattern day of it follows (edited days keep their own
    times and take its new breaks)."""
    row = await _template(session, template_id)
    hours, minutes = (int(part) for part in data.start.split(":"))
    row.name = data.name
    row.start_minute = hours * 60 + minutes
    row.length_minutes = data.length_minutes
    row.breaks = [b.model_dump() for b in data.breaks]
    await session.flush()
    users = [p.id for p in await session.scalars(select(RotationPattern)) if row.id in p.cycle]
    await announce(session, await _assigned_to(session, users))
    return _template_out(row)


async def delete_template(session: AsyncSession, *, template_id: int) -> None:
    """Refused (409) while a rotation pattern uses it; edited days placed from it keep
    their times and lose the name and breaks."""
    row = await _template(session, template_id)
    users = [
        p.name for p in await session.scalars(select(RotationPattern)) if template_id in p.cycle
    ]
    if users:
        raise conflict(f"Rotation patterns use this template: {', '.join(sorted(users))}.")
    await session.execute(
        update(ShiftOverride)
        .where(ShiftOverride.template_id == template_id)
        .values(template_id=None)
    )
    await session.delete(row)
    await session.flush()


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


async def _check_cycle(session: AsyncSession, cycle: Sequence[int | None]) -> None:
    used = {t for t in cycle if t is not None}
    if not used:
        raise invalid("A cycle needs at least one working day.")
    known = set(await session.scalars(select(ShiftTemplate.id).where(ShiftTemplate.id.in_(used))))
    if used - known:
        raise invalid(f"No shift template {min(used - known)}.")


async def create_pattern(session: AsyncSession, *, data: PatternIn) -> PatternOut:
    cycle = data.cycle if data.preset is None else preset_cycle(data.preset, data.template_ids)
    assert cycle is not None
    await _check_cycle(session, cycle)
    row = RotationPattern(name=data.name, cycle=list(cycle))
    session.add(row)
    await session.flush()
    return PatternOut(id=row.id, name=row.name, cycle=list(row.cycle))


async def _pattern(session: AsyncSession, pattern_id: int) -> RotationPattern:
    row = await session.get(RotationPattern, pattern_id)
    if row is None:
        raise not_found("Rotation pattern", pattern_id)
    return row


async def update_pattern(
    session: AsyncSession, *, pattern_id: int, data: PatternUpdate
) -> PatternOut:
    """A new name and cycle; the operators assigned to it work the new cycle from their
    assignment's start (their edited days stay)."""
    row = await _pattern(session, pattern_id)
    await _check_cycle(session, data.cycle)
    row.name = data.name
    row.cycle = list(data.cycle)
    await session.flush()
    await announce(session, await _assigned_to(session, [row.id]))
    return PatternOut(id=row.id, name=row.name, cycle=list(row.cycle))


async def delete_pattern(session: AsyncSession, *, pattern_id: int) -> None:
    """Refused (409) while operators are assigned to it: a schedule never changes behind
    the lead's back. Remove (or replace) the assignments first."""
    row = await _pattern(session, pattern_id)
    assigned = await session.scalar(
        select(func.count()).where(PatternAssignment.pattern_id == pattern_id)
    )
    if assigned:
        raise conflict(f"{assigned} assignment(s) use this pattern; remove them first.")
    await session.delete(row)
    await session.flush()


async def list_assignments(
    session: AsyncSession, *, agent_ids: Collection[int]
) -> list[AssignmentOut]:
    rows = await session.scalars(
        select(PatternAssignment)
        .where(PatternAssignment.agent_id.in_(sorted(agent_ids)))
        .order_by(PatternAssignment.agent_id, PatternAssignment.starts_on, PatternAssignment.id)
    )
    return [
        AssignmentOut(id=r.id, agent_id=r.agent_id, pattern_id=r.pattern_id, starts_on=r.starts_on)
        for r in rows
    ]


async def assignment_agent(session: AsyncSession, assignment_id: int) -> int:
    row = await session.get(PatternAssignment, assignment_id)
    if row is None:
        raise not_found("Assignment", assignment_id)
    return row.agent_id


async def delete_assignment(session: AsyncSession, *, assignment_id: int) -> None:
    row = await session.get(PatternAssignment, assignment_id)
    if row is None:
        raise not_found("Assignment", assignment_id)
    await session.delete(row)
    await session.flush()
    await announce(session, [row])


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
    await announce(session, [row])
    return AssignmentOut(
        id=row.id, agent_id=row.agent_id, pattern_id=row.pattern_id, starts_on=row.starts_on
    )


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a schedule is computed from, loaded once: the patterns, and the days
    edited on top of them (``overrides`` by operator and local day; only the loaded range)."""

    assignments: dict[int, list[PatternAssignment]]
    patterns: dict[int, RotationPattern]
    templates: dict[int, ShiftTemplate]
    zone: ZoneInfo
    overrides: dict[tuple[int, date], ShiftOverride] = field(default_factory=dict)

    def _breaks(
        self, template: ShiftTemplate | None, starts: datetime, ends: datetime
    ) -> list[tuple[datetime, datetime, str]]:
        breaks: list[tuple[datetime, datetime, str]] = []
        for item in template.breaks if template is not None else []:
            begins = starts + timedelta(minutes=int(item["offset"]))
            finish = begins + timedelta(minutes=int(item["minutes"]))
            if finish <= ends:  # a shortened shift loses the breaks past its end
                breaks.append((begins, finish, str(item["reason"])))
        return breaks

    def pattern_shift(self, agent_id: int, day: date) -> ShiftOut | None:
        """The shift the operator's pattern gives them on ``day`` (overrides aside)."""
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
        ends = starts + timedelta(minutes=template.length_minutes)
        return ShiftOut(
            agent_id=agent_id,
            date=day,
            template_id=template.id,
            name=template.name,
            starts_at=starts,
            ends_at=ends,
            breaks=self._breaks(template, starts, ends),
        )

    def shift(self, agent_id: int, day: date) -> ShiftOut | None:
        """The operator's shift on ``day``: the day's override when there is one (``None``
        for a day off), else the pattern's."""
        override = self.overrides.get((agent_id, day))
        if override is None:
            return self.pattern_shift(agent_id, day)
        if override.starts_at is None or override.ends_at is None:
            return None
        template = self.templates.get(override.template_id) if override.template_id else None
        return ShiftOut(
            agent_id=agent_id,
            date=day,
            template_id=template.id if template is not None else None,
            name=template.name if template is not None else "",
            starts_at=override.starts_at,
            ends_at=override.ends_at,
            breaks=self._breaks(template, override.starts_at, override.ends_at),
            source=cast(ShiftSource, override.kind),
        )

    def scheduled_on(self, agent_id: int, day: date) -> bool:
        """Whether the operator works by a schedule on ``day``: a pattern assigned from
        then or before, or a day edited in the calendar (that day or the day before)."""
        if any(a.starts_on <= day for a in self.assignments.get(agent_id, [])):
            return True
        return any((agent_id, d) in self.overrides for d in (day, day - timedelta(days=1)))

    def shift_at(self, agent_id: int, moment: datetime) -> ShiftOut | None:
        """The shift ``moment`` falls in (yesterday's night shift too)."""
        today = moment.astimezone(self.zone).date()
        for day in (today - timedelta(days=1), today):
            shift = self.shift(agent_id, day)
            if shift is not None and shift.starts_at <= moment < shift.ends_at:
                return shift
        return None


async def load_plan(
    session: AsyncSession,
    *,
    zone: ZoneInfo,
    agent_ids: Collection[int] | None,
    date_from: date | None = None,
    date_to: date | None = None,
) -> Plan:
    """The plan of ``agent_ids`` (everyone: ``None``); overrides from the day before
    ``date_from`` (a night shift reaching into it) to ``date_to`` (all when not given)."""
    query = select(PatternAssignment).order_by(
        PatternAssignment.agent_id, PatternAssignment.starts_on, PatternAssignment.id
    )
    edits = select(ShiftOverride)
    if agent_ids is not None:
        query = query.where(PatternAssignment.agent_id.in_(sorted(agent_ids)))
        edits = edits.where(ShiftOverride.agent_id.in_(sorted(agent_ids)))
    if date_from is not None:
        edits = edits.where(ShiftOverride.day >= date_from - timedelta(days=1))
    if date_to is not None:
        edits = edits.where(ShiftOverride.day <= date_to)
    assignments: dict[int, list[PatternAssignment]] = defaultdict(list)
    for row in await session.scalars(query):
        assignments[row.agent_id].append(row)
    overrides = {(o.agent_id, o.day): o for o in await session.scalars(edits)}
    if not assignments and not overrides:
        return Plan({}, {}, {}, zone)
    patterns = {p.id: p for p in await session.scalars(select(RotationPattern))}
    templates = {t.id: t for t in await session.scalars(select(ShiftTemplate))}
    return Plan(dict(assignments), patterns, templates, zone, overrides)


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
    today = at.astimezone(zone).date()
    plan = await load_plan(session, zone=zone, agent_ids=agent_ids, date_from=today, date_to=today)
    return {
        agent_id
        for agent_id in agent_ids
        if plan.scheduled_on(agent_id, today) and plan.shift_at(agent_id, at) is None
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
