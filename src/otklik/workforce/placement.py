"""Accepting a schedule suggestion into the team calendar.

The suggestion (``suggestion.py``) says how many operators work which shift on which day;
the lead picks who. :func:`propose` pre-fills that choice (the lead's operators with the
fewest shifts that week, nobody twice a day, nobody on approved time off); :func:`accept`
places the lead's final choice through the calendar's ``place_shift``, all of it or, on
the first refusal, none (the caller's transaction rolls back), so a half-accepted week
never reaches the calendar.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.errors import conflict, forbidden, invalid
from otklik.workforce import calendar, shifts
from otklik.workforce.schemas import (
    FilledShift,
    Operator,
    PlacementIn,
    ShiftOut,
    ShiftToFill,
)
from otklik.workforce.service import Viewer, visible_agents

Span = tuple[datetime, datetime]


def _require_lead(viewer: Viewer) -> None:
    if viewer.role not in ("admin", "supervisor"):
        raise forbidden("Only supervisors and admins edit the schedule.")


def _time_off(plan: shifts.Plan, agent_id: int, day: date) -> bool:
    override = plan.overrides.get((agent_id, day))
    return override is not None and override.kind == "time_off"


async def accept(
    session: AsyncSession, *, viewer: Viewer, placements: Sequence[PlacementIn]
) -> list[ShiftOut]:
    """Place every placement (in the order given) for ``viewer``, who must lead each
    operator (403 for an agent, 404 for an operator out of a supervisor's teams).

    Refused as a whole: two placements of one operator on one local day (422), a
    placement on an approved day off (409), and whatever ``place_shift`` refuses (an
    unknown template, a shift overlapping the day before's or after's — 422/409). The
    caller's transaction must roll back on the error: earlier placements are flushed."""
    _require_lead(viewer)
    for agent_id in dict.fromkeys(p.agent_id for p in placements):
        await calendar.lead_of(session, viewer=viewer, agent_id=agent_id)
    zone = shifts.workspace_zone()
    days = [(p.agent_id, p.starts_at.astimezone(zone).date()) for p in placements]
    twice = sorted({key for key, n in Counter(days).items() if n > 1})
    if twice:
        agent_id, day = twice[0]
        raise invalid(f"Operator {agent_id} is given two shifts on {day.isoformat()}.")
    plan = await shifts.load_plan(
        session,
        zone=zone,
        agent_ids={a for a, _ in days},
        date_from=min(d for _, d in days),
        date_to=max(d for _, d in days),
    )
    for agent_id, day in days:
        if _time_off(plan, agent_id, day):
            raise conflict(f"Operator {agent_id} has approved time off on {day.isoformat()}.")
    placed: list[ShiftOut] = []
    for p in placements:
        placed.append(
            await calendar.place_shift(
                session,
                agent_id=p.agent_id,
                starts_at=p.starts_at,
                ends_at=p.ends_at,
                template_id=p.template_id,
                by_agent_id=viewer.id,
            )
        )
    return placed


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


async def propose(
    session: AsyncSession, *, viewer: Viewer, wanted: Sequence[ShiftToFill]
) -> tuple[list[FilledShift], list[Operator]]:
    """Operators for each suggested shift, and everyone the lead may place.

    Candidates are the active operators (role ``agent``) ``viewer`` leads. For each shift,
    earliest first, the ones with the fewest shifts in the shifts' range (what they already
    work plus what this proposal gave them) come first, ties by id. Skipped: an operator
    on approved time off that day, one who already works that day (placing would replace
    that shift, not add one) or was proposed for it, and one whose shift the day before or
    after overlaps it. A shift may get fewer than ``count`` people."""
    _require_lead(viewer)
    for item in wanted:
        if item.ends_at <= item.starts_at:
            raise invalid("A shift ends after it starts.")
    team = [
        a
        for a in await visible_agents(session, viewer=viewer, agent_id=None)
        if a.active and a.role == "agent"
    ]
    operators = [Operator(id=a.id, name=a.name) for a in sorted(team, key=lambda a: a.name)]
    zone = shifts.workspace_zone()
    ordered = sorted(wanted, key=lambda w: w.starts_at)
    local_days = [w.starts_at.astimezone(zone).date() for w in wanted]
    first, last = min(local_days), max(local_days)
    if (last - first).days > 31:
        raise invalid("The shifts to fill span at most a month.")
    plan = await shifts.load_plan(
        session,
        zone=zone,
        agent_ids=[a.id for a in team],
        date_from=first - timedelta(days=1),
        date_to=last + timedelta(days=1),
    )
    # (operator, local day) → the shift they work; proposals replace free days only
    working: dict[tuple[int, date], Span] = {}
    load: Counter[int] = Counter()
    day = first - timedelta(days=1)
    while day <= last + timedelta(days=1):
        for a in team:
            shift = plan.shift(a.id, day)
            if shift is not None:
                working[(a.id, day)] = (shift.starts_at, shift.ends_at)
                if first <= day <= last:
                    load[a.id] += 1
        day += timedelta(days=1)

    def free(agent_id: int, on: date, span: Span) -> bool:
        if (agent_id, on) in working or _time_off(plan, agent_id, on):
            return False
        return not any(
            (agent_id, near) in working and _overlaps(working[(agent_id, near)], span)
            for near in (on - timedelta(days=1), on + timedelta(days=1))
        )

    chosen: dict[int, list[int]] = {}
    for item in ordered:
        on = item.starts_at.astimezone(zone).date()
        span = (item.starts_at, item.ends_at)
        picks: list[int] = []
        for a in sorted(team, key=lambda a: (load[a.id], a.id)):
            if len(picks) == item.count:
                break
            if free(a.id, on, span):
                picks.append(a.id)
                working[(a.id, on)] = span
                load[a.id] += 1
        chosen[id(item)] = picks
    filled = [
        FilledShift(
            date=on,
            template_id=item.template_id,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            count=item.count,
            agent_ids=chosen[id(item)],
        )
        for item, on in zip(wanted, local_days, strict=True)
    ]
    return filled, operators
