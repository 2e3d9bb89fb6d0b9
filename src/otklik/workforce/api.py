"""Workforce routes: status timelines, timesheets (JSON and CSV), staffing, forecast, shift
templates and patterns, the team calendar (edits, time off, swaps) and adherence."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from otklik.accounts.deps import AdminAgent, CurrentAgent
from otklik.core.deps import AppSettings, ClientIp, DbSession
from otklik.core.errors import forbidden
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.workforce import (
    calendar,
    forecast,
    placement,
    requests,
    schedule_status,
    service,
    shifts,
    staffing,
    suggestion_api,
)
from otklik.workforce.patience import estimate_patience
from otklik.workforce.schemas import (
    AcceptIn,
    AcceptOut,
    AdherenceOut,
    AssignmentIn,
    AssignmentOut,
    AutoFillIn,
    AutoFillOut,
    ForecastOut,
    HandleTimeOut,
    IntervalOut,
    MissingOut,
    OverrideOut,
    PatienceOut,
    PatternIn,
    PatternOut,
    PatternUpdate,
    RequestOut,
    RequestState,
    ShiftIn,
    ShiftOut,
    ShiftTemplateIn,
    ShiftTemplateOut,
    SimulationOut,
    StaffingIn,
    StaffingOut,
    SwapIn,
    TimeOffIn,
    TimesheetOut,
    WorkforceSettings,
)

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["workforce"])


async def _lead(agent: CurrentAgent) -> int:
    """Staffing is for supervisors and admins (the people who plan shifts)."""
    if agent.role not in ("admin", "supervisor"):
        raise forbidden("Only supervisors and admins plan staffing.")
    return agent.id


Lead = Annotated[int, Depends(_lead)]


async def _viewer(agent: CurrentAgent) -> service.Viewer:
    return service.Viewer(agent.id, agent.role)


#: Who asks, as the workforce services take it.
CurrentViewer = Annotated[service.Viewer, Depends(_viewer)]


@router.get("/workforce/agents/{agent_id}/intervals", response_model=Items[IntervalOut])
async def status_intervals(
    agent_id: Id,
    viewer: CurrentViewer,
    session: DbSession,
    settings: AppSettings,
    day: date | None = None,
    tz: str | None = None,
) -> Items[IntervalOut]:
    """The operator's status intervals that touch ``day`` (today when not given)."""
    return Items(
        items=await service.intervals(
            session,
            viewer=viewer,
            agent_id=agent_id,
            day=day,
            tz=tz or settings.workspace_timezone,
        )
    )


@router.get("/workforce/timesheet", response_model=TimesheetOut)
async def get_timesheet(
    date_from: date,
    date_to: date,
    viewer: CurrentViewer,
    session: DbSession,
    settings: AppSettings,
    agent_id: Id | None = None,
    tz: str | None = None,
) -> TimesheetOut:
    return await service.timesheet_of(
        session,
        viewer=viewer,
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
    viewer: CurrentViewer,
    session: DbSession,
    settings: AppSettings,
    agent_id: Id | None = None,
    tz: str | None = None,
) -> Response:
    sheet = await service.timesheet_of(
        session,
        viewer=viewer,
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


@router.get("/workforce/settings", response_model=WorkforceSettings)
async def get_settings(_: Lead, session: DbSession) -> WorkforceSettings:
    """The workspace's workforce settings (supervisors and admins read them)."""
    return await schedule_status.settings(session)


@router.put("/workforce/settings", response_model=WorkforceSettings)
async def put_settings(
    body: WorkforceSettings, admin: AdminAgent, session: DbSession, ip: ClientIp
) -> WorkforceSettings:
    """Save them (admins; audited as ``settings.workforce_changed``)."""
    return await schedule_status.save_settings(session, data=body, actor_id=admin.id, ip=ip)


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
    viewer: CurrentViewer,
    session: DbSession,
    settings: AppSettings,
    agent_id: Id | None = None,
) -> Items[ShiftOut]:
    return Items(
        items=await service.team_schedule(
            session,
            viewer=viewer,
            date_from=date_from,
            date_to=date_to,
            tz=settings.workspace_timezone,
            agent_id=agent_id,
        )
    )


