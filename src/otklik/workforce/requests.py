"""Time off and shift swaps, asked by operators and decided by their lead.

* Time off (``date_from``..``date_to``, a reason): the lead approves or declines; approved,
  every day of it becomes a day off (an override of kind ``time_off``).
* A swap of my shift of ``date_from`` with a colleague's shift of ``colleague_date``: the
  colleague accepts (or declines), then the lead approves or declines; approved, the two
  shifts change hands (overrides of kind ``swap``), as they are at that moment.

The lead is an admin, or a supervisor of one of the operator's teams (of both operators for
a swap); nobody decides their own request. The requester may cancel until it is decided.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.schemas import AgentOut
from otklik.core.clock import utcnow
from otklik.core.errors import conflict, forbidden, invalid, not_found
from otklik.core.events import bus
from otklik.workforce import calendar, shifts
from otklik.workforce.events import ScheduleRequestChanged
from otklik.workforce.models import ScheduleRequest
from otklik.workforce.schemas import RequestOut, SwapIn, TimeOffIn
from otklik.workforce.service import Viewer, visible_agents

#: The longest time off one request covers.
MAX_DAYS = 62
OPEN = ("pending", "accepted")


def request_out(row: ScheduleRequest) -> RequestOut:
    return RequestOut.model_validate(
        {
            "id": row.id,
            "kind": row.kind,
            "agent_id": row.agent_id,
            "state": row.state,
            "date_from": row.date_from,
            "date_to": row.date_to,
            "reason": row.reason,
            "colleague_id": row.colleague_id,
            "colleague_date": row.colleague_date,
            "decided_by_id": row.decided_by_id,
            "created_at": row.created_at,
            "decided_at": row.decided_at,
        }
    )


async def _announce(session: AsyncSession, row: ScheduleRequest) -> RequestOut:
    await session.flush()
    out = request_out(row)
    requester = await calendar.agent_of(session, row.agent_id)
    await bus.emit(session, ScheduleRequestChanged(request=out, team_ids=tuple(requester.team_ids)))
    return out


def _today() -> date:
    return utcnow().astimezone(shifts.workspace_zone()).date()


async def request_time_off(session: AsyncSession, *, agent_id: int, data: TimeOffIn) -> RequestOut:
    if data.date_to < data.date_from:
        raise invalid("date_to is before date_from.")
    if (data.date_to - data.date_from).days + 1 > MAX_DAYS:
        raise invalid(f"Time off covers at most {MAX_DAYS} days per request.")
    if data.date_from < _today():
        raise invalid("Time off cannot start in the past.")
    row = ScheduleRequest(
        kind="time_off",
        agent_id=agent_id,
        state="pending",
        date_from=data.date_from,
        date_to=data.date_to,
        reason=data.reason.strip(),
    )
    session.add(row)
    return await _announce(session, row)


async def request_swap(session: AsyncSession, *, agent_id: int, data: SwapIn) -> RequestOut:
    theirs = data.colleague_day or data.day
    if data.colleague_id == agent_id:
        raise invalid("Swap with a colleague, not with yourself.")
    colleague = await calendar.agent_of(session, data.colleague_id)
    if not colleague.active:
        raise invalid(f"Operator {colleague.id} is deactivated.")
    if min(data.day, theirs) < _today():
        raise invalid("A swap cannot touch a day in the past.")
    plan = await shifts.load_plan(
        session,
        zone=shifts.workspace_zone(),
        agent_ids=[agent_id, colleague.id],
        date_from=min(data.day, theirs),
        date_to=max(data.day, theirs),
    )
    if plan.shift(agent_id, data.day) is None and plan.shift(colleague.id, theirs) is None:
        raise invalid("Neither of you has a shift to swap on those days.")
    row = ScheduleRequest(
        kind="swap",
        agent_id=agent_id,
        state="pending",
        date_from=data.day,
        date_to=data.day,
        reason=data.reason.strip(),
        colleague_id=colleague.id,
        colleague_date=theirs,
    )
    session.add(row)
    return await _announce(session, row)


async def _seen(session: AsyncSession, viewer: Viewer, request_id: int) -> ScheduleRequest:
    """The request, if ``viewer`` may see it (theirs, theirs to accept, or led by them)."""
    row = await session.get(ScheduleRequest, request_id, with_for_update=True)
    if row is None:
        raise not_found("Request", request_id)
    if viewer.id in (row.agent_id, row.colleague_id):
        return row
    seen = {a.id for a in await visible_agents(session, viewer=viewer, agent_id=None)}
    if viewer.role == "agent" or row.agent_id not in seen:
        raise not_found("Request", request_id)
    return row


async def _check_lead(session: AsyncSession, viewer: Viewer, row: ScheduleRequest) -> None:
    if viewer.role not in ("admin", "supervisor"):
        raise forbidden("Only the operator's supervisor or an admin decides.")
    if viewer.id in (row.agent_id, row.colleague_id):
        raise forbidden("Nobody decides a request of their own.")
    seen = {a.id for a in await visible_agents(session, viewer=viewer, agent_id=None)}
    if row.agent_id not in seen or (row.colleague_id is not None and row.colleague_id not in seen):
        raise forbidden("Only a lead of the operators concerned decides.")


async def list_requests(
    session: AsyncSession, *, viewer: Viewer, state: str | None
) -> list[RequestOut]:
    """Mine, the swaps asked of me, and (leads) those of the operators I lead; newest first."""
    query = select(ScheduleRequest).order_by(ScheduleRequest.id.desc()).limit(500)
    mine = or_(ScheduleRequest.agent_id == viewer.id, ScheduleRequest.colleague_id == viewer.id)
    if viewer.role == "admin":
        pass
    elif viewer.role == "supervisor":
        led = [a.id for a in await visible_agents(session, viewer=viewer, agent_id=None)]
        query = query.where(or_(mine, ScheduleRequest.agent_id.in_(led)))
    else:
        query = query.where(mine)
    if state is not None:
        query = query.where(ScheduleRequest.state == state)
    return [request_out(r) for r in await session.scalars(query)]


async def accept(session: AsyncSession, *, viewer: Viewer, request_id: int) -> RequestOut:
    """The colleague agrees to a swap; the lead decides next."""
    row = await _seen(session, viewer, request_id)
    if row.colleague_id != viewer.id:
        raise forbidden("Only the colleague asked accepts a swap.")
    if row.state != "pending":
        raise conflict(f"The request is {row.state}.")
    row.state = "accepted"
    return await _announce(session, row)


async def decline(session: AsyncSession, *, viewer: Viewer, request_id: int) -> RequestOut:
    """The lead declines; or the colleague declines a swap they have not accepted."""
    row = await _seen(session, viewer, request_id)
    if row.state not in OPEN:
        raise conflict(f"The request is {row.state}.")
    if not (row.colleague_id == viewer.id and row.state == "pending"):
        await _check_lead(session, viewer, row)
    row.state = "declined"
    row.decided_by_id = viewer.id
    row.decided_at = utcnow()
    return await _announce(session, row)


async def cancel(session: AsyncSession, *, viewer: Viewer, request_id: int) -> RequestOut:
    row = await _seen(session, viewer, request_id)
    if row.agent_id != viewer.id:
        raise forbidden("Only the operator who asked cancels a request.")
    if row.state not in OPEN:
        raise conflict(f"The request is {row.state}.")
    row.state = "cancelled"
    return await _announce(session, row)


async def approve(session: AsyncSession, *, viewer: Viewer, request_id: int) -> RequestOut:
    """The lead approves: time off removes the shifts of its days; a swap (accepted by the
    colleague) exchanges the two shifts."""
    row = await _seen(session, viewer, request_id)
    await _check_lead(session, viewer, row)
    ready = "accepted" if row.kind == "swap" else "pending"
    if row.state != ready:
        raise conflict(
            "The colleague has not accepted the swap yet."
            if row.state == "pending"
            else f"The request is {row.state}."
        )
    if row.kind == "time_off":
        await _apply_time_off(session, row, viewer.id)
    else:
        await _apply_swap(session, row, viewer.id)
    row.state = "approved"
    row.decided_by_id = viewer.id
    row.decided_at = utcnow()
    return await _announce(session, row)


async def _apply_time_off(session: AsyncSession, row: ScheduleRequest, by: int) -> None:
    day = row.date_from
    while day <= row.date_to:
        await calendar.set_day(
            session,
            agent_id=row.agent_id,
            day=day,
            span=None,
            template_id=None,
            kind="time_off",
            by_agent_id=by,
            request_id=row.id,
        )
        day += timedelta(days=1)
    agent = await calendar.agent_of(session, row.agent_id)
    await calendar.changed(session, agent, row.date_from, row.date_to, "time_off")


async def _apply_swap(session: AsyncSession, row: ScheduleRequest, by: int) -> None:
    assert row.colleague_id is not None and row.colleague_date is not None
    mine_day, theirs_day = row.date_from, row.colleague_date
    me, them = row.agent_id, row.colleague_id
    plan = await shifts.load_plan(
        session,
        zone=shifts.workspace_zone(),
        agent_ids=[me, them],
        date_from=min(mine_day, theirs_day),
        date_to=max(mine_day, theirs_day),
    )
    mine, theirs = plan.shift(me, mine_day), plan.shift(them, theirs_day)
    if mine is None and theirs is None:
        raise conflict("Neither of them has a shift on those days any more.")
    for agent_id, day in ((me, mine_day), (them, theirs_day)):
        await calendar.set_day(
            session,
            agent_id=agent_id,
            day=day,
            span=None,
            template_id=None,
            kind="swap",
            by_agent_id=by,
            request_id=row.id,
        )
    for shift, to in ((mine, them), (theirs, me)):
        if shift is None:
            continue
        await calendar.check_fits(
            session, agent_id=to, day=shift.date, starts=shift.starts_at, ends=shift.ends_at
        )
        await calendar.set_day(
            session,
            agent_id=to,
            day=shift.date,
            span=(shift.starts_at, shift.ends_at),
            template_id=shift.template_id,
            kind="swap",
            by_agent_id=by,
            request_id=row.id,
        )
    for agent_id in (me, them):
        agent: AgentOut = await calendar.agent_of(session, agent_id)
        await calendar.changed(session, agent, mine_day, theirs_day, "swap")
