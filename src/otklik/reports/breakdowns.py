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

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.conversations import queries as conversation_queries
from otklik.reports.distributions import merge, summed_day_bins, whole_days
from otklik.reports.filters import (
    F,
    Filters,
    dimensions,
    hour_split,
    of_kind,
    rollup_conditions,
)
from otklik.reports.models import ReportDayBin, ReportHourly, ReportTagCount
from otklik.reports.recording import BY_OPERATOR, BY_TEAM, TABLE_MEASURES
from otklik.reports.schemas import (
    BacklogPoint,
    Dimension,
    DrillItem,
    DrillMetric,
    HeatCell,
    Stat,
    TableRow,
    VolumeRow,
)
from otklik.reports.stats import Bin, bin_of, from_bins
from otklik.reports.transaction import roomy

H = ReportHourly
VOLUME_KINDS = ("created", "resolved", "reopened")


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


def _volume_queries(filters: Filters, scope: access.Scope, by: Dimension) -> list[Any]:
    """The whole hours from the rollups, the parts of an hour at the ends from the facts."""
    inner, edges = hour_split(filters)
    queries: list[Any] = []
    if inner is not None:
        key = _ROLLUP_KEYS[by]
        queries.append(
            select(key, H.kind, func.sum(H.n))
            .where(
                H.kind.in_(VOLUME_KINDS),
                H.hour >= inner.since,
                H.hour < inner.until,
                *rollup_conditions(inner, scope),
            )
            .group_by(key, H.kind)
        )
    for edge in edges:
        key = _FACT_KEYS[by]
        queries.append(
            select(key, F.kind, func.count())
            .where(
                F.kind.in_(VOLUME_KINDS),
                F.at >= edge.since,
                F.at < edge.until,
                *dimensions(edge, scope),
            )
            .group_by(key, F.kind)
        )
    return queries


