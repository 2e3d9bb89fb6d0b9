"""Several tags ("any of") from the tags' own rows: what the rows added up count too much.

``report_tag_counts`` and ``report_tag_day_bins`` (ADR 0032) count each fact once per tag
its conversation carries. Added up over several tags, a conversation carrying ``k`` of them
has its facts counted ``k`` times where "any of" counts them once. :func:`excess` finds
those conversations (``conversation_tags`` grouped by conversation, two or more of the
tags) and counts their facts of the period ``k − 1`` times each, in one statement: the
overview subtracts that from the rows' sums. A bin's smallest and largest need nothing: a
value counted twice is still the same smallest or largest.

The statement reads those conversations' facts by the conversation's index, so its cost
grows with how many conversations carry two of the tags (in all their history, not only
the period's): about 14,000 in the bench's million (a tenth and a seventh tagged).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Interval,
    Select,
    and_,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations import queries as conversation_queries
from otklik.reports.models import ReportFact
from otklik.reports.stats import Bin, bin_of
from otklik.reports.tagged import TAG_COUNTED
from otklik.reports.tracking import FCR_WINDOW

F = ReportFact
#: The binned kinds (``metrics.DISTRIBUTIONS``' facts).
_BINNED = ("first_response", "resolved", "conv_response", "conv_handle", "conv_handle_dialog")
_READ = (*TAG_COUNTED, *_BINNED)


@dataclass(frozen=True, slots=True)
class Excess:
    """How much several tags' rows added up count beyond "any of": per kind of
    ``tagged.TAG_KINDS`` over the whole hours, and per day-bin measure (``<measure>_<clock>``)
    the bins over the whole days (count and sum; no extremes)."""

    counts: dict[str, int] = field(default_factory=dict)
    bins: dict[str, list[Bin]] = field(default_factory=lambda: defaultdict(list))

    def taken_out(self, measure: str) -> list[Bin]:
        """The bins of ``measure`` as values to take out (``metrics.merge``): counts and sums
        negative, extremes that change nothing."""
        return [Bin(b.key, -b.n, -b.total, math.inf, -math.inf) for b in self.bins.get(measure, ())]


def _within_window(later: Any, earlier: Any, dialect: str) -> Any:
    """``later`` at most :data:`FCR_WINDOW` after ``earlier`` (SQLite keeps UTC text)."""
    days = FCR_WINDOW.total_seconds() / 86400
    if dialect == "postgresql":
        return later <= earlier + literal_column(f"interval '{days!r} days'", Interval)
    return func.julianday(later) <= func.julianday(earlier) + literal_column(repr(days))


def _statement(
    tags: Sequence[str],
    hours: tuple[datetime, datetime],
    days: tuple[datetime, datetime] | None,
    dialect: str,
) -> CompoundSelect[Any]:
    """One ``UNION ALL`` over the facts of the conversations carrying two or more of
    ``tags`` (read once, by conversation): rows ``(kind, clock, first, bin, n, total)``,
    ``n`` and ``total`` counted ``extra`` times. Bin rows (a clock) for the whole ``days``;
    count rows (no clock) for the whole ``hours``: the counted kinds, ``fcr_candidate``,
    ``fcr_spoiled`` (a candidate reopened within the window, which may end after the
    hours) and ``escalated_created`` (escalated at any time)."""
    since, until = hours
    several = conversation_queries.carrying_several(tags).cte("several")
    their = (
        select(
            F.conversation_id,
            F.kind,
            F.at,
            F.first,
            F.n,
            F.seconds,
            F.business_seconds,
            several.c.extra,
        )
        .select_from(several)
        .join(F, F.conversation_id == several.c.conversation_id)
        .where(F.kind.in_(_READ), F.at >= since, F.at < until + FCR_WINDOW)
        .cte("their")
        .prefix_with("MATERIALIZED")  # read once, whatever the parts below
    )
    parts: list[Select[Any]] = []
    if days is not None:
        for clock, column in (("c", their.c.seconds), ("b", their.c.business_seconds)):
            value = func.coalesce(column, 0.0)
            key = bin_of(value)
            parts.append(
                select(
                    their.c.kind,
                    literal(clock).label("clock"),
                    their.c.first,
                    key.label("k"),
                    func.sum(their.c.extra).label("n"),
                    func.sum(value * their.c.extra).label("total"),
                )
                .where(their.c.kind.in_(_BINNED), their.c.at >= days[0], their.c.at < days[1])
                .group_by(their.c.kind, their.c.first, key)
            )
    in_hours = their.c.at < until
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
        return select(
            kind,
            literal("").label("clock"),
            literal(False).label("first"),
            literal(0, Integer).label("k"),
            func.sum(their.c.extra).label("n"),
            literal(0.0).label("total"),
        ).where(in_hours, *conditions)

    parts += [
        counted(their.c.kind, their.c.kind.in_(TAG_COUNTED)).group_by(their.c.kind),
        counted(literal("fcr_candidate"), candidate),
        counted(literal("fcr_spoiled"), candidate, spoiled),
        counted(literal("escalated_created"), their.c.kind == "created", escalated),
    ]
    return union_all(*parts)


async def excess(
    session: AsyncSession,
    tags: Sequence[str],
    hours: tuple[datetime, datetime],
    days: tuple[datetime, datetime] | None,
) -> Excess:
    """What ``tags``' rows added up count beyond "any of" over the whole ``hours`` (counts)
    and the whole ``days`` (bins)."""
    found = Excess()
    dialect = session.get_bind().dialect.name
    for kind, clock, first, k, n, total in await session.execute(
        _statement(tags, hours, days, dialect)
    ):
        if not clock:
            found.counts[str(kind)] = found.counts.get(str(kind), 0) + int(n or 0)
            continue
        one = Bin(int(k), int(n), float(total), 0.0, 0.0)
        if kind == "resolved":
            found.bins[f"resolution_full_{clock}"].append(one)
            if first:
                found.bins[f"resolution_first_{clock}"].append(one)
        else:
            found.bins[f"{kind}_{clock}"].append(one)
    return found
