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

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal_column, not_, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from otklik.accounts import access
from otklik.channels import service as channels
from otklik.conversations import queries as conversation_queries
from otklik.core.side_reads import alongside
from otklik.reports import overlap, survey_scores
from otklik.reports.models import (
    ROLLUP_KINDS,
    ReportDayBin,
    ReportFact,
    ReportHourly,
    ReportTagCount,
    ReportTagDayBin,
)
from otklik.reports.recording import OVERVIEW_BY_OPERATOR
from otklik.reports.schemas import Duration, Figures, Stat
from otklik.reports.stats import Bin, bin_of, from_bins, rate
from otklik.reports.tagged import TAG_KINDS
from otklik.reports.tracking import FCR_WINDOW
from otklik.reports.transaction import beside, roomy

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
    conditions += narrowed(
        filters, inbox=fact.inbox_id, team=fact.team_id, agent=fact.agent_id, channel=fact.channel
    )
    if filters.tags:
        # Each fact of the period checked for the tags (not ``IN`` the tagged conversations:
        # SQLite then walked every fact of every tagged conversation however short the
        # period, 3 s for an hour's part at 1M conversations).
        conditions.append(conversation_queries.carries_any(fact.conversation_id, filters.tags))
    return conditions


def narrowed(
    filters: Filters, *, inbox: Any, team: Any, channel: Any, agent: Any = None
) -> list[ColumnElement[bool]]:
    """``filters``' inbox, team, operator and channel choices on the columns given (facts,
    hourly rollups or day bins name them differently)."""
    chosen = (
        (inbox, filters.inbox_ids),
        (team, filters.team_ids),
        (agent, filters.agent_ids),
        (channel, filters.channels),
    )
    return [column.in_(values) for column, values in chosen if column is not None and values]


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
    if filters.tags:
        return None, [filters]
    return _aligned(filters, _hour, timedelta(hours=1))


def tag_rows(filters: Filters, scope: access.Scope) -> tuple[str, ...]:
    """The tags whose own rows (``report_tag_*``, ADR 0032) answer a filter on them (else
    none): one tag or several ("any of") and no other filter, for a caller who sees
    everything (the rows carry no other dimension). Several tags' rows added up count a
    conversation carrying two of them twice: :func:`several_excess` says how much."""
    others = filters.inbox_ids or filters.team_ids or filters.agent_ids or filters.channels
    if others or not scope.everything:
        return ()
    return tuple(sorted(set(filters.tags)))


def _several_rows(
    filters: Filters, scope: access.Scope
) -> tuple[tuple[str, ...], overlap.Window] | None:
    """When several tags' rows answer ``filters``: the tags, and the period's whole hours
    and whole days (what the rows answer); else ``None``."""
    tags = tag_rows(filters, scope)
    hours, _ = _aligned(filters, _hour, timedelta(hours=1))
    if len(tags) < 2 or hours is None:
        return None
    days, _ = whole_days(filters)
    whole = None if days is None else (days.since, days.until)
    return tags, overlap.Window((hours.since, hours.until), whole)


async def several_excesses(
    session: AsyncSession, periods: Sequence[Filters]
) -> list[overlap.Excess]:
    """:func:`several_excess` of each of ``periods``, those of the same tags read together
    (one statement for the overview's period and the one before: the overlapping
    conversations' facts cost about as much to read for two periods as for one)."""
    scope = access.scope_in(session)
    found = [overlap.Excess() for _ in periods]
    wanted: dict[tuple[str, ...], list[tuple[int, overlap.Window]]] = defaultdict(list)
    for i, period in enumerate(periods):
        several = _several_rows(period, scope)
        if several is not None:
            tags, window = several
            wanted[tags].append((i, window))
    for tags, chosen in wanted.items():
        read = await overlap.excess(session, tags, [window for _, window in chosen])
        for (i, _), one in zip(chosen, read, strict=True):
            found[i] = one
    return found


async def several_excess(session: AsyncSession, filters: Filters) -> overlap.Excess:
    """With several tags read from their rows, what the rows added up count beyond "any of"
    over the period's whole hours and whole days (``overlap.py``); else nothing."""
    return (await several_excesses(session, [filters]))[0]