async def volume(session: AsyncSession, filters: Filters, by: Dimension) -> list[VolumeRow]:
    """Created, resolved and reopened conversations in the period, by ``by``."""
    scope = access.scope_in(session)
    counts: dict[str | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(VOLUME_KINDS, 0))
    if by == "tag":
        queries = _tag_volume_queries(filters, scope)
    else:
        queries = _volume_queries(filters, scope, by)
    for query in queries:
        for value, kind, n in await session.execute(query):
            counts[_key(value)][kind] += int(n or 0)
    return [
        VolumeRow(key=key, **row)
        for key, row in sorted(counts.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    ]


def _tag_volume_queries(filters: Filters, scope: access.Scope) -> list[Any]:
    """By tag (the tags conversations carry now): the whole hours from the tags' own hourly
    rows (``report_tag_counts``, ADR 0032) for a caller who sees everything and no filter
    (the rows know no other dimension); the rest from the facts joined to the tags, which
    took 1.0–1.2 s for 30 days at 1M conversations on SQLite."""
    unfiltered = not (
        filters.inbox_ids or filters.team_ids or filters.agent_ids or filters.channels
    )
    inner, edges = hour_split(filters) if unfiltered and scope.everything else (None, [filters])
    queries: list[Any] = []
    if inner is not None:
        T = ReportTagCount
        queries.append(
            select(T.tag, T.kind, func.sum(T.n))
            .where(T.kind.in_(VOLUME_KINDS), T.hour >= inner.since, T.hour < inner.until)
            .group_by(T.tag, T.kind)
            # A tag taken off every conversation leaves its rows at 0.
            .having(func.sum(T.n) > 0)
        )
    tags = conversation_queries.tag_pairs().subquery()
    for edge in edges:
        queries.append(
            select(tags.c.tag, F.kind, func.count())
            .join(tags, tags.c.conversation_id == F.conversation_id)
            .where(
                F.kind.in_(VOLUME_KINDS),
                F.at >= edge.since,
                F.at < edge.until,
                *dimensions(edge, scope),
            )
            .group_by(tags.c.tag, F.kind)
        )
    return queries


async def _hourly_created(
    session: AsyncSession, filters: Filters, kinds: Sequence[str], before: bool
) -> list[Any]:
    scope = access.scope_in(session)
    period = [H.hour < filters.since] if before else [H.hour >= filters.since]
    if not before:
        period.append(H.hour < filters.until)
    query = (
        select(H.hour, H.kind, func.sum(H.n))
        .where(H.kind.in_(kinds), *period, *rollup_conditions(filters, scope))
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
        .where(H.kind.in_(kinds), H.hour < filters.since, *rollup_conditions(filters, scope))
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
    """New conversations by weekday and hour of the day in ``timezone``. An hourly rollup
    row is one UTC hour: it falls in one local hour only where the zone is a whole number of
    hours from UTC; elsewhere (India, Iran, Nepal…) the facts are read."""
    zone = ZoneInfo(timezone)
    cells: dict[tuple[int, int], int] = defaultdict(int)
    inner, edges = hour_split(filters)
    whole = all(
        (at.astimezone(zone).utcoffset() or timedelta()) % timedelta(hours=1) == timedelta()
        for at in (filters.since, filters.until)
    )
    if not whole:
        inner, edges = None, [filters]
    if inner is not None:
        for hour, _, n in await _hourly_created(session, inner, ("created",), before=False):
            local = hour.astimezone(zone)
            cells[(local.weekday(), local.hour)] += int(n or 0)
    scope = access.scope_in(session)
    for edge in edges:
        for (at,) in await session.execute(select(F.at).where(*of_kind("created", edge, scope))):
            local = at.astimezone(zone)
            cells[(local.weekday(), local.hour)] += 1
    return [HeatCell(weekday=d, hour=h, n=n) for (d, h), n in sorted(cells.items())]


TABLE_KINDS = ("resolved", "response", "first_response", "handle")


async def _table_sums(
    session: AsyncSession, filters: Filters, by: Dimension
) -> dict[int | None, dict[str, tuple[int, float]]]:
    """Per key and kind: how many facts and their seconds added up (rollups for the whole
    hours, facts for the parts of an hour at the ends)."""
    scope = access.scope_in(session)
    inner, edges = hour_split(filters)
    queries: list[Any] = []
    if inner is not None:
        key = _ROLLUP_KEYS[by]
        queries.append(
            select(key, H.kind, func.sum(H.n), func.sum(H.seconds))
            .where(
                H.kind.in_(TABLE_KINDS),
                H.hour >= inner.since,
                H.hour < inner.until,
                *rollup_conditions(inner, scope),
            )
            .group_by(key, H.kind)
        )
    for edge in edges:
        key = _FACT_KEYS[by]
        queries.append(
            select(key, F.kind, func.count(), func.sum(func.coalesce(F.seconds, 0.0)))
            .where(
                F.kind.in_(TABLE_KINDS),
                F.at >= edge.since,
                F.at < edge.until,
                *dimensions(edge, scope),
            )
            .group_by(key, F.kind)
        )
    found: dict[int | None, dict[str, tuple[int, float]]] = defaultdict(dict)
    for query in queries:
        for value, kind, n, seconds in await session.execute(query):
            owner = None if value in (None, 0) else int(value)
            had = found[owner].get(kind, (0, 0.0))
            found[owner][kind] = (had[0] + int(n or 0), had[1] + float(seconds or 0.0))
    return found


def _table_bins_usable(filters: Filters, scope: access.Scope, by: Dimension) -> bool:
    """The tables' day bins carry the operator or the team alone: usable for a caller who
    sees everything, without a tag, inbox or channel filter, nor a filter on the other key."""
    if not scope.everything or filters.tags or filters.inbox_ids or filters.channels:
        return False
    return not (filters.team_ids if by == "agent" else filters.agent_ids)


def _table_day_bins(days: Filters, by: Dimension) -> Any:
    D = ReportDayBin
    level, wanted = (BY_OPERATOR, days.agent_ids) if by == "agent" else (BY_TEAM, days.team_ids)
    conditions = [D.inbox_id == level, D.day >= days.since, D.day < days.until]
    if wanted:
        conditions.append(D.team_key.in_(wanted))
    return summed_day_bins(conditions, D.team_key)


async def _table_medians(
    session: AsyncSession, filters: Filters, by: Dimension
) -> dict[tuple[int | None, str], Stat]:
    """Per key, the first responses' and the responses' distributions: whole UTC days from
    the operator's or team's day bins where they apply (``_table_bins_usable``), the rest
    from the facts, binned by the database (``stats.py``)."""
    scope = access.scope_in(session)
    days, edges = (
        whole_days(filters) if _table_bins_usable(filters, scope, by) else (None, [filters])
    )
    bins: dict[tuple[int | None, str], list[Bin]] = defaultdict(list)
    if days is not None:
        for value, measure, k, n, total, low, high in await session.execute(
            _table_day_bins(days, by)
        ):
            owner = None if value in (None, 0) else int(value)
            kind = str(measure).removesuffix("_c")
            bins[(owner, kind)].append(Bin(int(k), int(n), float(total), float(low), float(high)))
    key = _FACT_KEYS[by]
    seconds = func.coalesce(F.seconds, 0.0)
    unit = bin_of(seconds)
    for edge in edges:
        rows = await session.execute(
            select(
                key,
                F.kind,
                unit,
                func.count(),
                func.sum(seconds),
                func.min(seconds),
                func.max(seconds),
            )
            .where(
                F.kind.in_(TABLE_MEASURES),
                F.at >= edge.since,
                F.at < edge.until,
                *dimensions(edge, scope),
            )
            .group_by(key, F.kind, unit)
        )
        for value, kind, k, n, total, low, high in rows:
            owner = None if value in (None, 0) else int(value)
            bins[(owner, kind)].append(Bin(int(k), int(n), float(total), float(low), float(high)))
    return {owner: from_bins(merge(found)) for owner, found in bins.items()}


async def table(session: AsyncSession, filters: Filters, by: Dimension) -> list[TableRow]:
    """Per operator (``agent``) or per team: resolutions, replies, medians and handle time."""
    if by not in ("agent", "team"):
        raise ValueError(by)
    await roomy(session)
    sums = await _table_sums(session, filters, by)
    medians = await _table_medians(session, filters, by)
    keys = set(sums) | {value for value, _ in medians}
    out = []
    for value in sorted(keys, key=lambda v: (v is None, v or 0)):
        kinds = sums.get(value, {})
        handled, handle_total = kinds.get("handle", (0, 0.0))
        first = medians.get((value, "first_response"))
        response = medians.get((value, "response"))
        out.append(
            TableRow(
                key=value,
                resolved=kinds.get("resolved", (0, 0.0))[0],
                responses=kinds.get("response", (0, 0.0))[0],
                first_response_median=first.median if first else None,
                response_median=response.median if response else None,
                handle_total=handle_total,
                handle_mean=handle_total / handled if handled else None,
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
