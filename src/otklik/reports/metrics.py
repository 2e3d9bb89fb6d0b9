"""Every metric of ``docs/metrics.md`` computed from the facts (never from messages).

Counts come from the hourly rollups (over whole hours without a tag filter) or single
aggregate queries; distributions are binned by the database and read from the bins
(``stats.py``): no fact travels to Python, a statement returns a few hundred rows however
large the period. Per-conversation values (the mean response, the summed handle time, the
last resolution) are grouped by the database too. Filters apply to the dimensions each fact
recorded when it happened (the team and operator at that moment), and the caller's scope
limits the facts like it limits conversations (``accounts/access.py``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.conversations import queries as conversation_queries
from otklik.reports.models import ReportFact, ReportHourly
from otklik.reports.schemas import Duration, Figures, Stat, Survey
from otklik.reports.stats import Bin, bin_of, from_bins, rate
from otklik.surveys import service as surveys

#: A resolution reopened within this long is not a first-contact resolution.
FCR_WINDOW = timedelta(days=7)
F = ReportFact
H = ReportHourly


@dataclass(frozen=True, slots=True)
class Filters:
    since: datetime
    until: datetime
    inbox_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    agent_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def previous(self) -> Filters:
        """The same filter over the equally long period just before."""
        length = self.until - self.since
        return Filters(
            since=self.since - length,
            until=self.since,
            inbox_ids=self.inbox_ids,
            team_ids=self.team_ids,
            agent_ids=self.agent_ids,
            channels=self.channels,
            tags=self.tags,
        )


def dimensions(filters: Filters, scope: access.Scope, fact: Any = F) -> list[ColumnElement[bool]]:
    """The conditions of ``filters`` (but the period) and of the caller's scope on facts."""
    conditions = [
        access.visible(
            scope, inbox_id=fact.inbox_id, team_id=fact.team_id, assignee_id=fact.agent_id
        )
    ]
    if filters.inbox_ids:
        conditions.append(fact.inbox_id.in_(filters.inbox_ids))
    if filters.team_ids:
        conditions.append(fact.team_id.in_(filters.team_ids))
    if filters.agent_ids:
        conditions.append(fact.agent_id.in_(filters.agent_ids))
    if filters.channels:
        conditions.append(fact.channel.in_(filters.channels))
    if filters.tags:
        conditions.append(fact.conversation_id.in_(conversation_queries.tagged_ids(filters.tags)))
    return conditions


def of_kind(kind: str, filters: Filters, scope: access.Scope) -> list[ColumnElement[bool]]:
    return [
        F.kind == kind,
        F.at >= filters.since,
        F.at < filters.until,
        *dimensions(filters, scope),
    ]


def _hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_split(filters: Filters) -> tuple[Filters | None, list[Filters]]:
    """The whole UTC hours inside the period (what the hourly rollups answer) and the parts
    of an hour before and after them (what the facts answer); no whole hours with a tag
    filter (rollups do not know tags) or a period shorter than an hour."""
    start, end = _hour(filters.since), _hour(filters.until)
    if start < filters.since:
        start += timedelta(hours=1)
    if filters.tags or start >= end:
        return None, [filters]
    edges = []
    if filters.since < start:
        edges.append(replace(filters, until=start))
    if end < filters.until:
        edges.append(replace(filters, since=end))
    return replace(filters, since=start, until=end), edges


def rollup_conditions(filters: Filters, scope: access.Scope) -> list[ColumnElement[bool]]:
    """:func:`dimensions` on the hourly rollups (0 stands for no team / nobody there)."""
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


async def counts(session: AsyncSession, kinds: Sequence[str], filters: Filters) -> dict[str, int]:
    """How many facts of each kind the period has: the whole hours from the hourly rollups
    (a few rows per hour and dimension set), the parts of an hour at its ends from the
    facts."""
    scope = access.scope_in(session)
    inner, edges = hour_split(filters)
    queries: list[Any] = []
    if inner is not None:
        queries.append(
            select(H.kind, func.sum(H.n))
            .where(
                H.kind.in_(kinds),
                H.hour >= inner.since,
                H.hour < inner.until,
                *rollup_conditions(inner, scope),
            )
            .group_by(H.kind)
        )
    for edge in edges:
        queries.append(
            select(F.kind, func.count())
            .where(
                F.kind.in_(kinds),
                F.at >= edge.since,
                F.at < edge.until,
                *dimensions(edge, scope),
            )
            .group_by(F.kind)
        )
    found = dict.fromkeys(kinds, 0)
    for query in queries:
        for kind, n in await session.execute(query):
            found[str(kind)] += int(n or 0)
    return found


