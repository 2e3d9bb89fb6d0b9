"""Writing facts, their hourly rollup and their day's bins, on the change's synchronous
connection.

One fact is one INSERT and one upsert of its hour's rollup row, and a duration the overview
shows (``BINNED``) one upsert of its day's bin per clock (ADR 0031); nothing is read back. The
calendar of business hours comes from the SLA configuration already cached in the process
(the team's calendar, else the inbox's, else 24/7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert
from sqlalchemy.engine import Connection

from otklik.core import write_shard
from otklik.core.db import insert_for
from otklik.core.raw_statement import RawPair, RawStatement
from otklik.reports import tagged
from otklik.reports.models import ReportDayBin, ReportFact, ReportHourly
from otklik.reports.stats import bin_python
from otklik.sla.business_time import BusinessCalendar, always, business_seconds_between
from otklik.sla.policies import SlaConfig

FACTS = cast(Table, ReportFact.__table__)
HOURLY = cast(Table, ReportHourly.__table__)
DAY_BINS = cast(Table, ReportDayBin.__table__)
_KEY = ("hour", "kind", "inbox_id", "channel", "team_key", "agent_key", "shard")


_FACT_COLUMNS = (
    "conversation_id",
    "kind",
    "at",
    "inbox_id",
    "channel",
    "team_id",
    "agent_id",
    "seconds",
    "business_seconds",
    "n",
    "first",
)
#: A fact, and its hour's count: on the live path through the driver's own handle
#: (``core/raw_statement.py``), as the message they follow is written.
_FACT = RawStatement(
    FACTS,
    f"INSERT INTO {FACTS.name} ({', '.join(_FACT_COLUMNS)}) VALUES ({{values}})",
    _FACT_COLUMNS,
)
_ROLL_COLUMNS = (*_KEY, "n", "seconds", "business_seconds")
_ROLL = RawStatement(
    HOURLY,
    f"INSERT INTO {HOURLY.name} ({', '.join(_ROLL_COLUMNS)}) VALUES ({{values}})"
    f" ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET n = {HOURLY.name}.n + excluded.n,"
    f" seconds = {HOURLY.name}.seconds + excluded.seconds,"
    f" business_seconds = {HOURLY.name}.business_seconds + excluded.business_seconds",
    _ROLL_COLUMNS,
)

#: A fact and its hour's count: one round trip on PostgreSQL.
_FACT_AND_ROLL = RawPair(_FACT, _ROLL)

_BIN_KEY = ("inbox_id", "day", "measure", "channel", "team_key", "bin", "shard")
_BIN_COLUMNS = (*_BIN_KEY, "n", "total", "low", "high")


def _bin_upsert(smallest: str, largest: str) -> RawStatement:
    t = DAY_BINS.name
    return RawStatement(
        DAY_BINS,
        f"INSERT INTO {t} ({', '.join(_BIN_COLUMNS)}) VALUES ({{values}})"
        f" ON CONFLICT ({', '.join(_BIN_KEY)}) DO UPDATE SET n = {t}.n + excluded.n,"
        f" total = {t}.total + excluded.total,"
        f" low = {smallest}({t}.low, excluded.low), high = {largest}({t}.high, excluded.high)",
        _BIN_COLUMNS,
    )


#: SQLite's scalar ``min()``/``max()`` of two values are PostgreSQL's ``LEAST``/``GREATEST``.
_BIN = {"sqlite": _bin_upsert("min", "max"), "postgresql": _bin_upsert("LEAST", "GREATEST")}


def measures(kind: str, first: bool) -> tuple[str, ...]:
    """The day-bin measures a fact's duration counts in (without the clock's suffix)."""
    if kind == "resolved":
        return ("resolution_full", "resolution_first") if first else ("resolution_full",)
    if kind in BINNED:
        return (kind,)
    return ()


#: The fact kinds whose durations the overview's distributions read (``metrics.py``).
BINNED = ("first_response", "resolved", "conv_response", "conv_handle", "conv_handle_dialog")


@dataclass(frozen=True, slots=True)
class Where:
    """A conversation's dimensions at the moment of a fact."""

    conversation_id: int
    inbox_id: int
    channel: str
    team_id: int | None
    #: The tags whose rows count its facts (``tagged.py``; its tags now).
    tags: tuple[str, ...] = ()