@router.get("/workforce/adherence", response_model=Items[AdherenceOut])
async def get_adherence(
    day: date,
    viewer: CurrentViewer,
    session: DbSession,
    settings: AppSettings,
    agent_id: Id | None = None,
) -> Items[AdherenceOut]:
    return Items(
        items=await service.adherence(
            session,
            viewer=viewer,
            day=day,
            tz=settings.workspace_timezone,
            agent_id=agent_id,
        )
    )


@router.get("/workforce/adherence/now", response_model=Items[MissingOut])
async def missing_now(
    _: Lead, viewer: CurrentViewer, session: DbSession, settings: AppSettings
) -> Items[MissingOut]:
    """Who should be online now and is not (supervisors: their teams; admins: everyone)."""
    return Items(
        items=await service.missing_now(session, viewer=viewer, tz=settings.workspace_timezone)
    )


# --- editing templates and patterns ---------------------------------------------------


@router.put("/workforce/shift-templates/{template_id}", response_model=ShiftTemplateOut)
async def update_template(
    template_id: Id, body: ShiftTemplateIn, _: Lead, session: DbSession
) -> ShiftTemplateOut:
    return await shifts.update_template(session, template_id=template_id, data=body)


@router.delete("/workforce/shift-templates/{template_id}", status_code=204)
async def delete_template(template_id: Id, _: Lead, session: DbSession) -> Response:
    """409 while a rotation pattern uses the template."""
    await shifts.delete_template(session, template_id=template_id)
    return Response(status_code=204)


@router.put("/workforce/patterns/{pattern_id}", response_model=PatternOut)
async def update_pattern(
    pattern_id: Id, body: PatternUpdate, _: Lead, session: DbSession
) -> PatternOut:
    return await shifts.update_pattern(session, pattern_id=pattern_id, data=body)


@router.delete("/workforce/patterns/{pattern_id}", status_code=204)
async def delete_pattern(pattern_id: Id, _: Lead, session: DbSession) -> Response:
    """409 while operators are assigned to the pattern (remove the assignments first)."""
    await shifts.delete_pattern(session, pattern_id=pattern_id)
    return Response(status_code=204)


@router.get("/workforce/assignments", response_model=Items[AssignmentOut])
async def list_assignments(viewer: CurrentViewer, session: DbSession) -> Items[AssignmentOut]:
    """The assignments of the operators one may see."""
    ids = [a.id for a in await service.visible_agents(session, viewer=viewer, agent_id=None)]
    return Items(items=await shifts.list_assignments(session, agent_ids=ids))


@router.delete("/workforce/assignments/{assignment_id}", status_code=204)
async def delete_assignment(
    assignment_id: Id, viewer: CurrentViewer, session: DbSession
) -> Response:
    owner = await shifts.assignment_agent(session, assignment_id)
    await calendar.lead_of(session, viewer=viewer, agent_id=owner)
    await shifts.delete_assignment(session, assignment_id=assignment_id)
    return Response(status_code=204)


# --- the calendar: edited days ----------------------------------------------------------


@router.post("/workforce/shifts", response_model=ShiftOut, status_code=201)
async def place_shift(body: ShiftIn, viewer: CurrentViewer, session: DbSession) -> ShiftOut:
    """Place a shift (it replaces the operator's shift of its local day); with
    ``from_agent_id`` and ``from_date``, move one (that day becomes a day off)."""
    await calendar.lead_of(session, viewer=viewer, agent_id=body.agent_id)
    if body.from_agent_id is not None and body.from_date is not None:
        await calendar.lead_of(session, viewer=viewer, agent_id=body.from_agent_id)
        return await calendar.move_shift(
            session,
            from_agent_id=body.from_agent_id,
            from_date=body.from_date,
            agent_id=body.agent_id,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            template_id=body.template_id,
            by_agent_id=viewer.id,
        )
    return await calendar.place_shift(
        session,
        agent_id=body.agent_id,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        template_id=body.template_id,
        by_agent_id=viewer.id,
    )


