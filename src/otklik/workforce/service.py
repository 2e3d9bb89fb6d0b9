"""Workforce reads: who may see whose time, status intervals, timesheets and their CSV.

Access: an admin sees every operator; a supervisor sees themselves and the members of their
teams; an agent sees only themselves. Asking for someone out of sight is a 404, as if they
did not exist (no probing of ids).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import service as accounts
from otklik.accounts.schemas import AgentOut
from otklik.core.clock import utcnow
from otklik.core.errors import invalid, not_found
from otklik.workforce import shifts, timesheet
from otklik.workforce.models import HandlingInterval, StatusInterval
from otklik.workforce.schemas import (
    AdherenceOut,
    IntervalOut,
    MissingOut,
    ShiftOut,
    TimesheetDay,
    TimesheetOut,
)


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who asks: their id and role (``admin``, ``supervisor``, ``agent``)."""

    id: int
    role: str


#: The longest range one timesheet request covers.
MAX_DAYS = 62
BREAK_REASONS = ("lunch", "training", "technical")
CONCURRENCY_KEYS = ("0", "1", "2", "3+")


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid(f"Unknown time zone: {name!r}.") from exc


async def visible_agents(
    session: AsyncSession, *, viewer: Viewer, agent_id: int | None
) -> list[AgentOut]:
    """The operators ``viewer`` may see the time of (only ``agent_id`` when given)."""
    everyone = await accounts.list_agents(session)
    mine = next((a for a in everyone if a.id == viewer.id), None)
    my_teams = set(mine.team_ids) if mine is not None else set()
    if viewer.role == "admin":
        seen = everyone
    elif viewer.role == "supervisor":
        seen = [a for a in everyone if a.id == viewer.id or my_teams & set(a.team_ids)]
    else:
        seen = [a for a in everyone if a.id == viewer.id]
    if agent_id is None:
        return seen
    chosen = [a for a in seen if a.id == agent_id]
    if not chosen:
        raise not_found("Agent", agent_id)
    return chosen


def _check_range(date_from: date, date_to: date) -> None:
    if date_to < date_from:
        raise invalid("date_to is before date_from.")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise invalid(f"A timesheet covers at most {MAX_DAYS} days.")


async def _status_spans(
    session: AsyncSession, agent_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[StatusInterval]]:
    rows = await session.scalars(
        select(StatusInterval)
        .where(
            StatusInterval.agent_id.in_(agent_ids),
            StatusInterval.started_at < end,
            or_(StatusInterval.ended_at.is_(None), StatusInterval.ended_at > start),
        )
        .order_by(StatusInterval.agent_id, StatusInterval.started_at, StatusInterval.id)
    )
    result: dict[int, list[StatusInterval]] = defaultdict(list)
    for row in rows:
        result[row.agent_id].append(row)
    return result


async def _dialog_spans(
    session: AsyncSession, agent_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[timesheet.Span]]:
    rows = await session.scalars(
        select(HandlingInterval).where(
            HandlingInterval.agent_id.in_(agent_ids),
            HandlingInterval.started_at < end,
            or_(HandlingInterval.ended_at.is_(None), HandlingInterval.ended_at > start),
        )
    )
    result: dict[int, list[timesheet.Span]] = defaultdict(list)
    for row in rows:
        result[row.agent_id].append(
            timesheet.Span(str(row.conversation_id), row.started_at, row.ended_at)
        )
    return result


def _status_key(row: StatusInterval) -> str:
    return f"break:{row.reason}" if row.status == "break" and row.reason else row.status


async def intervals(
    session: AsyncSession, *, viewer: Viewer, agent_id: int, day: date | None, tz: str
) -> list[IntervalOut]:
    """The status intervals of an operator that touch ``day`` (a timeline; today in ``tz``
    when ``None``), unclipped."""
    zone = zone_of(tz)
    (agent,) = await visible_agents(session, viewer=viewer, agent_id=agent_id)
    start, end = timesheet.day_window(day or utcnow().astimezone(zone).date(), zone)
    rows = (await _status_spans(session, [agent.id], start, end)).get(agent.id, [])
    return [
        IntervalOut(
            agent_id=r.agent_id,
            status=r.status,
            reason=r.reason,
            source=r.source,
            started_at=r.started_at,
            ended_at=r.ended_at,
        )
        for r in rows
    ]