def calendar_for(config: SlaConfig | None, where: Where) -> BusinessCalendar:
    """The business hours a conversation is measured in: its team's calendar, else its
    inbox's, else round the clock."""
    if config is None:
        return always()
    for key in (("team", where.team_id), ("inbox", where.inbox_id)):
        if key[1] is None:
            continue
        calendar_id = config.links.get((key[0], key[1]))
        if calendar_id is not None and calendar_id in config.calendars:
            return config.calendars[calendar_id]
    return always()


@dataclass(frozen=True, slots=True)
class Span:
    """A measured duration, in calendar and in business seconds."""

    seconds: float
    business_seconds: float


def span(config: SlaConfig | None, where: Where, start: datetime, end: datetime) -> Span:
    seconds = max(0.0, (end - start).total_seconds())
    if seconds == 0:
        return Span(0.0, 0.0)
    business = business_seconds_between(calendar_for(config, where), start, end)
    return Span(seconds, max(0.0, business))


def hour_of(at: datetime) -> datetime:
    """The UTC hour (an hour of a zone half an hour off UTC is not one of the rollups')."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def add(
    conn: Connection,
    where: Where,
    kind: str,
    at: datetime,
    *,
    agent_id: int | None = None,
    team_id: int | None = None,
    measured: Span | None = None,
    n: int | None = None,
    first: bool = False,
) -> None:
    """Append one fact and count it in its hour. ``team_id`` overrides the conversation's
    team (an escalation is the escalating team's)."""
    team = where.team_id if team_id is None else team_id
    values = {
        "conversation_id": where.conversation_id,
        "kind": kind,
        "at": at,
        "inbox_id": where.inbox_id,
        "channel": where.channel,
        "team_id": team,
        "agent_id": agent_id,
        "seconds": measured.seconds if measured else None,
        "business_seconds": measured.business_seconds if measured else None,
        "n": n,
        "first": first,
    }
    shard = write_shard.of(conn, where.conversation_id)
    rolled = _roll_values(kind, at, where.inbox_id, where.channel, team, agent_id, measured, shard)
    if _FACT_AND_ROLL.run_later(conn, values, rolled) is None:
        conn.execute(insert(FACTS).values(**values))
        _roll_row(conn, rolled)
    if kind == "resolved" and first and n == 1:
        roll(
            conn,
            "fcr_candidate",
            at,
            where.inbox_id,
            where.channel,
            team,
            agent_id,
            None,
            shard=shard,
        )
    binned: list[tuple[str, float]] = []
    if measured is not None:
        for measure in measures(kind, first):
            for clock, value in (("c", measured.seconds), ("b", measured.business_seconds)):
                name = f"{measure}_{clock}"
                binned.append((name, value))
                count_in_bin(conn, name, at, where.inbox_id, where.channel, team, value, shard)
                count_in_bin(conn, name, at, *ALL, value, shard)
                # The one-operator overview's rows (ADR 0032).
                count_in_bin(conn, name, at, OVERVIEW_BY_OPERATOR, "", agent_id, value, shard)
        if kind in TABLE_MEASURES:
            value = measured.seconds
            count_in_bin(conn, f"{kind}_c", at, BY_OPERATOR, "", agent_id, value, shard)
            count_in_bin(conn, f"{kind}_c", at, BY_TEAM, "", team, value, shard)
    if where.tags:
        counted = [kind] if kind in tagged.TAG_COUNTED else []
        if kind == "resolved" and first and n == 1:
            counted.append("fcr_candidate")
        tagged.count_fact(conn, where.tags, shard, hour_of(at), counted, binned)


#: The per-operator and per-team tables' medians (``breakdowns.table``): the calendar
#: seconds of each first response and response, in ``report_day_bins`` rows of the operator
#: (inbox ``BY_OPERATOR``, the operator in ``team_key``, 0 = nobody) and of the team (inbox
#: ``BY_TEAM``, 0 = no team), no channel. Every overview measure (``measures``, both
#: clocks) is also counted per operator (inbox ``OVERVIEW_BY_OPERATOR``, the operator in
#: ``team_key``) for the one-operator overview (ADR 0032): apart from the tables' rows,
#: which then stay two measures to read.
TABLE_MEASURES = ("first_response", "response")
BY_OPERATOR = -1
BY_TEAM = -2
OVERVIEW_BY_OPERATOR = -3
#: The dimension set of ``report_day_bins``' rows that count every fact (inbox 0, no
#: channel, no team): an unfiltered overview reads these, a few hundred rows a day, not
#: the rows of each dimension set (ADR 0031).
ALL = (0, "", None)


def day_of(at: datetime) -> datetime:
    """The UTC day (``report_day_bins`` are UTC days, whatever zone ``at`` is written in)."""
    return at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def count_in_bin(
    conn: Connection,
    measure: str,
    at: datetime,
    inbox_id: int,
    channel: str,
    team_id: int | None,
    value: float,
    shard: int = 0,
) -> None:
    """Count one duration in its day's bin (``report_day_bins``)."""
    values = {
        "day": day_of(at),
        "measure": measure,
        "inbox_id": inbox_id,
        "channel": channel,
        "team_key": team_id or 0,
        "bin": bin_python(value),
        "shard": shard,
        "n": 1,
        "total": value,
        "low": value,
        "high": value,
    }
    dialect = conn.dialect.name
    raw = _BIN.get(dialect)
    if raw is not None and raw.run_later(conn, values) is not None:
        return
    stmt = insert_for(dialect)(DAY_BINS).values(**values)
    smallest, largest = (
        (func.least, func.greatest) if dialect == "postgresql" else (func.min, func.max)
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=list(_BIN_KEY),
            set_={
                "n": DAY_BINS.c.n + stmt.excluded.n,
                "total": DAY_BINS.c.total + stmt.excluded.total,
                "low": smallest(DAY_BINS.c.low, stmt.excluded.low),
                "high": largest(DAY_BINS.c.high, stmt.excluded.high),
            },
        )
    )