@router.delete("/workforce/agents/{agent_id}/shifts/{day}", status_code=204)
async def remove_shift(
    agent_id: Id, day: date, viewer: CurrentViewer, session: DbSession
) -> Response:
    """The operator's ``day`` becomes a day off."""
    await calendar.lead_of(session, viewer=viewer, agent_id=agent_id)
    await calendar.remove_shift(session, agent_id=agent_id, day=day, by_agent_id=viewer.id)
    return Response(status_code=204)


@router.delete("/workforce/agents/{agent_id}/overrides/{day}", status_code=204)
async def reset_day(agent_id: Id, day: date, viewer: CurrentViewer, session: DbSession) -> Response:
    """Drop the day's edit: the pattern decides again."""
    await calendar.lead_of(session, viewer=viewer, agent_id=agent_id)
    await calendar.reset_day(session, agent_id=agent_id, day=day)
    return Response(status_code=204)


@router.get("/workforce/overrides", response_model=Items[OverrideOut])
async def list_overrides(
    date_from: date, date_to: date, viewer: CurrentViewer, session: DbSession
) -> Items[OverrideOut]:
    return Items(
        items=await calendar.list_overrides(
            session,
            viewer=viewer,
            date_from=date_from,
            date_to=date_to,
        )
    )


# --- time off and swaps -----------------------------------------------------------------


@router.post("/workforce/requests/time-off", response_model=RequestOut, status_code=201)
async def request_time_off(body: TimeOffIn, agent: CurrentAgent, session: DbSession) -> RequestOut:
    return await requests.request_time_off(session, agent_id=agent.id, data=body)


@router.post("/workforce/requests/swap", response_model=RequestOut, status_code=201)
async def request_swap(body: SwapIn, agent: CurrentAgent, session: DbSession) -> RequestOut:
    return await requests.request_swap(session, agent_id=agent.id, data=body)


@router.get("/workforce/requests", response_model=Items[RequestOut])
async def list_requests(
    viewer: CurrentViewer, session: DbSession, state: RequestState | None = None
) -> Items[RequestOut]:
    return Items(items=await requests.list_requests(session, viewer=viewer, state=state))


@router.post("/workforce/requests/{request_id}/accept", response_model=RequestOut)
async def accept_request(request_id: Id, viewer: CurrentViewer, session: DbSession) -> RequestOut:
    return await requests.accept(session, viewer=viewer, request_id=request_id)


@router.post("/workforce/requests/{request_id}/approve", response_model=RequestOut)
async def approve_request(request_id: Id, viewer: CurrentViewer, session: DbSession) -> RequestOut:
    return await requests.approve(session, viewer=viewer, request_id=request_id)


@router.post("/workforce/requests/{request_id}/decline", response_model=RequestOut)
async def decline_request(request_id: Id, viewer: CurrentViewer, session: DbSession) -> RequestOut:
    return await requests.decline(session, viewer=viewer, request_id=request_id)


@router.post("/workforce/requests/{request_id}/cancel", response_model=RequestOut)
async def cancel_request(request_id: Id, viewer: CurrentViewer, session: DbSession) -> RequestOut:
    return await requests.cancel(session, viewer=viewer, request_id=request_id)


# --- accepting a schedule suggestion ----------------------------------------------------


@router.post("/workforce/schedule-suggestion/auto-fill", response_model=AutoFillOut)
async def auto_fill_suggestion(
    body: AutoFillIn, viewer: CurrentViewer, session: DbSession
) -> AutoFillOut:
    """Operators proposed for a suggestion's shifts (the lead changes them, then accepts)."""
    filled, operators = await placement.propose(session, viewer=viewer, wanted=body.shifts)
    return AutoFillOut(shifts=filled, operators=operators)


@router.post("/workforce/schedule-suggestion/accept", response_model=AcceptOut, status_code=201)
async def accept_suggestion(body: AcceptIn, viewer: CurrentViewer, session: DbSession) -> AcceptOut:
    """Place the lead's choice of operators for a suggestion's shifts: all, or none."""
    placed = await placement.accept(session, viewer=viewer, placements=body.placements)
    return AcceptOut(shifts=placed)


# The schedule suggestion runs its solver outside any transaction: its router's plain
# routes keep their own class when included here (under this router's prefix).
router.include_router(suggestion_api.router)
