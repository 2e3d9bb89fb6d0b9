"""Workforce routes: an operator's status timeline and the timesheets (JSON and CSV)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from otklik.accounts.deps import CurrentAgent
from otklik.core.deps import AppSettings, DbSession
from otklik.core.errors import forbidden
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.workforce import forecast, service, shifts, staffing, suggestion_api
from otklik.workforce.patience import estimate_patience
from otklik.workforce.schemas import (
    AdherenceOut,
    AssignmentIn,
    AssignmentOut,
    ForecastOut,
    HandleTimeOut,
    IntervalOut,
    MissingOut,
    PatienceOut,
    PatternIn,
    PatternOut,
    ShiftOut,
    ShiftTemplateIn,
    ShiftTemplateOut,
    SimulationOut,
    StaffingIn,
    StaffingOut,
    TimesheetOut,
)

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["workforce"])


async def _lead(agent: CurrentAgent) -> int:
    """Staffing is for supervisors and admins (the people who plan shifts)."""
    if agent.role not in ("admin", "supervisor"):
        raise forbidden("Only supervisors and admins plan staffing.")
    return agent.id


Lead = Annotated[int, Depends(_lead)]


@router.get("/workforce/agents/{agent_id}/intervals", response_model=Items[IntervalOut])
async def status_intervals(
    agent_id: Id,
    agent: CurrentAgent,
    session: DbSession,
    settings: AppSettings,
    day: date | None = None,
    tz: str | None = None,
) -> Items[IntervalOut]:
    """The operator's status intervals that touch ``day`` (today when not given)."""
    return Items(
        items=await service.intervals(
            session,
            viewer=service.Viewer(agent.id, agent.role),
            agent_id=agent_id,
            day=day,
            tz=tz or settings.workspace_timezone,
        )
    )


@router.get("/workforce/timesheet", response_model=TimesheetOut)
async def get_timesheet(
    date_from: date,
    date_to: date,
    agent: CurrentAgent,
    session: DbSession,
    settings: AppSettings,
    agent_id: Id | None = None,
    tz: str | None = None,
) -> TimesheetOut:
    return await service.timesheet_of(
        session,
        viewer=service.Viewer(agent.id, agent.role),
        date_from=date_from,
        date_to=date_to,
        tz=tz or settings.workspace_timezone,
        agent_id=agent_id,
    )


@router.get(
    "/workforce/timesheet.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV, UTF-8 with BOM"}},
)
async def export_timesheet(
    date_from: date,
    date_to: date,
    agent: CurrentAgent,
    session: DbSession,
    settings: AppSettings,
    agent_id: Id | None = None,
    tz: str | None = None,
) -> Response:
    sheet = await service.timesheet_of(
        session,
        viewer=service.Viewer(agent.id, agent.role),
        date_from=date_from,
        date_to=date_to,
        tz=tz or settings.workspace_timezone,
        agent_id=agent_id,
    )
    name = f"timesheet-{date_from.isoformat()}-{date_to.isoformat()}.csv"
    return Response(
        content=service.timesheet_csv(sheet).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/workforce/handle-times", response_model=Items[HandleTimeOut])
async def handle_times(
    _: Lead, session: DbSession, days: Annotated[int, Query(ge=1, le=365)] = 28
) -> Items[HandleTimeOut]:
    return Items(items=await staffing.handle_times(session, days=days))


@router.post("/workforce/staffing", response_model=StaffingOut)
async def recommend_staffing(body: StaffingIn, lead: Lead, session: DbSession) -> StaffingOut:
    return await staffing.recommend(session, data=body, requested_by_id=lead)


@router.get("/workforce/patience", response_model=PatienceOut)
async def get_patience(
    _: Lead, session: DbSession, days: Annotated[int, Query(ge=1, le=365)] = 28
) -> PatienceOut:
    """First waits answered and abandoned, and the mean patience they imply (Erlang A)."""
    return await estimate_patience(session, days=days)


@router.get("/workforce/staffing/simulations/{simulation_id}", response_model=SimulationOut)
async def get_simulation(simulation_id: Id, _: Lead, session: DbSession) -> SimulationOut:
    return await staffing.get_simulation(session, simulation_id=simulation_id)


@router.get("/workforce/forecast", response_model=ForecastOut)
async def get_forecast(
    _: Lead,
    session: DbSession,
    weeks: Annotated[int, Query(ge=1, le=6)] = 2,
    history_weeks: Annotated[int, Query(ge=2, le=26)] = 8,
) -> ForecastOut:
    """Incoming conversations per 30 minutes for the next ``weeks`` (docs/api.md)."""
    return await forecast.forecast(session, weeks=weeks, history_weeks=history_weeks)


@router.get("/workforce/shift-templates", response_model=Items[ShiftTemplateOut])
async def list_templates(_: CurrentAgent, session: DbSession) -> Items[ShiftTemplateOut]:
    return Items(items=await shifts.list_templates(session))


@router.post("/workforce/shift-templates", response_model=ShiftTemplateOut, status_code=201)
async def create_template(body: ShiftTemplateIn, _: Lead, session: DbSession) -> ShiftTemplateOut:
    return await shifts.create_template(session, data=body)


@router.get("/workforce/patterns", response_model=Items[PatternOut])
async def list_patterns(_: CurrentAgent, session: DbSession) -> Items[PatternOut]:
    return Items(items=await shifts.list_patterns(session))


@router.post("/workforce/patterns", response_model=PatternOut, status_code=201)
async def create_pattern(body: PatternIn, _: Lead, session: DbSession) -> PatternOut:
    return await shifts.create_pattern(session, data=body)


@router.post("/workforce/assignments", response_model=AssignmentOut, status_code=201)
async def assign_pattern(body: AssignmentIn, _: Lead, session: DbSession) -> AssignmentOut:
    return await shifts.assign_pattern(session, data=body)


@router.get("/workforce/schedule", response_model=Items[ShiftOut])
async def get_schedule(
    date_from: date,
    date_to: date,
    agent: CurrentAgent,
    session: DbSession,
    settings: AppSettings,
    agent_id: Id | None = None,
) -> Items[ShiftOut]:
    return Items(
        items=await service.team_schedule(
            session,
            viewer=service.Viewer(agent.id, agent.role),
            date_from=date_from,
            date_to=date_to,
            tz=settings.workspace_timezone,
            agent_id=agent_id,
        )
    )


@router.get("/workforce/adherence", response_model=Items[AdherenceOut])
async def get_adherence(
    day: date,
    agent: CurrentAgent,
    session: DbSession,
    settings: AppSettings,
    agent_id: Id | None = None,
) -> Items[AdherenceOut]:
    return Items(
        items=await service.adherence(
            session,
            viewer=service.Viewer(agent.id, agent.role),
            day=day,
            tz=settings.workspace_timezone,
            agent_id=agent_id,
        )
    )


@router.get("/workforce/adherence/now", response_model=Items[MissingOut])
async def missing_now(
    _: Lead, agent: CurrentAgent, session: DbSession, settings: AppSettings
) -> Items[MissingOut]:
    """Who should be online now and is not (supervisors: their teams; admins: everyone)."""
    return Items(
        items=await service.missing_now(
            session, viewer=service.Viewer(agent.id, agent.role), tz=settings.workspace_timezone
        )
    )


# The schedule suggestion runs its solver outside any transaction: its router's plain
# routes keep their own class when included here (under this router's prefix).
router.include_router(suggestion_api.router)
