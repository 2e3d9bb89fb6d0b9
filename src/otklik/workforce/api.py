"""Workforce routes: an operator's status timeline and the timesheets (JSON and CSV)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response

from otklik.accounts.deps import CurrentAgent
from otklik.core.deps import AppSettings, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.workforce import service
from otklik.workforce.schemas import IntervalOut, TimesheetOut

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["workforce"])


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