async def count(session: AsyncSession, kind: str, filters: Filters) -> int:
    return (await counts(session, (kind,), filters))[kind]


async def histograms(session: AsyncSession, units: Any) -> list[Stat]:
    """The distribution of each column of ``units`` (one duration per row), binned by the
    database (``stats.py``): one statement, a few hundred rows back however many facts."""
    table = units.cte("units")
    parts = []
    for i, column in enumerate(table.c):
        key = bin_of(column)
        parts.append(
            select(
                literal_column(str(i)).label("h"),
                key.label("k"),
                func.count().label("n"),
                func.sum(column).label("total"),
                func.min(column).label("low"),
                func.max(column).label("high"),
            )
            .select_from(table)
            .group_by(key)
        )
    found: list[list[Bin]] = [[] for _ in table.c]
    for h, k, n, total, low, high in await session.execute(union_all(*parts)):
        found[int(h)].append(Bin(int(k), int(n), float(total), float(low), float(high)))
    return [from_bins(bins) for bins in found]


def _seconds(fact: Any = F) -> tuple[ColumnElement[float], ColumnElement[float]]:
    return func.coalesce(fact.seconds, 0.0), func.coalesce(fact.business_seconds, 0.0)


async def _each(session: AsyncSession, kind: str, filters: Filters, *extra: Any) -> Duration:
    """One value per fact."""
    scope = access.scope_in(session)
    calendar, business = _seconds()
    units = select(calendar.label("c"), business.label("b")).where(
        *of_kind(kind, filters, scope), *extra
    )
    found = await histograms(session, units)
    return Duration(calendar=found[0], business=found[1])


async def _response(session: AsyncSession, filters: Filters) -> Duration:
    """The mean of each conversation's responses in the period."""
    scope = access.scope_in(session)
    calendar, business = _seconds()
    units = (
        select(func.avg(calendar).label("c"), func.avg(business).label("b"))
        .where(*of_kind("response", filters, scope))
        .group_by(F.conversation_id)
    )
    found = await histograms(session, units)
    return Duration(calendar=found[0], business=found[1])


async def _last_resolution(session: AsyncSession, filters: Filters) -> Duration:
    """Each conversation's last resolution in the period."""
    scope = access.scope_in(session)
    calendar, business = _seconds()
    newest = func.row_number().over(
        partition_by=F.conversation_id, order_by=(F.at.desc(), F.id.desc())
    )
    ranked = (
        select(calendar.label("c"), business.label("b"), newest.label("r"))
        .where(*of_kind("resolved", filters, scope))
        .subquery()
    )
    found = await histograms(session, select(ranked.c.c, ranked.c.b).where(ranked.c.r == 1))
    return Duration(calendar=found[0], business=found[1])


async def _handle(session: AsyncSession, filters: Filters) -> tuple[Duration, Duration]:
    """Each conversation's handling segments in the period added up, and the same with
    each segment divided by the dialogs its operator had open at once."""
    scope = access.scope_in(session)
    calendar, business = _seconds()
    at_once = func.coalesce(F.n, 1)
    share = case((at_once < 1, 1), else_=at_once)
    units = (
        select(
            func.sum(calendar).label("c"),
            func.sum(business).label("b"),
            func.sum(calendar / share).label("cd"),
            func.sum(business / share).label("bd"),
        )
        .where(*of_kind("handle", filters, scope))
        .group_by(F.conversation_id)
    )
    c, b, cd, bd = await histograms(session, units)
    return Duration(calendar=c, business=b), Duration(calendar=cd, business=bd)


