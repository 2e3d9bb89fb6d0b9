"""Several tags ("any of") from the tags' own rows: what their rows less their pairs' rows
still count wrongly.

``report_tag_counts`` and ``report_tag_day_bins`` (ADR 0032) count each fact once per tag
its conversation carries, and ``report_tag_pair_*`` (ADR 0034) once per pair of its tags
when it carries at most ``tagged.PAIRS_UP_TO``. Added up over several tags less their
pairs, a conversation carrying two of them counts once, as "any of" does; one carrying
``k`` of them counts ``k - k(k-1)/2`` times, and one carrying too many tags for pair rows
``k`` times. :func:`excess` finds those conversations (``conversation_tags`` grouped by
conversation: three or more of the tags, or two and more than ``PAIRS_UP_TO`` tags in all)
and counts their facts of each period asked for as many times as they were counted too
often (negative: too seldom), in one statement: the overview subtracts that from the rows'
sums. A bin's smallest and largest need nothing: a value counted twice is still the same
smallest or largest.

The statement reads those conversations' facts by the conversation's covering index
(``ix_report_facts_conversation_kind``, migration 0050), one conversation after another,
so its cost grows with how many conversations it finds, hardly with the periods' length:
the overview endpoint's period and the one before it are read together (:class:`Window`).
Before the pairs' rows it read every conversation carrying two of the tags (about 14,000
in the bench's million, 0.4–0.55 s); for two tags it now finds none but those with more
than ``PAIRS_UP_TO`` tags.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    FromClause,
    Integer,
    Interval,
    Select,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations import queries as conversation_queries
from otklik.reports.models import ReportFact
from otklik.reports.stats import Bin, bin_of
from otklik.reports.tagged import PAIRS_UP_TO, TAG_COUNTED
from otklik.reports.tracking import FCR_WINDOW

F = ReportFact
#: The binned kinds (``distributions.DISTRIBUTIONS``' facts).
_BINNED = ("first_response", "resolved", "conv_response", "conv_handle", "conv_handle_dialog")
_READ = (*TAG_COUNTED, *_BINNED)
#: What the statement reads of each fact (all in the covering index by conversation).
_COLUMNS = (F.kind, F.at, F.first, F.n, F.seconds, F.business_seconds)
Range = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Window:
    """One period as the rows answer it: its whole UTC hours (the counts) and its whole UTC
    days (the bins; ``None`` when it holds no whole day)."""

    hours: Range
    days: Range | None


@dataclass(frozen=True, slots=True)
class Excess:
    """How much several tags' rows added up count beyond "any of": per kind of
    ``tagged.TAG_KINDS`` over the whole hours, and per day-bin measure (``<measure>_<clock>``)
    the bins over the whole days (count and sum; no extremes)."""

    counts: dict[str, int] = field(default_factory=dict)
    bins: dict[str, list[Bin]] = field(default_factory=lambda: defaultdict(list))

    def taken_out(self, measure: str) -> list[Bin]:
        """The bins of ``measure`` as values to take out (``distributions.merge``): counts and sums
        negative, extremes that change nothing."""
        return [Bin(b.key, -b.n, -b.total, math.inf, -math.inf) for b in self.bins.get(measure, ())]


def _within_window(later: Any, earlier: Any, dialect: str) -> Any:
    """``later`` at most :data:`FCR_WINDOW` after ``earlier`` (SQLite keeps UTC text)."""
    days = FCR_WINDOW.total_seconds() / 86400
    if dialect == "postgresql":
        return later <= earlier + literal_column(f"interval '{days!r} days'", Interval)
    return func.julianday(later) <= func.julianday(earlier) + literal_column(repr(days))


def _disjoint(ranges: Sequence[Range | None]) -> bool:
    ordered = sorted(r for r in ranges if r is not None)
    return all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:], strict=False))


def _which(at: Any, ranges: Sequence[Range | None]) -> ColumnElement[Any]:
    """The index of the range ``at`` falls in (``NULL`` in none): computed once per fact
    where it is read, so that the aggregates group by a plain column (PostgreSQL does not
    take a ``GROUP BY`` of an expression with bound values as the select list's)."""
    whens = [
        (and_(at >= r[0], at < r[1]), literal_column(str(i), Integer))
        for i, r in enumerate(ranges)
        if r is not None
    ]
    return case(*whens) if whens else null()


def _facts_of(
    several: Any, since: datetime, until: datetime, dialect: str
) -> tuple[FromClause, Any, list[ColumnElement[bool]]]:
    """The facts of :data:`_READ` between ``since`` and ``until`` of the conversations in
    ``several``, read by the conversation's index: the join, its fact columns, the
    conditions still to apply. PostgreSQL, which estimated those conversations at five times
    their number and hashed them against every fact of the period (0.5–0.7 s at 1M), is
    made to read them conversation by conversation (a ``LATERAL`` subquery kept apart by
    ``OFFSET 0``); SQLite's plan does so by itself."""
    conditions = [F.kind.in_(_READ), F.at >= since, F.at < until]
    if dialect != "postgresql":
        facts = F.__table__
        joined = several.join(facts, F.conversation_id == several.c.conversation_id)
        return joined, facts.c, conditions
    lateral = (
        select(*_COLUMNS)
        .where(F.conversation_id == several.c.conversation_id, *conditions)
        .offset(literal_column("0", Integer))
        .lateral("facts")
    )
    return several.join(lateral, true()), lateral.c, []


def _miscounted(tags: Sequence[str]) -> Select[Any]:
    """``(conversation_id, extra)`` of each conversation whose facts the tags' rows less
    their pairs' rows (ADR 0034) do not count exactly once, ``extra`` the times too many.
    Carrying ``k`` of the tags, it is in ``k`` tag rows and, with pair rows (at most
    ``PAIRS_UP_TO`` tags in all), in ``k(k-1)/2`` pair rows: ``k - 1`` too many without
    pair rows, ``-(k-1)(k-2)/2`` (too few) with them, none for two of the tags.

    In the order of the conversations' key: PostgreSQL then groups the tags' rows as it
    reads them in that order (the key's index, 60 ms at 1M conversations) instead of
    hashing every tagged conversation (160 ms), and reads their facts in index order."""
    grouped = conversation_queries.carrying_several(tags).subquery("carrying")
    k, every = grouped.c.carried, grouped.c.every
    extra = case((every > PAIRS_UP_TO, k - 1), else_=-((k - 1) * (k - 2)) // 2)
    return (
        select(grouped.c.conversation_id, extra.label("extra"))
        .where(or_(k > 2, every > PAIRS_UP_TO))
        .order_by(grouped.c.conversation_id)
    )


def _statement(tags: Sequence[str], windows: Sequence[Window], dialect: str) -> CompoundSelect[Any]:
    """One ``UNION ALL`` over the facts of the conversations :func:`_miscounted` finds for
    ``tags`` (read once, by conversation, for every window): rows
    ``(window, kind, clock, first, bin, n, total)``, ``n`` and ``total`` counted ``extra``
    times. Bin rows (a clock) for each window's whole days; count rows (no clock) for its
    whole hours: the counted kinds, ``fcr_candidate``, ``fcr_spoiled`` (a candidate reopened
    within the FCR window, which may end after the hours) and ``escalated_created``
    (escalated at any time). The windows' hours, and their days, must not overlap: each
    fact is counted in the one window it falls in."""
    since = min(w.hours[0] for w in windows)
    until = max(w.hours[1] for w in windows) + FCR_WINDOW
    several = _miscounted(tags).cte("several")
    joined, facts, conditions = _facts_of(several, since, until, dialect)
    their = (
        select(
            several.c.conversation_id,
            several.c.extra,
            *(facts[column.key] for column in _COLUMNS),
            _which(facts.at, [w.hours for w in windows]).label("in_hours"),
            _which(facts.at, [w.days for w in windows]).label("in_days"),
        )
        .select_from(joined)
        .where(*conditions)
        .cte("their")
        .prefix_with("MATERIALIZED")  # read once, whatever the parts below
    )
    parts: list[Select[Any]] = []
    if any(w.days is not None for w in windows):
        for clock, column in (("c", their.c.seconds), ("b", their.c.business_seconds)):
            value = func.coalesce(column, 0.0)
            key = bin_of(value)
            parts.append(
                select(
                    their.c.in_days.label("w"),
                    their.c.kind,
                    literal(clock).label("clock"),
                    their.c.first,
                    key.label("k"),
                    func.sum(their.c.extra).label("n"),
                    func.sum(value * their.c.extra).label("total"),
                )
                .where(their.c.kind.in_(_BINNED), their.c.in_days.is_not(None))
                .group_by(their.c.in_days, their.c.kind, their.c.first, key)
            )
    candidate = and_(their.c.kind == "resolved", their.c.first.is_(True), their.c.n == 1)
    reopened = their.alias("reopened")
    spoiled = (
        select(reopened.c.conversation_id)
        .where(
            reopened.c.conversation_id == their.c.conversation_id,
            reopened.c.kind == "reopened",
            reopened.c.at > their.c.at,
            _within_window(reopened.c.at, their.c.at, dialect),
        )
        .exists()
    )
    escalated = (
        select(F.conversation_id)
        .where(F.conversation_id == their.c.conversation_id, F.kind == "escalated")
        .exists()
    )

    def counted(kind: Any, *conditions: Any) -> Select[Any]:
        return (
            select(
                their.c.in_hours.label("w"),
                kind,
                literal("").label("clock"),
                literal(False).label("first"),
                literal(0, Integer).label("k"),
                func.sum(their.c.extra).label("n"),
                literal(0.0).label("total"),
            )
            .where(their.c.in_hours.is_not(None), *conditions)
            .group_by(their.c.in_hours)
        )

    parts += [
        counted(their.c.kind, their.c.kind.in_(TAG_COUNTED)).group_by(their.c.kind),
        counted(literal("fcr_candidate"), candidate),
        counted(literal("fcr_spoiled"), candidate, spoiled),
        counted(literal("escalated_created"), their.c.kind == "created", escalated),
    ]
    return union_all(*parts)


async def excess(
    session: AsyncSession, tags: Sequence[str], windows: Sequence[Window]
) -> list[Excess]:
    """What ``tags``' rows less their pairs' rows count beyond "any of" in each of
    ``windows``: over its whole hours (counts) and its whole days (bins). One statement
    for all of them when their hours and their days do not overlap (the overview's period
    and the one before), else one each."""
    if not windows:
        return []
    hours, days = [w.hours for w in windows], [w.days for w in windows]
    if len(windows) > 1 and not (_disjoint(hours) and _disjoint(days)):
        return [(await excess(session, tags, [w]))[0] for w in windows]
    found = [Excess() for _ in windows]
    dialect = session.get_bind().dialect.name
    rows = await session.execute(_statement(tags, windows, dialect))
    for w, kind, clock, first, k, n, total in rows:
        into = found[int(w)]
        if not clock:
            into.counts[str(kind)] = into.counts.get(str(kind), 0) + int(n or 0)
            continue
        file_bin(
            into.bins,
            str(kind),
            str(clock),
            bool(first),
            Bin(int(k), int(n), float(total), 0.0, 0.0),
        )
    return found


def file_bin(bins: dict[str, list[Bin]], kind: str, clock: str, first: bool, one: Bin) -> None:
    """A bin of facts of ``kind`` under its measures (``<measure>_<clock>``): a resolution
    under the full resolution time, and the first one's under the first resolution time
    too; any other kind under its own name."""
    if kind == "resolved":
        bins[f"resolution_full_{clock}"].append(one)
        if first:
            bins[f"resolution_first_{clock}"].append(one)
    else:
        bins[f"{kind}_{clock}"].append(one)