@dataclass(frozen=True, slots=True)
class Pending:
    """Several tags' excess being read beside the figures that subtract it (on another
    connection, :func:`_reading_excess`): the ``index``-th period of ``reading``."""

    reading: asyncio.Task[list[overlap.Excess]]
    index: int


#: Several tags' excess for the figures of a period: read, being read, or not read yet.
Excess = overlap.Excess | Pending | None


async def _excess(session: AsyncSession, filters: Filters, excess: Excess) -> overlap.Excess:
    if excess is None:
        return await several_excess(session, filters)
    if isinstance(excess, Pending):
        return (await excess.reading)[excess.index]
    return excess


@asynccontextmanager
async def _reading_excess(
    session: AsyncSession, periods: Sequence[Filters]
) -> AsyncIterator[list[Pending] | None]:
    """Several tags' excess of ``periods`` being read beside ``session`` on a free
    connection (``transaction.beside``); ``None`` when none is. (Read in two parts of the
    conversations on two connections it took longer on two cores, 986 against 896 ms at 1M
    on SQLite: each part read every tag row again, and the cores were busy already.)"""
    async with beside(session) as other:
        if other is None:
            yield None
            return
        async with alongside(several_excesses(other, periods)) as reading:
            yield [Pending(reading, i) for i in range(len(periods))]


def operator_bins_usable(filters: Filters, scope: access.Scope) -> bool:
    """The operators' day bins (inbox ``OVERVIEW_BY_OPERATOR``) answer an operator filter without
    any other filter, for a caller who sees everything (ADR 0032)."""
    others = filters.inbox_ids or filters.team_ids or filters.channels or filters.tags
    return bool(filters.agent_ids) and not others and scope.everything


def count_split(
    filters: Filters, scope: access.Scope, kinds: Sequence[str]
) -> tuple[Filters | None, list[Filters], tuple[str, ...]]:
    """:func:`hour_split` for :func:`counts`, and the tags whose hourly rows
    (``report_tag_counts``) answer the whole hours of a tag filter (else none)."""
    tags = tag_rows(filters, scope)
    if tags and set(kinds) <= TAG_KINDS:
        return (*_aligned(filters, _hour, timedelta(hours=1)), tags)
    return (*hour_split(filters), ())


def _aligned(
    filters: Filters, floor: Callable[[datetime], datetime], step: timedelta
) -> tuple[Filters | None, list[Filters]]:
    """The whole units (hours, days: ``floor`` and ``step``) inside the period, and the
    parts of a unit at its ends."""
    start, end = floor(filters.since), floor(filters.until)
    if start < filters.since:
        start += step
    if start >= end:
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
    return conditions + narrowed(
        filters, inbox=H.inbox_id, team=H.team_key, agent=H.agent_key, channel=H.channel
    )


def _edge_count(kind: str, edge: Filters, scope: access.Scope) -> Any:
    """How many facts of a period (an hour's part at an end, or any period with a tag
    filter) count as ``kind``, for the kinds kept in the rollups only (``ROLLUP_KINDS``)."""
    if kind == "fcr_spoiled":
        raise ValueError("fcr_spoiled is counted by _fcr")
    if kind == "fcr_candidate":
        extra: tuple[Any, ...] = (F.first.is_(True), F.n == 1)
        fact_kind = "resolved"
    elif kind == "escalated_created":
        # Checked per created fact by the index by conversation (not ``IN`` every escalation
        # since the edge's start: for the period before the overview's, two months of them).
        escalation = aliased(F)
        escalated = (
            select(escalation.conversation_id)
            .where(
                escalation.conversation_id == F.conversation_id,
                escalation.kind == "escalated",
                escalation.at >= edge.since,
            )
            .exists()
        )
        extra = (escalated,)
        fact_kind = "created"
    else:
        raise ValueError(kind)
    return select(literal_column(f"'{kind}'"), func.count()).where(
        *of_kind(fact_kind, edge, scope), *extra
    )