async def _fcr(session: AsyncSession, filters: Filters, first_resolved: int) -> tuple[int, int]:
    """Conversations first resolved in the period, and those of them with one operator
    reply session and no reopening within :data:`FCR_WINDOW` of that resolution. The
    reopenings are the few rows read: those after the period's start and at most the window
    after its end, and the first resolutions of their conversations. (Date arithmetic differs
    between the databases: the window itself is checked here.)"""
    if not first_resolved:
        return 0, 0
    scope = access.scope_in(session)
    one_session = (F.first.is_(True), F.n == 1)
    candidates = await session.scalar(
        select(func.count()).where(*of_kind("resolved", filters, scope), *one_session)
    )
    window = (
        F.kind == "reopened",
        F.at > filters.since,
        F.at <= filters.until + FCR_WINDOW,
    )
    reopened: dict[int, list[datetime]] = defaultdict(list)
    for conversation_id, at in await session.execute(
        select(F.conversation_id, F.at).where(*window)
    ):
        reopened[conversation_id].append(at)
    if not reopened:
        return int(candidates or 0), first_resolved
    reopening = select(F.conversation_id).where(*window)
    found = await session.execute(
        select(F.conversation_id, F.at).where(
            *of_kind("resolved", filters, scope), *one_session, F.conversation_id.in_(reopening)
        )
    )
    spoiled = {
        conversation_id
        for conversation_id, resolved_at in found
        if any(resolved_at < at <= resolved_at + FCR_WINDOW for at in reopened[conversation_id])
    }
    return int(candidates or 0) - len(spoiled), first_resolved


async def _escalated_share(session: AsyncSession, filters: Filters) -> int:
    """Conversations created in the period that were escalated (ever): read from the
    escalations since the period's start (one cannot escalate before creation), a list the
    database builds once and looks each created fact up in."""
    scope = access.scope_in(session)
    escalations = select(F.conversation_id).where(F.kind == "escalated", F.at >= filters.since)
    found = await session.scalar(
        select(func.count()).where(
            *of_kind("created", filters, scope), F.conversation_id.in_(escalations)
        )
    )
    return int(found or 0)


#: PostgreSQL's memory for one report's grouping by conversation: with the default 4 MB a
#: month of 1,000,000 conversations' responses (333,000 groups) spilled to disk in 17
#: batches (1.7 s); in memory 1.0 s (``bench/RESULTS.md``). For this transaction only.
WORK_MEM = "64MB"


async def roomy(session: AsyncSession) -> None:
    """Let this transaction's groupings stay in memory (PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))


async def figures(session: AsyncSession, filters: Filters) -> Figures:
    await roomy(session)
    counted = await counts(session, ("created", "resolved", "reopened", "escalated"), filters)
    created, resolved, reopened = counted["created"], counted["resolved"], counted["reopened"]
    resolution_first = await _each(session, "resolved", filters, F.first.is_(True))
    handle, handle_per_dialog = await _handle(session, filters)
    fcr_good, fcr_total = await _fcr(session, filters, resolution_first.calendar.count)
    escalated = await _escalated_share(session, filters) if created else 0
    return Figures(
        created=created,
        resolved=resolved,
        reopened=reopened,
        escalated=counted["escalated"],
        first_response=await _each(session, "first_response", filters),
        response=await _response(session, filters),
        resolution_first=resolution_first,
        resolution_full=await _last_resolution(session, filters),
        handle=handle,
        handle_per_dialog=handle_per_dialog,
        fcr=rate(fcr_good, fcr_total),
        reopen_rate=rate(reopened, resolved),
        escalation_rate=rate(escalated, created),
        **await _surveys(session, filters),
    )


def _survey(kind: str, sent: int, scores: dict[int, int]) -> Survey:
    answered = sum(scores.values())
    score: float | None = None
    if answered:
        if kind == "csat":
            score = sum(n for s, n in scores.items() if s >= 4) / answered * 100
        elif kind == "nps":
            promoters = sum(n for s, n in scores.items() if s >= 9)
            detractors = sum(n for s, n in scores.items() if s <= 6)
            score = (promoters - detractors) / answered * 100
        else:
            score = sum(s * n for s, n in scores.items()) / answered
    return Survey(
        sent=sent,
        answered=answered,
        response_rate=answered / sent * 100 if sent else None,
        score=score,
    )


async def _surveys(session: AsyncSession, filters: Filters) -> dict[str, Survey]:
    """CSAT, NPS and CES of the surveys sent in the period (by the surveys' own inbox, team,
    operator and channel; a tag filter does not narrow them: surveys carry no tags)."""
    counted = await surveys.score_counts(
        session,
        since=filters.since,
        until=filters.until,
        inbox_ids=filters.inbox_ids,
        team_ids=filters.team_ids,
        operator_ids=filters.agent_ids,
        channels=filters.channels,
    )
    return {kind: _survey(kind, *counted.get(kind, (0, {}))) for kind in ("csat", "nps", "ces")}