def _roll_values(
    kind: str,
    at: datetime,
    inbox_id: int,
    channel: str,
    team_id: int | None,
    agent_id: int | None,
    measured: Span | None,
    shard: int,
) -> dict[str, Any]:
    return {
        "hour": hour_of(at),
        "kind": kind,
        "inbox_id": inbox_id,
        "channel": channel,
        "team_key": team_id or 0,
        "agent_key": agent_id or 0,
        "shard": shard,
        "n": 1,
        "seconds": measured.seconds if measured else 0.0,
        "business_seconds": measured.business_seconds if measured else 0.0,
    }


def roll(
    conn: Connection,
    kind: str,
    at: datetime,
    inbox_id: int,
    channel: str,
    team_id: int | None,
    agent_id: int | None,
    measured: Span | None,
    *,
    shard: int = 0,
) -> None:
    _roll_row(conn, _roll_values(kind, at, inbox_id, channel, team_id, agent_id, measured, shard))


def _roll_row(conn: Connection, values: dict[str, Any]) -> None:
    """Count a row of :func:`_roll_values` in its hour."""
    if _ROLL.run_later(conn, values) is not None:
        return
    stmt = insert_for(conn.dialect.name)(HOURLY).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=list(_KEY),
            set_={
                "n": HOURLY.c.n + stmt.excluded.n,
                "seconds": HOURLY.c.seconds + stmt.excluded.seconds,
                "business_seconds": HOURLY.c.business_seconds + stmt.excluded.business_seconds,
            },
        )
    )
