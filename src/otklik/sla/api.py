"""SLA settings (admins), a conversation's targets (whoever may see it), compliance figures."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from otklik.accounts.deps import AdminAgent, CurrentAgent
from otklik.core.clock import utcnow
from otklik.core.deps import DbSession
from otklik.core.errors import forbidden, invalid
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.sla import service
from otklik.sla.schemas import (
    BreachOut,
    CalendarIn,
    CalendarOut,
    ClockOut,
    ComplianceRow,
    DueOut,
    LinksIn,
    PolicyIn,
    PolicyOut,
    YearOut,
)
from otklik.sla.service import Grouping

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["sla"])


@router.get("/sla/calendars", response_model=Items[CalendarOut])
async def list_calendars(_: AdminAgent, session: DbSession) -> Items[CalendarOut]:
    return Items(items=await service.list_calendars(session))


@router.post("/sla/calendars", response_model=CalendarOut, status_code=201)
async def create_calendar(body: CalendarIn, _: AdminAgent, session: DbSession) -> CalendarOut:
    return await service.create_calendar(session, data=body)


@router.put("/sla/calendars/{calendar_id}", response_model=CalendarOut)
async def update_calendar(
    calendar_id: Id, body: CalendarIn, _: AdminAgent, session: DbSession
) -> CalendarOut:
    return await service.update_calendar(session, calendar_id=calendar_id, data=body)


@router.delete("/sla/calendars/{calendar_id}", status_code=204)
async def delete_calendar(calendar_id: Id, _: AdminAgent, session: DbSession) -> Response:
    await service.delete_calendar(session, calendar_id=calendar_id)
    return Response(status_code=204)


@router.put("/sla/calendars/{calendar_id}/links", response_model=CalendarOut)
async def set_links(
    calendar_id: Id, body: LinksIn, _: AdminAgent, session: DbSession
) -> CalendarOut:
    return await service.set_links(session, calendar_id=calendar_id, data=body)


@router.get("/sla/calendars/{calendar_id}/years/{year}", response_model=YearOut)
async def calendar_year(
    calendar_id: Id,
    year: Annotated[int, Path(ge=1990, le=2100)],
    _: AdminAgent,
    session: DbSession,
) -> YearOut:
    return await service.calendar_year(session, calendar_id=calendar_id, year=year)


@router.get("/sla/policies", response_model=Items[PolicyOut])
async def list_policies(agent: CurrentAgent, session: DbSession) -> Items[PolicyOut]:
    """Admins (who change them) and supervisors (whose SLA report names them); operators:
    403."""
    if agent.role not in ("admin", "supervisor"):
        raise forbidden("SLA policies are for supervisors and admins.")
    return Items(items=await service.list_policies(session))


@router.post("/sla/policies", response_model=PolicyOut, status_code=201)
async def create_policy(body: PolicyIn, _: AdminAgent, session: DbSession) -> PolicyOut:
    return await service.create_policy(session, data=body)


@router.put("/sla/policies/{policy_id}", response_model=PolicyOut)
async def update_policy(
    policy_id: Id, body: PolicyIn, _: AdminAgent, session: DbSession
) -> PolicyOut:
    return await service.update_policy(session, policy_id=policy_id, data=body)


@router.delete("/sla/policies/{policy_id}", status_code=204)
async def delete_policy(policy_id: Id, _: AdminAgent, session: DbSession) -> Response:
    await service.delete_policy(session, policy_id=policy_id)
    return Response(status_code=204)


@router.get("/conversations/{conversation_id}/sla", response_model=Items[ClockOut])
async def conversation_sla(
    conversation_id: Id, _: CurrentAgent, session: DbSession
) -> Items[ClockOut]:
    return Items(items=await service.conversation_clocks(session, conversation_id=conversation_id))


@router.get("/sla/due", response_model=Items[DueOut])
async def due_soonest(
    _: CurrentAgent,
    session: DbSession,
    conversation_ids: Annotated[str | None, Query(max_length=2400, pattern=r"^[0-9,]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Items[DueOut]:
    """The nearest deadlines, soonest first: the list's "due soonest" order and filter, and
    the countdown chips of the conversations on screen (``conversation_ids``: ``1,2,3``)."""
    ids = None
    if conversation_ids:
        parts = conversation_ids.split(",")
        if len(parts) > 200 or not all(p.isdigit() and len(p) <= 18 for p in parts):
            raise invalid("conversation_ids: up to 200 ids, separated by commas")
        ids = [int(p) for p in parts]
    return Items(items=await service.due_soonest(session, conversation_ids=ids, limit=limit))


def _period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """``[since, until)``; by default the last 30 days."""
    end = until or utcnow()
    start = since or end - timedelta(days=30)
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid("since/until: give a time zone")
    if start >= end:
        raise invalid("since must be before until")
    return start, end


@router.get("/sla/compliance", response_model=Items[ComplianceRow])
async def compliance(
    _: CurrentAgent,
    session: DbSession,
    by: Grouping = "policy",
    since: datetime | None = None,
    until: datetime | None = None,
    team_id: Id | None = None,
) -> Items[ComplianceRow]:
    """Admins: every team's figures; supervisors: their own teams'; operators: 403."""
    start, end = _period(since, until)
    return Items(
        items=await service.compliance(session, by=by, since=start, until=end, team_id=team_id)
    )


@router.get("/sla/breaches", response_model=Items[BreachOut])
async def breaches(
    _: CurrentAgent,
    session: DbSession,
    since: datetime | None = None,
    until: datetime | None = None,
    team_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Items[BreachOut]:
    """The missed targets with their reasons (scoped as the compliance figures)."""
    start, end = _period(since, until)
    return Items(
        items=await service.breaches(session, since=start, until=end, team_id=team_id, limit=limit)
    )
