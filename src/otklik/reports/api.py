"""Reports: for supervisors (what their inboxes and teams see) and admins (everything).

Every route takes the same filters: the period (``since``/``until``, default the last 7
days), inboxes, teams, operators, channels and tags (repeat a parameter for several).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query, Response

from otklik.accounts.deps import CurrentAgent
from otklik.core.clock import utcnow
from otklik.core.deps import DbSession
from otklik.core.errors import forbidden, invalid
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.reports import breakdowns, exports, live, metrics, scheduling
from otklik.reports.filters import Filters
from otklik.reports.schemas import (
    BacklogPoint,
    Dimension,
    DrillItem,
    DrillMetric,
    HeatCell,
    LiveOut,
    Overview,
    ScheduleIn,
    ScheduleOut,
    TableRow,
    VolumeRow,
)

router = APIRouter(prefix="/api/v1/reports", route_class=TransactionalRoute, tags=["reports"])

#: The longest period one request may cover.
MAX_PERIOD = timedelta(days=400)
Ids = Annotated[list[int], Query(max_length=100)]
Names = Annotated[list[Annotated[str, Query(max_length=50)]], Query(max_length=100)]


async def _lead(agent: CurrentAgent) -> None:
    """Supervisors and admins; what each sees is their scope (bound with the caller)."""
    if agent.role not in ("admin", "supervisor"):
        raise forbidden("Reports are for supervisors and admins.")


Lead = Annotated[None, Depends(_lead)]


def _filters(
    since: datetime | None = None,
    until: datetime | None = None,
    inbox_id: Ids = [],  # noqa: B006 (FastAPI copies query defaults)
    team_id: Ids = [],  # noqa: B006
    agent_id: Ids = [],  # noqa: B006
    channel: Names = [],  # noqa: B006
    tag: Names = [],  # noqa: B006
) -> Filters:
    end = until or utcnow()
    start = since or end - timedelta(days=7)
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid("since/until: give a time zone (2026-01-31T00:00:00+03:00)")
    if start >= end:
        raise invalid("since must be before until")
    if end - start > MAX_PERIOD:
        raise invalid("The period may be at most 400 days.")
    return Filters(
        since=start,
        until=end,
        inbox_ids=tuple(inbox_id),
        team_ids=tuple(team_id),
        agent_ids=tuple(agent_id),
        channels=tuple(channel),
        tags=tuple(tag),
    )


Filtered = Annotated[Filters, Depends(_filters)]


def _zone(timezone: Annotated[str, Query(max_length=64)] = "UTC") -> str:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(f"Unknown time zone {timezone!r}.") from None
    return timezone


Zone = Annotated[str, Depends(_zone)]
Format = Literal["json", "csv", "xlsx"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _file(sheet: exports.Sheet, format: Format, name: str) -> Response:
    attachment = {"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    if format == "xlsx":
        return Response(exports.to_xlsx(sheet), media_type=XLSX, headers=attachment)
    return Response(exports.to_csv(sheet), media_type="text/csv; charset=utf-8", headers=attachment)


@router.get("/overview", response_model=Overview)
async def overview(
    _: Lead, session: DbSession, filters: Filtered, format: Format = "json"
) -> Overview | Response:
    """Every metric for the period, and for the equally long period before it."""
    if format != "json":
        current = await metrics.figures(session, filters)
        return _file(exports.figures_sheet(current), format, "overview")
    current, previous = await metrics.with_previous(session, filters)
    return Overview(since=filters.since, until=filters.until, current=current, previous=previous)


@router.get("/volume", response_model=Items[VolumeRow])
async def volume(
    _: Lead,
    session: DbSession,
    filters: Filtered,
    by: Dimension = "channel",
    format: Format = "json",
) -> Items[VolumeRow] | Response:
    rows = await breakdowns.volume(session, filters, by)
    if format != "json":
        return _file(exports.volume_sheet(rows, by), format, f"volume-by-{by}")
    return Items(items=rows)


@router.get("/table", response_model=Items[TableRow])
async def table(
    _: Lead,
    session: DbSession,
    filters: Filtered,
    by: Literal["agent", "team"] = "agent",
    format: Format = "json",
) -> Items[TableRow] | Response:
    rows = await breakdowns.table(session, filters, by)
    if format != "json":
        return _file(exports.table_sheet(rows, by), format, f"by-{by}")
    return Items(items=rows)


@router.get("/backlog", response_model=Items[BacklogPoint])
async def backlog(
    _: Lead, session: DbSession, filters: Filtered, step: Literal["hour", "day"] = "day"
) -> Items[BacklogPoint]:
    length = timedelta(hours=1) if step == "hour" else timedelta(days=1)
    if (filters.until - filters.since) / length > 1000:
        raise invalid("At most 1000 points: choose a longer step or a shorter period.")
    return Items(items=await breakdowns.backlog(session, filters, step=length))


@router.get("/heatmap", response_model=Items[HeatCell])
async def heatmap(
    _: Lead,
    session: DbSession,
    filters: Filtered,
    timezone: Zone,
) -> Items[HeatCell]:
    return Items(items=await breakdowns.heatmap(session, filters, timezone=timezone))


@router.get("/drill", response_model=Items[DrillItem])
async def drill(
    _: Lead,
    session: DbSession,
    filters: Filtered,
    metric: DrillMetric,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Items[DrillItem]:
    """The conversations behind a number (the facts it counts, newest first)."""
    return Items(items=await breakdowns.drill(session, filters, metric, limit=limit))


@router.get("/live", response_model=LiveOut)
async def live_board(_: Lead, session: DbSession, timezone: Zone) -> LiveOut:
    """The team lead's live board: operators, their open dialogs, the queue, the longest
    wait, conversations near an SLA breach, CSAT since midnight in ``timezone`` (the app
    refetches it on live events)."""
    return await live.snapshot(session, now=utcnow(), timezone=timezone)


# --- scheduled email reports --------------------------------------------------------------


@router.get("/schedules", response_model=Items[ScheduleOut])
async def list_schedules(_: Lead, session: DbSession) -> Items[ScheduleOut]:
    """An admin's: every schedule; a supervisor's: their own."""
    return Items(items=await scheduling.list_schedules(session))


@router.post("/schedules", response_model=ScheduleOut, status_code=201)
async def create_schedule(
    body: ScheduleIn, _: Lead, agent: CurrentAgent, session: DbSession
) -> ScheduleOut:
    return await scheduling.create_schedule(session, data=body, owner_id=agent.id)


@router.get("/schedules/{schedule_id}", response_model=ScheduleOut)
async def get_schedule(schedule_id: Id, _: Lead, session: DbSession) -> ScheduleOut:
    return await scheduling.get_schedule(session, schedule_id=schedule_id)


@router.put("/schedules/{schedule_id}", response_model=ScheduleOut)
async def put_schedule(
    schedule_id: Id, body: ScheduleIn, _: Lead, session: DbSession
) -> ScheduleOut:
    return await scheduling.update_schedule(session, schedule_id=schedule_id, data=body)


@router.delete("/schedules/{schedule_id}", status_code=204)
async def delete_schedule(schedule_id: Id, _: Lead, session: DbSession) -> Response:
    await scheduling.delete_schedule(session, schedule_id=schedule_id)
    return Response(status_code=204)
