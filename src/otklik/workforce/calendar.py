"""The team calendar: concrete days edited on top of the rotation patterns.

An override belongs to one operator and one local day (the day its shift starts on) and
replaces what the pattern says for that day: a shift from ``starts_at`` to ``ends_at``
(moved, resized or added), or none (a day off). The computed schedule, adherence and
routing's "off shift" all read days through :class:`shifts.Plan`, which applies them.

:func:`place_shift` and :func:`remove_shift` are the entry points for other code (accepting
a suggested schedule calls :func:`place_shift` once per shift); they check the data, not who
asks: the API checks that with :func:`lead_of` first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import service as accounts
from otklik.accounts.schemas import AgentOut
from otklik.core.errors import conflict, forbidden, invalid
from otklik.core.events import bus
from otklik.workforce import shifts
from otklik.workforce.events import ScheduleChanged
from otklik.workforce.models import ShiftOverride, ShiftTemplate
from otklik.workforce.schemas import OverrideOut, ShiftOut
from otklik.workforce.service import Viewer, visible_agents

#: The longest shift one can place.
MAX_SHIFT = timedelta(hours=24)


async def lead_of(session: AsyncSession, *, viewer: Viewer, agent_id: int) -> AgentOut:
    """The operator ``agent_id`` if ``viewer`` leads them: an admin leads everyone, a
    supervisor the members of their teams (and themselves). An agent is refused (403); an
    operator out of a supervisor's sight does not exist for them (404)."""
    if viewer.role not in ("admin", "supervisor"):
        raise forbidden("Only supervisors and admins edit the schedule.")
    (agent,) = await visible_agents(session, viewer=viewer, agent_id=agent_id)
    return agent


async def agent_of(session: AsyncSession, agent_id: int) -> AgentOut:
    found = next((a for a in await accounts.list_agents(session) if a.id == agent_id), None)
    if found is None:
        raise invalid(f"No operator {agent_id}.")
    return found


def override_out(row: ShiftOverride) -> OverrideOut:
    return OverrideOut(
        id=row.id,
        agent_id=row.agent_id,
        date=row.day,
        kind=row.kind,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        template_id=row.template_id,
        request_id=row.request_id,
    )


async def set_day(
    session: AsyncSession,
    *,
    agent_id: int,
    day: date,
    span: tuple[datetime, datetime] | None,
    template_id: int | None,
    kind: str,
    by_agent_id: int | None,
    request_id: int | None = None,
) -> ShiftOverride:
    """Write the operator's ``day``: the shift ``span`` or, with ``None``, a day off (no
    checks, no event: the callers do both)."""
    row = await session.scalar(
        select(ShiftOverride).where(ShiftOverride.agent_id == agent_id, ShiftOverride.day == day)
    )
    if row is None:
        row = ShiftOverride(agent_id=agent_id, day=day)
        session.add(row)
    row.starts_at, row.ends_at = span if span is not None else (None, None)
    row.template_id = template_id if span is not None else None
    row.kind = kind
    row.request_id = request_id
    row.by_agent_id = by_agent_id
    try:
        await session.flush()
    except IntegrityError as exc:  # another edit of the same day committed in between
        raise conflict("The day was edited at the same moment; try again.") from exc
    return row


def _overlaps(shift: ShiftOut | None, starts: datetime, ends: datetime) -> bool:
    return shift is not None and shift.starts_at < ends and starts < shift.ends_at


async def check_fits(
    session: AsyncSession, *, agent_id: int, day: date, starts: datetime, ends: datetime
) -> None:
    """A shift on ``day`` must not overlap the operator's shifts of the days around it."""
    zone = shifts.workspace_zone()
    before, after = day - timedelta(days=1), day + timedelta(days=1)
    plan = await shifts.load_plan(
        session, zone=zone, agent_ids=[agent_id], date_from=before, date_to=after
    )
    if _overlaps(plan.shift(agent_id, before), starts, ends) or _overlaps(
        plan.shift(agent_id, after), starts, ends
    ):
        raise conflict("The shift overlaps the operator's shift of the day before or after.")


async def changed(
    session: AsyncSession, agent: AgentOut, first: date, last: date, kind: str
) -> None:
    await bus.emit(
        session,
        ScheduleChanged(
            agent_id=agent.id,
            team_ids=tuple(agent.team_ids),
            date_from=min(first, last),
            date_to=max(first, last),
            kind=kind,
        ),
    )


