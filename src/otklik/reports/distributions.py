"""The overview's distributions (first response, response, resolution, handle time; each in
calendar and business hours), binned by the database and read from the bins (``stats.py``,
ADR 0031): whole UTC days from the day bins (``report_day_bins``; the tags' own,
``report_tag_day_bins``, less their pairs'; the operators' rows), the parts of a day at a
period's ends from the facts. A supervisor's whole days come from their inboxes' and teams'
rows and their own facts elsewhere (ADR 0033).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    case,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.channels import service as channels
from otklik.reports import overlap, tagged
from otklik.reports.filters import (
    F,
    Filters,
    aligned,
    dimensions,
    hour_of,
    narrowed,
    operator_bins_usable,
    tag_rows,
)
from otklik.reports.models import ReportDayBin, ReportTagDayBin, ReportTagPairDayBin
from otklik.reports.recording import OVERVIEW_BY_OPERATOR
from otklik.reports.schemas import Duration
from otklik.reports.stats import Bin, bin_of, from_bins

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
    return hour_of(at).replace(hour=0)


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
    return aligned(filters, _day, timedelta(days=1))


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
        return _tag_day_bins(days)
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


def _tag_day_bins(days: Filters) -> Any:
    """The whole days' bins of a tag filter: the tags' rows added up, less (several tags)
    their pairs' rows, so that a conversation carrying two of them counts once (ADR 0034).

    Whether a bin holds values is asked of the tags' rows added up over the shards: on
    PostgreSQL a tag's removal takes values out in its own write lane's shard
    (``core/write_shard.py``), which can leave that row below 0 and the one that counted
    them above; and a bin whose pairs took its count to 0 or below (a conversation carrying
    three of the tags) still holds values that ``overlap.py`` adds back. The extremes are
    those of the tags' rows that hold values (a pair's values are among them)."""
    T, P = ReportTagDayBin, ReportTagPairDayBin
    tags = sorted(set(days.tags))
    held = T.n > 0
    rows: Any = select(
        T.measure,
        T.bin,
        T.n,
        T.n.label("tagged"),
        T.total,
        case((held, T.low)).label("low"),
        case((held, T.high)).label("high"),
    ).where(T.tag.in_(tags), T.day >= days.since, T.day < days.until)
    if len(tags) > 1:
        less: Any = select(P.measure, P.bin, -P.n, literal_column("0"), -P.total, null(), null())
        less = less.where(
            tagged.among(P.tag, P.other, tags),
            P.day >= days.since,
            P.day < days.until,
        )
        rows = union_all(rows, less)
    both = rows.subquery("tag_bins")
    return (
        select(both.c.measure, both.c.bin, func.sum(both.c.n), func.sum(both.c.total))
        .add_columns(func.min(both.c.low), func.max(both.c.high))
        .group_by(both.c.measure, both.c.bin)
        .having(func.sum(both.c.tagged) > 0)
    )


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
            overlap.file_bin(found, str(kind), str(clock), bool(first), one)
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