async def counts(
    session: AsyncSession,
    kinds: Sequence[str],
    filters: Filters,
    excess: Excess = None,
) -> dict[str, int]:
    """How many facts of each kind the period has: the whole hours from the hourly rollups
    (a few rows per hour and dimension set) or a tag filter's own rows, the parts of an
    hour at its ends from the facts. ``ROLLUP_KINDS`` (counted in the rollups only) are
    counted from their facts at the ends (:func:`_edge_count`). Several tags' rows added
    up less their ``excess`` (:func:`several_excess`, when the caller has not read it)."""
    scope = access.scope_in(session)
    inner, edges, tags = count_split(filters, scope, kinds)
    queries: list[Any] = []
    found = dict.fromkeys(kinds, 0)
    if inner is not None and tags:
        T = ReportTagCount
        queries.append(
            select(T.kind, func.sum(T.n))
            .where(T.tag.in_(tags), T.kind.in_(kinds), T.hour >= inner.since)
            .where(T.hour < inner.until)
            .group_by(T.kind)
        )
    elif inner is not None:
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
    plain = [kind for kind in kinds if kind not in ROLLUP_KINDS]
    for edge in edges:
        if plain:
            queries.append(
                select(F.kind, func.count())
                .where(
                    F.kind.in_(plain),
                    F.at >= edge.since,
                    F.at < edge.until,
                    *dimensions(edge, scope),
                )
                .group_by(F.kind)
            )
        queries.extend(_edge_count(kind, edge, scope) for kind in kinds if kind in ROLLUP_KINDS)
    for query in queries:
        for kind, n in await session.execute(query):
            found[str(kind)] += int(n or 0)
    if inner is not None and len(tags) > 1:
        # Last: the excess may still be being read beside these statements.
        too_many = await _excess(session, filters, excess)
        for kind in kinds:
            found[kind] -= too_many.counts.get(kind, 0)
    return found


async def count(session: AsyncSession, kind: str, filters: Filters, excess: Excess = None) -> int:
    return (await counts(session, (kind,), filters, excess))[kind]


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


#: The overview's distributions: its field, and the measure of ``report_day_bins`` (the
#: fact kind, or ``resolution_first``/``resolution_full`` for the ``resolved`` facts).
DISTRIBUTIONS = {
    "first_response": "first_response",
    "response": "conv_response",
    "resolution_first": "resolution_first",
    "resolution_full": "resolution_full",
    "handle": "conv_handle",
    "handle_per_dialog": "conv_handle_dialog",
}
_BINNED_KINDS = ("first_response", "resolved", "conv_response", "conv_handle", "conv_handle_dialog")
Bins = dict[str, list[Bin]]


def _day(at: datetime) -> datetime:
    return _hour(at).replace(hour=0)


def day_split(filters: Filters, scope: access.Scope) -> tuple[Filters | None, list[Filters]]:
    """The whole UTC days inside the period (what ``report_day_bins`` or
    ``report_tag_day_bins`` answers) and the parts of a day before and after them (what the
    facts answer). Only a caller who sees everything reads bins: without an operator or tag
    filter, or with one operator filter alone (the operators' rows), or tags alone (the
    tags' rows); anyone else reads the facts of the whole period."""
    if not scope.everything:
        return None, [filters]
    if filters.tags and not tag_rows(filters, scope):
        return None, [filters]
    if filters.agent_ids and not operator_bins_usable(filters, scope):
        return None, [filters]
    return whole_days(filters)


def whole_days(filters: Filters) -> tuple[Filters | None, list[Filters]]:
    """The whole UTC days inside the period and the parts of a day at its ends."""
    return _aligned(filters, _day, timedelta(days=1))


def _fact_bins(
    edges: Sequence[Filters], scope: access.Scope, only: Sequence[ColumnElement[bool]] = ()
) -> Any:
    """Each binned fact of the parts of a period ``edges`` (the same filters, other times),
    binned by the database per measure and clock; ``only``: more conditions on the facts.
    The facts are found once for both clocks and every part (a materialized CTE): with a
    tag filter each scan checked every fact for the tags again (on PostgreSQL a hash of
    every tagged conversation, 50 ms at 1M conversations, built for each clock and each end
    of the period)."""
    columns = (F.conversation_id, F.inbox_id, F.team_id, F.agent_id, F.channel)
    parts = [
        select(F.kind, F.first, F.seconds, F.business_seconds, *columns).where(
            F.kind.in_(_BINNED_KINDS), F.at >= edge.since, F.at < edge.until, *only
        )
        for edge in edges
    ]
    # The parts read by the index on (kind, at) each, the other conditions (the tags among
    # them) checked on them together: PostgreSQL builds its hash of the tagged
    # conversations once.
    each = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("edge_facts")
    found = (
        select(each.c.kind, each.c.first, each.c.seconds, each.c.business_seconds)
        .where(*dimensions(edges[0], scope, fact=each.c))
        .cte("binned")
        .prefix_with("MATERIALIZED")
    )
    parts = []
    for clock, column in (("c", found.c.seconds), ("b", found.c.business_seconds)):
        value = func.coalesce(column, 0.0)
        key = bin_of(value)
        parts.append(
            select(
                literal_column(f"'{clock}'").label("clock"),
                found.c.kind,
                found.c.first,
                key.label("k"),
                func.count().label("n"),
                func.sum(value).label("total"),
                func.min(value).label("low"),
                func.max(value).label("high"),
            ).group_by(found.c.kind, found.c.first, key)
        )
    return union_all(*parts)


