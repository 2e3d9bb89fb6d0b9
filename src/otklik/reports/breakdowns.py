"""Volumes by dimension, the backlog over time, the day × hour heatmap, per-operator and
per-team tables, and the drill-down to the conversations behind a number.

Counts over whole hours without a tag filter come from the hourly rollups (a few rows per
hour however many conversations there are); anything finer, or filtered by tag, from the
facts themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.conversations import queries as conversation_queries
from otklik.reports.metrics import F, Filters, dimensions, of_kind
from otklik.reports.models import ReportHourly
from otklik.reports.schemas import (
    BacklogPoint,
    Dimension,
    DrillItem,
    DrillMetric,
    HeatCell,
    TableRow,
    VolumeRow,
)
from otklik.reports.stats import stat

H = ReportHourly
VOLUME_KINDS = ("created", "resolved", "reopened")


def _whole_hours(filters: Filters) -> bool:
    def whole(at: datetime) -> bool:
        return at.minute == 0 and at.second == 0 and at.microsecond == 0

    return whole(filters.since) and whole(filters.until) and not filters.tags


def _rollup_conditions(filters: Filters, scope: access.Scope) -> list[ColumnElement[bool]]:
    conditions = [
        access.visible(scope, inbox_id=H.inbox_id, team_id=H.team_key, assignee_id=H.agent_key)
    ]
    if filters.inbox_ids:
        conditions.append(H.inbox_id.in_(filters.inbox_ids))
    if filters.team_ids:
        conditions.append(H.team_key.in_(filters.team_ids))
    if filters.agent_ids:
        conditions.append(H.agent_key.in_(filters.agent_ids))
    if filters.channels:
        conditions.append(H.channel.in_(filters.channels))
    return conditions


_ROLLUP_KEYS: dict[str, Any] = {
    "channel": H.channel,
    "inbox": H.inbox_id,
    "team": H.team_key,
    "agent": H.agent_key,
}
_FACT_KEYS: dict[str, Any] = {
    "channel": F.channel,
    "inbox": F.inbox_id,
    "team": F.team_id,
    "agent": F.agent_id,
}


def _key(value: Any) -> str | None:
    return None if value in (None, 0) else str(value)


async def volume(session: AsyncSession, filters: Filters, by: Dimension) -> list[VolumeRow]:
    """Created, resolved and reopened conversations in the period, by ``by``."""
    scope = access.scope_in(session)
    counts: dict[str | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(VOLUME_KINDS, 0))
    if by == "tag":
        tags = conversation_queries.tag_pairs().subquery()
        query = (
            select(tags.c.tag, F.kind, func.count())
            .join(tags, tags.c.conversation_id == F.conversation_id)
            .where(
                F.kind.in_(VOLUME_KINDS),
                F.at >= filters.since,
                F.at < filters.until,
                *dimensions(filters, scope),
            )
            .group_by(tags.c.tag, F.kind)
        )
    elif _whole_hours(filters):
        key = _ROLLUP_KEYS[by]
        query = (
            select(key, H.kind, func.sum(H.n))
            .where(
                H.kind.in_(VOLUME_KINDS),
                H.hour >= filters.since,
                H.hour < filters.until,
                *_rollup_conditions(filters, scope),
            )
            .group_by(key, H.kind)
        )
    else:
        key = _FACT_KEYS[by]
        query = (
            select(key, F.kind, func.count())
            .where(
                F.kind.in_(VOLUME_KINDS),
                F.at >= filters.since,
                F.at < filters.until,
                *dimensions(filters, scope),
            )
            .group_by(key, F.kind)
        )
    for value, kind, n in await session.execute(query):
        counts[_key(value)][kind] += int(n or 0)
    return [
        VolumeRow(key=key, **row)
        for key, row in sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    ]


async def _hourly_created(
    session: AsyncSession, filters: Filters, kinds: Sequence[str], before: bool
) -> list[Any]:
    scope = access.scope_in(session)
    period = [H.hour < filters.since] if before else [H.hour >= filters.since]
    if not before:
        period.append(H.hour < filters.until)
    query = (
        select(H.hour, H.kind, func.sum(H.n))
        .where(H.kind.in_(kinds), *period, *_rollup_conditions(filters, scope))
        .group_by(H.hour, H.kind)
    )
    return list((await session.execute(query)).all())


async def backlog(
    session: AsyncSession, filters: Filters, *, step: timedelta
) -> list[BacklogPoint]:
    """Conversations open (created or reopened, not resolved) at the end of each ``step``
    of the period, from the hourly rollups (so counted by the hour)."""
    kinds = ("created", "resolved", "reopened")
    sign = {"created": 1, "reopened": 1, "resolved": -1}
    scope = access.scope_in(session)
    base = await session.execute(
        select(H.kind, func.sum(H.n))
        .where(H.kind.in_(kinds), H.hour < filters.since, *_rollup_conditions(filters, scope))
        .group_by(H.kind)
    )
    level = sum(sign[kind] * int(n or 0) for kind, n in base)
    deltas: dict[datetime, int] = defaultdict(int)
    for hour, kind, n in await _hourly_created(session, filters, kinds, before=False):
        deltas[hour] += sign[kind] * int(n or 0)
    points, edge = [], filters.since
    changes = sorted(deltas.items())
    i = 0
    while edge < filters.until:
        edge = min(edge + step, filters.until)
        while i < len(changes) and changes[i][0] < edge:
            level += changes[i][1]
            i += 1
        points.append(BacklogPoint(at=edge, open=level))
    return points


async def heatmap(session: AsyncSession, filters: Filters, *, timezone: str) -> list[HeatCell]:
    """New conversations by weekday and hour of the day in ``timezone``."""
    zone = ZoneInfo(timezone)
    cells: dict[tuple[int, int], int] = defaultdict(int)
    if _whole_hours(filters):
        rows = await _hourly_created(session, filters, ("created",), before=False)
        for hour, _, n in rows:
            local = hour.astimezone(zone)
            cells[(local.weekday(), local.hour)] += int(n or 0)
    else:
        scope = access.scope_in(session)
        for (at,) in await session.execute(select(F.at).where(*of_kind("created", filters, scope))):
            local = at.astimezone(zone)
            cells[(local.weekday(), local.hour)] += 1
    return [HeatCell(weekday=d, hour=h, n=n) for (d, h), n in sorted(cells.items())]


async def table(session: AsyncSession, filters: Filters, by: Dimension) -> list[TableRow]:
    """Per operator (``agent``) or per team: resolutions, replies, medians and handle time."""
    if by not in ("agent", "team"):
        raise ValueError(by)
    scope = access.scope_in(session)
    key = F.agent_id if by == "agent" else F.team_id
    rows = await session.execute(
        select(key, F.kind, F.seconds).where(
            F.kind.in_(("resolved", "response", "first_response", "handle")),
            F.at >= filters.since,
            F.at < filters.until,
            *dimensions(filters, scope),
        )
    )
    found: dict[int | None, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for value, kind, seconds in rows:
        found[value][kind].append(seconds or 0.0)
    out = []
    for value, kinds in sorted(found.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        handle = kinds["handle"]
        out.append(
            TableRow(
                key=value,
                resolved=len(kinds["resolved"]),
                responses=len(kinds["response"]),
                first_response_median=stat(kinds["first_response"]).median,
                response_median=stat(kinds["response"]).median,
                handle_total=sum(handle),
                handle_mean=stat(handle).mean,
            )
        )
    return out


async def drill(
    session: AsyncSession, filters: Filters, metric: DrillMetric, *, limit: int
) -> list[DrillItem]:
    """The facts behind a number, newest first: their conversations, when, who, how long."""
    scope = access.scope_in(session)
    rows = await session.execute(
        select(F.conversation_id, F.at, F.agent_id, F.seconds)
        .where(*of_kind(metric, filters, scope))
        .order_by(F.at.desc(), F.id.desc())
        .limit(limit)
    )
    return [
        DrillItem(conversation_id=c, at=at, agent_id=agent, seconds=seconds)
        for c, at, agent, seconds in rows
    ]
