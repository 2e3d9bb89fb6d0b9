"""The overview's figures of ``docs/metrics.md`` computed from the facts (never from
messages): counts from the hourly rollups (over whole hours without a tag filter), the tags'
own rows or single aggregate queries; the distributions from ``distributions.py``; FCR,
rates and surveys; several tags' excess (``overlap.py``); and the endpoint's period with the
one before, read at once (ADR 0033). The filters and how a period splits: ``filters.py``.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from otklik.accounts import access
from otklik.core.side_reads import alongside
from otklik.reports import overlap, survey_scores, tagged
from otklik.reports.distributions import binned, durations, whole_days
from otklik.reports.filters import (
    F,
    Filters,
    H,
    aligned,
    dimensions,
    hour_of,
    hour_split,
    of_kind,
    rollup_conditions,
    tag_rows,
)
from otklik.reports.models import (
    ROLLUP_KINDS,
    ReportTagCount,
    ReportTagPairCount,
)
from otklik.reports.schemas import Figures
from otklik.reports.stats import rate
from otklik.reports.tagged import TAG_KINDS
from otklik.reports.tracking import FCR_WINDOW
from otklik.reports.transaction import beside, roomy


def _several_rows(
    filters: Filters, scope: access.Scope
) -> tuple[tuple[str, ...], overlap.Window] | None:
    """When several tags' rows answer ``filters``: the tags, and the period's whole hours
    and whole days (what the rows answer); else ``None``."""
    tags = tag_rows(filters, scope)
    hours, _ = aligned(filters, hour_of, timedelta(hours=1))
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
    """With several tags read from their rows, what the rows added up less their pairs'
    rows count beyond "any of" over the period's whole hours and whole days
    (``overlap.py``); else nothing."""
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


def count_split(
    filters: Filters, scope: access.Scope, kinds: Sequence[str]
) -> tuple[Filters | None, list[Filters], tuple[str, ...]]:
    """:func:`hour_split` for :func:`counts`, and the tags whose hourly rows
    (``report_tag_counts``) answer the whole hours of a tag filter (else none)."""
    tags = tag_rows(filters, scope)
    if tags and set(kinds) <= TAG_KINDS:
        return (*aligned(filters, hour_of, timedelta(hours=1)), tags)
    return (*hour_split(filters), ())


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
    up less their pairs' rows (ADR 0034) and less their ``excess`` (:func:`several_excess`,
    when the caller has not read it)."""
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
        if len(tags) > 1:
            # Less their pairs' rows: a conversation carrying two of them counted once.
            P = ReportTagPairCount
            queries.append(
                select(P.kind, -func.sum(P.n))
                .where(tagged.among(P.tag, P.other, tags))
                .where(P.kind.in_(kinds), P.hour >= inner.since, P.hour < inner.until)
                .group_by(P.kind)
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