def _day_bins(days: Filters, supervisor: tuple[access.Scope, Sequence[int]] | None = None) -> Any:
    """The whole days' bins, the dimension sets and shards added up: the tags' own rows
    (added up) for a tag filter, the operators' rows for an operator filter
    (``day_split``); for a ``supervisor`` (their scope, and the inboxes whose rows may
    hold theirs) the dimension sets of their inboxes and teams (:func:`_supervised`)."""
    if days.tags:
        T = ReportTagDayBin
        # Added up over the shards before asking whether a bin holds values: on PostgreSQL
        # a tag's removal takes values out in its own write lane's shard
        # (``core/write_shard.py``), which can leave that row below 0 and the one that
        # counted them above. The extremes are those of the rows that hold values.
        held = T.n > 0
        return (
            select(T.measure, T.bin, func.sum(T.n), func.sum(T.total))
            .add_columns(func.min(case((held, T.low))), func.max(case((held, T.high))))
            .where(T.tag.in_(days.tags), T.day >= days.since, T.day < days.until)
            .group_by(T.measure, T.bin)
            .having(func.sum(T.n) > 0)
        )
    D = ReportDayBin
    conditions: list[ColumnElement[bool]] = [D.day >= days.since, D.day < days.until]
    if days.agent_ids:
        measures = [f"{m}_{clock}" for m in DISTRIBUTIONS.values() for clock in ("c", "b")]
        conditions += [
            # Written out (not bound): what lets both databases use the operators' index.
            D.inbox_id == literal_column(str(OVERVIEW_BY_OPERATOR)),
            D.team_key.in_(days.agent_ids),
            D.measure.in_(measures),
        ]
        return summed_day_bins(conditions)
    if supervisor is not None:
        scope, inboxes = supervisor
        # The inboxes written out: each one's days are a range of the key (``inbox_id > 0``
        # read every day of every inbox, 0.45 s at 1M conversations on SQLite).
        conditions += [
            D.inbox_id.in_(sorted(inboxes)),
            _theirs(scope, inbox=D.inbox_id, team=D.team_key),
        ]
    elif not (days.inbox_ids or days.team_ids or days.channels):
        # The rows counting every dimension set (``recording.ALL``).
        conditions.append(D.inbox_id == 0)
    else:
        conditions.append(D.inbox_id > 0)
    # No operator dimension in the bins: the caller sends operator filters to the facts.
    conditions += narrowed(days, inbox=D.inbox_id, team=D.team_key, channel=D.channel)
    return summed_day_bins(conditions)


def summed_day_bins(conditions: Sequence[ColumnElement[bool]], *keys: Any) -> Any:
    """The day bins that match ``conditions`` added up per ``keys``, measure and bin."""
    D = ReportDayBin
    return (
        select(
            *keys,
            D.measure,
            D.bin,
            func.sum(D.n),
            func.sum(D.total),
            func.min(D.low),
            func.max(D.high),
        )
        .where(*conditions)
        .group_by(*keys, D.measure, D.bin)
    )


def merge(bins: list[Bin]) -> list[Bin]:
    """Bins of the same key from several sources as one: counts and sums added, the
    smallest of the smallest, the largest of the largest. (Added up in lists, one ``Bin``
    made per key: a ``Bin`` per step was a tenth of the overview's Python time.)"""
    by_key: dict[int, list[Any]] = {}
    for b in bins:
        had = by_key.get(b.key)
        if had is None:
            by_key[b.key] = [b.n, b.total, b.low, b.high]
        else:
            had[0] += b.n
            had[1] += b.total
            had[2] = min(had[2], b.low)
            had[3] = max(had[3], b.high)
    return [Bin(key, n, total, low, high) for key, (n, total, low, high) in by_key.items()]