async def place_shift(
    session: AsyncSession,
    *,
    agent_id: int,
    starts_at: datetime,
    ends_at: datetime,
    template_id: int | None,
    by_agent_id: int | None,
) -> ShiftOut:
    """Give ``agent_id`` the shift ``starts_at``..``ends_at`` (aware instants). It replaces
    whatever that operator had on the local day (workspace time zone) it starts on — the
    pattern's shift, a day off or an earlier edit. ``template_id`` names the shift and
    lends it its breaks (those that fit); ``None`` is a shift without breaks.
    ``by_agent_id`` is who placed it (recorded). Who may is the caller's check.

    Raises 422 for an unknown operator or template, an end not after the start, a naive
    time or a shift over 24 hours; 409 if it overlaps the day before's or after's shift.
    """
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise invalid("Shift times need a time zone.")
    if ends_at <= starts_at:
        raise invalid("A shift ends after it starts.")
    if ends_at - starts_at > MAX_SHIFT:
        raise invalid("A shift lasts at most 24 hours.")
    agent = await agent_of(session, agent_id)
    if template_id is not None and await session.get(ShiftTemplate, template_id) is None:
        raise invalid(f"No shift template {template_id}.")
    zone = shifts.workspace_zone()
    day = starts_at.astimezone(zone).date()
    await check_fits(session, agent_id=agent_id, day=day, starts=starts_at, ends=ends_at)
    await set_day(
        session,
        agent_id=agent_id,
        day=day,
        span=(starts_at, ends_at),
        template_id=template_id,
        kind="edit",
        by_agent_id=by_agent_id,
    )
    await changed(session, agent, day, day, "edit")
    plan = await shifts.load_plan(
        session, zone=zone, agent_ids=[agent_id], date_from=day, date_to=day
    )
    placed = plan.shift(agent_id, day)
    assert placed is not None
    return placed


async def remove_shift(
    session: AsyncSession, *, agent_id: int, day: date, by_agent_id: int | None
) -> None:
    """Make ``day`` (local) a day off for ``agent_id``, whatever the pattern says."""
    agent = await agent_of(session, agent_id)
    await set_day(
        session,
        agent_id=agent_id,
        day=day,
        span=None,
        template_id=None,
        kind="edit",
        by_agent_id=by_agent_id,
    )
    await changed(session, agent, day, day, "edit")


async def reset_day(session: AsyncSession, *, agent_id: int, day: date) -> None:
    """Drop the edit of ``day``: the operator's pattern says again what they work."""
    agent = await agent_of(session, agent_id)
    await session.execute(
        delete(ShiftOverride).where(ShiftOverride.agent_id == agent_id, ShiftOverride.day == day)
    )
    await changed(session, agent, day, day, "edit")


async def move_shift(
    session: AsyncSession,
    *,
    from_agent_id: int,
    from_date: date,
    agent_id: int,
    starts_at: datetime,
    ends_at: datetime,
    template_id: int | None,
    by_agent_id: int | None,
) -> ShiftOut:
    """Drag and drop: the day ``from_date`` of ``from_agent_id`` becomes a day off and the
    shift is placed anew, in one transaction (unless it stays on its own day)."""
    day = starts_at.astimezone(shifts.workspace_zone()).date()
    if (from_agent_id, from_date) != (agent_id, day):
        await remove_shift(session, agent_id=from_agent_id, day=from_date, by_agent_id=by_agent_id)
    return await place_shift(
        session,
        agent_id=agent_id,
        starts_at=starts_at,
        ends_at=ends_at,
        template_id=template_id,
        by_agent_id=by_agent_id,
    )


async def list_overrides(
    session: AsyncSession, *, viewer: Viewer, date_from: date, date_to: date
) -> list[OverrideOut]:
    """The edited days of the operators ``viewer`` may see (the calendar marks time off)."""
    if date_to < date_from or (date_to - date_from).days >= 62:
        raise invalid("Give a range of at most 62 days.")
    ids = [a.id for a in await visible_agents(session, viewer=viewer, agent_id=None)]
    rows = await session.scalars(
        select(ShiftOverride)
        .where(
            ShiftOverride.agent_id.in_(ids),
            ShiftOverride.day >= date_from,
            ShiftOverride.day <= date_to,
        )
        .order_by(ShiftOverride.agent_id, ShiftOverride.day)
    )
    return [override_out(r) for r in rows]