async def timesheet_of(
    session: AsyncSession,
    *,
    viewer: Viewer,
    date_from: date,
    date_to: date,
    tz: str,
    agent_id: int | None = None,
) -> TimesheetOut:
    """Each visible operator's figures for each day from ``date_from`` to ``date_to``."""
    zone = zone_of(tz)
    _check_range(date_from, date_to)
    agents = await visible_agents(session, viewer=viewer, agent_id=agent_id)
    ids = [a.id for a in agents]
    first, _ = timesheet.day_window(date_from, zone)
    _, last = timesheet.day_window(date_to, zone)
    statuses = await _status_spans(session, ids, first, last) if ids else {}
    dialogs = await _dialog_spans(session, ids, first, last) if ids else {}
    now = utcnow()
    items: list[TimesheetDay] = []
    for agent in agents:
        spans = [
            timesheet.Span(_status_key(r), r.started_at, r.ended_at)
            for r in statuses.get(agent.id, [])
        ]
        day = date_from
        while day <= date_to:
            start, end = timesheet.day_window(day, zone)
            fig = timesheet.figures(spans, dialogs.get(agent.id, []), start, end, now)
            items.append(
                TimesheetDay(
                    agent_id=agent.id,
                    agent_name=agent.name,
                    date=day,
                    logged_in_seconds=round(fig.logged_in),
                    status_seconds={k: round(v) for k, v in sorted(fig.by_status.items())},
                    handle_seconds=round(fig.handle),
                    dialog_seconds=round(fig.dialogs),
                    concurrency_seconds={
                        k: round(v) for k, v in zip(CONCURRENCY_KEYS, fig.concurrency, strict=True)
                    },
                    occupancy=None if fig.occupancy is None else round(fig.occupancy, 4),
                    utilization=None if fig.utilization is None else round(fig.utilization, 4),
                )
            )
            day += timedelta(days=1)
    return TimesheetOut(timezone=tz, date_from=date_from, date_to=date_to, items=items)


CSV_COLUMNS = (
    "agent_id",
    "agent",
    "date",
    "logged_in_s",
    "online_s",
    "away_s",
    *(f"break_{reason}_s" for reason in BREAK_REASONS),
    "handle_s",
    "dialogs_s",
    *(f"concurrent_{k}_s" for k in CONCURRENCY_KEYS),
    "occupancy",
    "utilization",
)