def _supervised(filters: Filters, scope: access.Scope) -> bool:
    """A supervisor's view without an operator or tag filter (ADR 0033): what they see
    (``access.visible``) is the dimension sets of their inboxes and teams, whose day bins
    answer the whole days, and their own facts elsewhere, few, found by operator."""
    return scope.role == "supervisor" and not (filters.agent_ids or filters.tags)


def _theirs(scope: access.Scope, *, inbox: Any, team: Any) -> ColumnElement[bool]:
    """In one of a supervisor's inboxes or teams."""
    return or_(inbox.in_(sorted(scope.inbox_ids)), team.in_(sorted(scope.team_ids)))


def _own_elsewhere(scope: access.Scope) -> list[ColumnElement[bool]]:
    """A supervisor's own facts outside their inboxes and teams (the index by operator)."""
    return [
        F.agent_id == scope.agent_id,
        not_(_theirs(scope, inbox=F.inbox_id, team=func.coalesce(F.team_id, 0))),
    ]


async def binned(session: AsyncSession, filters: Filters) -> Bins:
    """The bins of the overview's distributions (``DISTRIBUTIONS``, per measure and clock):
    whole UTC days from the day bins (several tags' rows added up, the excess not taken
    out: :func:`durations` does; a supervisor's inboxes and teams, their own facts
    elsewhere from the facts), the rest from the facts (one value per fact)."""
    scope = access.scope_in(session)
    supervised = _supervised(filters, scope)
    days, edges = whole_days(filters) if supervised else day_split(filters, scope)
    found: Bins = defaultdict(list)
    fact_reads = [_fact_bins(edges, scope)] if edges else []
    if days is not None:
        supervisor = None
        if supervised:
            # Their teams' rows may be in any inbox (inboxes are never deleted).
            inboxes = await channels.inbox_ids(session) if scope.team_ids else scope.inbox_ids
            supervisor = (scope, sorted(inboxes))
        rows = await session.execute(_day_bins(days, supervisor))
        for measure, k, n, total, low, high in rows:
            found[str(measure)].append(Bin(int(k), int(n), float(total), float(low), float(high)))
        if supervised:
            fact_reads.append(_fact_bins([days], scope, only=_own_elsewhere(scope)))
    for read in fact_reads:
        for clock, kind, first, k, n, total, low, high in await session.execute(read):
            one = Bin(int(k), int(n), float(total), float(low), float(high))
            if kind == "resolved":
                found[f"resolution_full_{clock}"].append(one)
                if first:
                    found[f"resolution_first_{clock}"].append(one)
            else:
                found[f"{kind}_{clock}"].append(one)
    return found


def durations(found: Bins, excess: overlap.Excess) -> dict[str, Duration]:
    """The distributions of :func:`binned`'s bins less several tags' ``excess``, the bins of
    all sources merged (ADR 0031)."""
    for measure in list(excess.bins):
        found[measure] = found.get(measure, []) + excess.taken_out(measure)
    return {
        field: Duration(
            calendar=from_bins(merge(found.get(f"{measure}_c", []))),
            business=from_bins(merge(found.get(f"{measure}_b", []))),
        )
        for field, measure in DISTRIBUTIONS.items()
    }


async def _spoiled_in_facts(session: AsyncSession, part: Filters) -> int:
    """The FCR candidates resolved in ``part`` reopened within :data:`FCR_WINDOW`, from the
    facts: the reopenings after its start and at most the window after its end joined to
    their conversations' first resolutions. (Date arithmetic differs between the
    databases: the window itself is checked here.)"""
    scope = access.scope_in(session)
    reopened = aliased(F)
    pairs = await session.execute(
        select(F.conversation_id, F.at, reopened.at)
        .select_from(reopened)
        .join(F, F.conversation_id == reopened.conversation_id)
        .where(
            reopened.kind == "reopened",
            reopened.at > part.since,
            reopened.at <= part.until + FCR_WINDOW,
            *of_kind("resolved", part, scope),
            F.first.is_(True),
            F.n == 1,
        )
    )
    spoiled = {
        conversation_id
        for conversation_id, resolved_at, at in pairs
        if resolved_at < at <= resolved_at + FCR_WINDOW
    }
    return len(spoiled)


async def _spoiled(session: AsyncSession, filters: Filters) -> int:
    """The FCR candidates of the period reopened within :data:`FCR_WINDOW` of their
    resolution: counted in the rollups or the tags' rows (their excess not taken out) for
    the whole hours, from the facts for the parts of an hour at the ends (or the whole
    period with a tag filter the rows do not answer)."""
    inner, edges, _ = count_split(filters, access.scope_in(session), ("fcr_spoiled",))
    spoiled = 0
    if inner is not None:
        spoiled += await count(session, "fcr_spoiled", inner, overlap.Excess())
    for edge in edges:
        spoiled += await _spoiled_in_facts(session, edge)
    return spoiled


async def figures(session: AsyncSession, filters: Filters, excess: Excess = None) -> Figures:
    """Every overview figure of the period; ``excess``: its :func:`several_excess`, read or
    being read (:func:`with_previous`). Else, when the period needs one, it is read on
    another connection while this one reads the rest (:func:`_reading_excess`)."""
    await roomy(session)
    if excess is not None or _several_rows(filters, access.scope_in(session)) is None:
        return await _figures(session, filters, excess or overlap.Excess())
    async with _reading_excess(session, [filters]) as pending:
        if pending is None:
            return await _figures(session, filters, await several_excess(session, filters))
        return await _figures(session, filters, pending[0])


#: The overview's counts (``fcr_candidate``: conversations first resolved with one operator
#: reply session, the FCR's numerator before the spoiled ones are taken out).
_COUNTED = ("created", "resolved", "reopened", "escalated", "escalated_created", "fcr_candidate")


async def _figures(session: AsyncSession, filters: Filters, excess: Excess) -> Figures:
    """Every statement first, several tags' excess last: it may still be being read beside
    them (:class:`Pending`), and nothing before needs it."""
    nothing = overlap.Excess()
    counted = await counts(session, _COUNTED, filters, nothing)
    found = await binned(session, filters)
    spoiled = await _spoiled(session, filters)
    surveys = await survey_scores.of_period(session, filters)
    too_many = await _excess(session, filters, excess)
    for kind in _COUNTED:
        counted[kind] -= too_many.counts.get(kind, 0)
    spoiled -= too_many.counts.get("fcr_spoiled", 0)
    spread = durations(found, too_many)
    first_resolved = spread["resolution_first"].calendar.count
    created, resolved, reopened = counted["created"], counted["resolved"], counted["reopened"]
    return Figures(
        created=created,
        resolved=resolved,
        reopened=reopened,
        escalated=counted["escalated"],
        **spread,
        # Conversations first resolved in the period with one operator reply session and
        # no reopening within the FCR window, of those first resolved in it.
        fcr=rate(counted["fcr_candidate"] - spoiled, first_resolved)
        if first_resolved
        else rate(0, 0),
        reopen_rate=rate(reopened, resolved),
        escalation_rate=rate(counted["escalated_created"], created),
        **surveys,
    )


async def with_previous(session: AsyncSession, filters: Filters) -> tuple[Figures, Figures]:
    """The figures of the period and of the equally long one before it (the overview
    endpoint, the mailed reports), several tags' excess read once for both. On a read
    session the two periods (and the excess) are read at once, each on its own connection
    (``transaction.beside``): the answer takes the longest of them, not their sum."""
    await roomy(session)
    both = (filters, filters.previous())
    scope = access.scope_in(session)
    async with beside(session) as other:
        if other is None:
            now, before = await several_excesses(session, both)
            return await _figures(session, both[0], now), await _figures(session, both[1], before)
        if all(_several_rows(period, scope) is None for period in both):
            return await _two(session, other, both, (overlap.Excess(), overlap.Excess()))
        async with _reading_excess(session, both) as pending:
            if pending is None:
                return await _two(session, other, both, await several_excesses(session, both))
            return await _two(session, other, both, pending)


async def _two(
    session: AsyncSession,
    other: AsyncSession,
    periods: tuple[Filters, Filters],
    excesses: Sequence[Excess],
) -> tuple[Figures, Figures]:
    """The figures of two periods at once, the second on ``other``."""
    async with alongside(_figures(other, periods[1], excesses[1])) as second:
        first = await _figures(session, periods[0], excesses[0])
        return first, await second