def _cell(value: object) -> str:
    """Text a spreadsheet would run as a formula gets a leading ``'``."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def timesheet_csv(sheet: TimesheetOut) -> str:
    """The timesheet as CSV (UTF-8 with a BOM, so Excel shows Cyrillic names right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for day in sheet.items:
        s = day.status_seconds
        writer.writerow(
            [
                _cell(v)
                for v in (
                    day.agent_id,
                    day.agent_name,
                    day.date.isoformat(),
                    day.logged_in_seconds,
                    s.get("online", 0),
                    s.get("away", 0),
                    *(s.get(f"break:{reason}", 0) for reason in BREAK_REASONS),
                    day.handle_seconds,
                    day.dialog_seconds,
                    *(day.concurrency_seconds[k] for k in CONCURRENCY_KEYS),
                    day.occupancy,
                    day.utilization,
                )
            ]
        )
    return "\ufeff" + out.getvalue()


async def team_schedule(
    session: AsyncSession,
    *,
    viewer: Viewer,
    date_from: date,
    date_to: date,
    tz: str,
    agent_id: int | None = None,
) -> list[ShiftOut]:
    """The shifts of the operators ``viewer`` may see, day by day (a team calendar)."""
    zone = zone_of(tz)
    _check_range(date_from, date_to)
    ids = [a.id for a in await visible_agents(session, viewer=viewer, agent_id=agent_id)]
    plan = await shifts.load_plan(
        session, zone=zone, agent_ids=ids, date_from=date_from, date_to=date_to
    )
    return shifts.schedule(plan, ids, date_from, date_to)


async def adherence(
    session: AsyncSession, *, viewer: Viewer, day: date, tz: str, agent_id: int | None = None
) -> list[AdherenceOut]:
    """Each visible operator's shift of ``day``: scheduled vs actual, minute by minute."""
    zone = zone_of(tz)
    ids = [a.id for a in await visible_agents(session, viewer=viewer, agent_id=agent_id)]
    plan = await shifts.load_plan(session, zone=zone, agent_ids=ids, date_from=day, date_to=day)
    now = utcnow()
    result: list[AdherenceOut] = []
    for shift in shifts.schedule(plan, ids, day, day):
        rows = await shifts.status_rows(session, shift.agent_id, shift.starts_at, shift.ends_at)
        result.append(shifts.adherence_of(shift, rows, now))
    return result


async def missing_now(session: AsyncSession, *, viewer: Viewer, tz: str) -> list[MissingOut]:
    """Who should be online now (on shift, not on a scheduled break) and is not."""
    zone = zone_of(tz)
    agents = [a for a in await visible_agents(session, viewer=viewer, agent_id=None) if a.active]
    now = utcnow()
    today = now.astimezone(zone).date()
    plan = await shifts.load_plan(
        session, zone=zone, agent_ids=[a.id for a in agents], date_from=today, date_to=today
    )
    return shifts.missing_now(plan, agents, now)


async def off_shift(session: AsyncSession, *, agent_ids: Collection[int]) -> set[int]:
    """Of ``agent_ids``, those who work by a schedule and are off shift now: routing gives
    them nothing. Operators with no schedule are never off shift."""
    return await shifts.off_shift(
        session, agent_ids=agent_ids, at=utcnow(), zone=shifts.workspace_zone()
    )


def _local_minutes(starts: datetime, ends: datetime, zone: ZoneInfo) -> list[tuple[date, int, int]]:
    """``starts``..``ends`` as local days' minute spans in ``zone`` (split at midnights)."""
    out: list[tuple[date, int, int]] = []
    a, b = starts.astimezone(zone), ends.astimezone(zone)
    while a < b:
        day = a.date()
        start = a.hour * 60 + a.minute
        if b.date() == day:
            end = b.hour * 60 + b.minute + (1 if b.second or b.microsecond else 0)
        else:
            end = 1440
        if end > start:
            out.append((day, start, end))
        a = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return out


def _union(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


async def staffed_hours(
    session: AsyncSession, *, team_id: int, date_from: date, date_to: date, tz: str
) -> dict[date, tuple[tuple[int, int], ...]]:
    """A team's staffed hours per local day of ``tz`` (minutes from local midnight): the
    union of its members' scheduled shifts, each member's own scheduled breaks excluded (a
    colleague on shift meanwhile still staffs the time). Days nobody works are absent.
    Overrides (edits, approved time off and swaps) count; SLA business calendars read this
    (``sla/policies.py``) rather than the workforce tables."""
    zone = zone_of(tz)
    directory = await accounts.team_directory(session)
    team = directory.by_id.get(team_id)
    if team is None or not team.agent_ids:
        return {}
    ids = sorted(team.agent_ids)
    # A night shift of the day before reaches into ``date_from``; a shift's local day in the
    # workspace zone may differ from its day in ``tz`` by one.
    first, last = date_from - timedelta(days=1), date_to + timedelta(days=1)
    plan = await shifts.load_plan(
        session, zone=shifts.workspace_zone(), agent_ids=ids, date_from=first, date_to=last
    )
    per_day: dict[date, list[tuple[int, int]]] = defaultdict(list)
    for shift in shifts.schedule(plan, ids, first, last):
        pieces: list[tuple[datetime, datetime]] = []
        cursor = shift.starts_at
        for begins, ends, _reason in sorted(shift.breaks):
            if begins > cursor:
                pieces.append((cursor, begins))
            cursor = max(cursor, ends)
        if shift.ends_at > cursor:
            pieces.append((cursor, shift.ends_at))
        for starts, ends in pieces:
            for day, a, b in _local_minutes(starts, ends, zone):
                if date_from <= day <= date_to:
                    per_day[day].append((a, b))
    return {day: _union(spans) for day, spans in sorted(per_day.items())}
