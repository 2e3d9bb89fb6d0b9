"""Every report's time beside the raw GROUP BY over the same data, in the same run (issue 16:
each report ≤ 1 s at 1,000,000 conversations).

``python -m bench.reports [--conversations 1000000] [--days 90] [--period 30] [--rounds 7]
[--database URL] [--data-dir DIR]`` builds a database with that many conversations spread
over ``--days`` days, written in bulk by ``INSERT … SELECT`` over a generated series: the
contacts, the conversations, the facts the event subscribers would have written for each
(created; first response; one response, a second one for every other conversation;
resolved; handle; every 20th reopened and resolved again, every 25th escalated; the
per-conversation facts of each resolution's cycle), the hourly rollups summed from those
facts and the day bins (``reports/derive.py``, as migration 0048 derives them), the
operators' overview bins and the tags' rows (``reports/tagged.py``, as 0049), a CSAT
survey per conversation (two thirds answered) and an NPS one per tenth, a tag on a tenth
and on a seventh, and two SLA clocks.
Then it times each report over the last ``--period`` days as an admin sees it
(``--rounds`` times each, p50 and p95; the overview as its endpoint computes it, the period
and the one before, unfiltered and with tags; its other rows one period), and, for
scale, the raw ``GROUP BY`` a report page without facts would run (``conversations`` by
channel and status over the same period) and the raw ``GROUP BY`` of the facts by kind.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import text

from bench.cli import add_storage_args, storage_settings
from bench.report import summary_ms
from otklik import wiring
from otklik.accounts import access
from otklik.core import migrate
from otklik.core.clock import utcnow
from otklik.core.db import Base, Database
from otklik.reports import breakdowns, derive, metrics, tagged
from otklik.reports.filters import Filters
from otklik.sla import service as sla
from otklik.surveys import rollup


def _series(dialect: str, n: int) -> str:
    if dialect == "postgresql":
        return f"generate_series(CAST(1 AS BIGINT), {n}) AS seq(n)"
    return (
        f"(WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n})"
        " SELECT n FROM seq) AS seq"
    )


class _Sql:
    """The few expressions that differ between the databases."""

    def __init__(self, dialect: str) -> None:
        self.pg = dialect == "postgresql"

    def ts(self, epoch: str) -> str:
        if self.pg:
            return f"to_timestamp({epoch})"
        return f"(strftime('%Y-%m-%d %H:%M:%S', {epoch}, 'unixepoch') || '.000000')"

    def hour(self, column: str) -> str:
        if self.pg:
            return f"(date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
        return f"(substr({column}, 1, 13) || ':00:00.000000')"

    def json(self, literal: str) -> str:
        return f"CAST('{literal}' AS jsonb)" if self.pg else f"'{literal}'"


_CHANNEL = "CASE b.n % 3 WHEN 0 THEN 'widget' WHEN 1 THEN 'email' ELSE 'telegram' END"
_FACT_COLUMNS = (
    "conversation_id, kind, at, inbox_id, channel, team_id, agent_id, seconds,"
    " business_seconds, n, first"
)


def _fact(sql: _Sql, kind: str, at: str, seconds: str, n: str, first: str, where: str) -> str:
    """One kind of fact for the conversations of ``bench_conv`` matching ``where``."""
    agent = "NULL" if kind == "created" else "1 + b.n % 20"
    return (
        f"INSERT INTO report_facts ({_FACT_COLUMNS}) SELECT b.n, '{kind}', {sql.ts(at)},"
        f" 1 + b.n % 3, {_CHANNEL}, 1 + b.n % 4, {agent}, {seconds}, {seconds}, {n}, {first}"
        f" FROM bench_conv b WHERE {where}"
    )


async def seed(db: Database, count: int, days: int) -> None:
    sql = _Sql(db.dialect)
    now = int(utcnow().replace(minute=0, second=0, microsecond=0).timestamp())
    yes, no = ("true", "false") if sql.pg else ("1", "0")
    # c: created (epoch s); f: first response after c; r2: the second response's wait;
    # res: resolved after c (after every response).
    statements = [
        "CREATE TABLE bench_conv (n BIGINT PRIMARY KEY, c BIGINT, f BIGINT, r2 BIGINT, res BIGINT)",
        f"INSERT INTO bench_conv SELECT n, {now} - (n * 2654435761) % {days * 86400},"
        " 30 + (n * 7919) % 3571, 60 + (n * 31) % 7200, 0 FROM " + _series(db.dialect, count),
        "UPDATE bench_conv SET res = f + 300 + r2 + 60 + (n * 104729) % 86341",
        "INSERT INTO contacts (id, name, attributes, visitor, created_at, updated_at,"
        " other_emails, phones, tags, consent) SELECT n, 'C' || n,"
        f" {sql.json('{}')}, {sql.json('{}')}, {sql.ts('c')}, {sql.ts('c')}, {sql.json('[]')},"
        f" {sql.json('[]')}, {sql.json('[]')}, {sql.json('{}')} FROM bench_conv",
        "INSERT INTO conversations (id, inbox_id, contact_id, channel, status, priority,"
        " unread_count, last_activity_at, created_at, required_skills, tags, attributes)"
        f" SELECT b.n, 1 + b.n % 3, b.n, {_CHANNEL}, 'resolved', 'normal', 0,"
        f" {sql.ts('b.c + b.res')}, {sql.ts('b.c')}, {sql.json('[]')}, {sql.json('[]')},"
        f" {sql.json('{}')} FROM bench_conv b",
        "INSERT INTO conversation_tags (conversation_id, tag)"
        " SELECT n, 'vip' FROM bench_conv WHERE n % 10 = 0"
        " UNION ALL SELECT n, 'billing' FROM bench_conv WHERE n % 7 = 0",
        _fact(sql, "created", "b.c", "NULL", "NULL", no, "1 = 1"),
        _fact(sql, "first_response", "b.c + b.f", "b.f", "NULL", no, "1 = 1"),
        _fact(sql, "response", "b.c + b.f", "b.f", "NULL", no, "1 = 1"),
        _fact(sql, "response", "b.c + b.f + 300 + b.r2", "b.r2", "NULL", no, "b.n % 2 = 0"),
        _fact(sql, "escalated", "b.c + b.f + 10", "NULL", "NULL", no, "b.n % 25 = 0"),
        _fact(sql, "resolved", "b.c + b.res", "b.res", "1 + (b.n + 1) % 2", yes, "1 = 1"),
        _fact(sql, "handle", "b.c + b.res", "b.res - b.f", "1 + b.n % 3", no, "1 = 1"),
        _fact(sql, "reopened", "b.c + b.res + 3600", "NULL", "NULL", no, "b.n % 20 = 0"),
        _fact(sql, "resolved", "b.c + b.res + 7200", "b.res + 7200", "1", no, "b.n % 20 = 0"),
        _fact(sql, "handle", "b.c + b.res + 7200", "3600", "1", no, "b.n % 20 = 0"),
        # What the subscribers write at each resolution for its cycle (ADR 0031).
        *derive.cycle_facts(),
        "INSERT INTO report_hourly (hour, kind, inbox_id, channel, team_key, agent_key, shard,"
        f" n, seconds, business_seconds) SELECT {sql.hour('at')}, kind, inbox_id, channel,"
        " coalesce(team_id, 0), coalesce(agent_id, 0), 0, count(*),"
        " sum(coalesce(seconds, 0)), sum(coalesce(business_seconds, 0)) FROM report_facts"
        f" GROUP BY {sql.hour('at')}, kind, inbox_id, channel, coalesce(team_id, 0),"
        " coalesce(agent_id, 0)",
        *derive.count_rollups(db.dialect),
        *derive.day_bins(db.dialect),
        # ADR 0032: the operators' overview bins, the tags' rows (as migration 0049); ADR
        # 0034: the pairs' rows (as migration 0052).
        *derive.operator_bins(db.dialect),
        *tagged.derived(db.dialect),
        *tagged.pairs_derived(db.dialect),
        "INSERT INTO survey_requests (id, token, kind, origin, conversation_id, contact_id,"
        " inbox_id, team_id, operator_id, channel, language, created_at, expires_at, score)"
        f" SELECT b.n, 'c' || b.n, 'csat', 'auto', b.n, b.n, 1 + b.n % 3, 1 + b.n % 4,"
        f" 1 + b.n % 20, {_CHANNEL}, 'en', {sql.ts('b.c + b.res')},"
        f" {sql.ts('b.c + b.res + 604800')},"
        " CASE WHEN b.n % 3 = 0 THEN NULL ELSE 1 + b.n % 5 END FROM bench_conv b",
        "INSERT INTO survey_requests (id, token, kind, origin, conversation_id, contact_id,"
        " inbox_id, team_id, operator_id, channel, language, created_at, expires_at, score)"
        f" SELECT {count} + b.n, 'n' || b.n, 'nps', 'auto', b.n, b.n, 1 + b.n % 3,"
        f" 1 + b.n % 4, 1 + b.n % 20, {_CHANNEL}, 'en', {sql.ts('b.c + b.res')},"
        f" {sql.ts('b.c + b.res + 604800')}, b.n % 11 FROM bench_conv b WHERE b.n % 10 = 0",
        rollup.fill(db.dialect),
        "DROP TABLE bench_conv",
    ]
    async with db.session(write=True) as session:
        await session.execute(
            Base.metadata.tables["inboxes"].insert(),
            [
                {"id": k, "name": f"Bench {k}", "channel": "widget", "public_key": f"b{k}"}
                for k in (1, 2, 3)
            ],
        )
    for statement in statements:
        started = time.perf_counter()
        async with db.session(write=True) as session:
            await session.execute(text(statement))
        print(f"  {time.perf_counter() - started:6.1f} s  {statement[:70]}", flush=True)
    async with db.read_engine.connect() as conn:
        if sql.pg:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


async def seed_sla(db: Database) -> None:
    """Two SLA clocks per conversation (first response, resolution) started at its creation:
    a tenth of them breached, the rest met (from the conversations, so also on a database
    seeded before)."""
    sql = _Sql(db.dialect)
    for target, breached in (("first_response", 10), ("resolution", 7)):
        statement = (
            "INSERT INTO sla_clocks (conversation_id, target, policy_id, state, started_at,"
            " due_at, target_s, met_at, breached_at)"
            f" SELECT id, '{target}', 1, CASE WHEN id % {breached} = 0 THEN 'breached'"
            " ELSE 'met' END, created_at, created_at, 3600,"
            f" CASE WHEN id % {breached} = 0 THEN NULL ELSE created_at END,"
            f" CASE WHEN id % {breached} = 0 THEN created_at END FROM conversations"
        )
        async with db.session(write=True) as session:
            await session.execute(text(statement))
    async with db.read_engine.connect() as conn:
        if sql.pg:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE sla_clocks"))
        else:
            await conn.execute(text("ANALYZE sla_clocks"))
            await conn.commit()


async def _seeded(db: Database) -> int:
    async with db.session(write=False) as session:
        return int((await session.execute(text("SELECT count(*) FROM conversations"))).scalar_one())


async def _timed(db: Database, run: Callable[[Any], Awaitable[object]], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        async with db.session(write=False) as session:
            await run(session)
        samples.append(time.perf_counter() - started)
    return samples


def _endpoint(filters: Filters) -> Callable[[Any], Awaitable[object]]:
    """The overview as its endpoint computes it: the period and the one before."""

    async def overview(session: Any) -> object:
        return await metrics.with_previous(session, filters)

    return overview


def _as(
    scope: access.Scope, run: Callable[[Any], Awaitable[object]]
) -> Callable[[Any], Awaitable[object]]:
    """``run`` as the operator of ``scope`` sees it."""

    async def seen(session: Any) -> object:
        access.bind(session, scope)
        return await run(session)

    return seen


def _reports(period: Filters) -> dict[str, Callable[[Any], Awaitable[object]]]:

    async def raw_conversations(session: Any) -> object:
        query = text(
            "SELECT channel, status, count(*) FROM conversations"
            " WHERE created_at >= :since AND created_at < :until GROUP BY channel, status"
        )
        return (await session.execute(query, _bounds(session, period))).all()

    async def raw_facts(session: Any) -> object:
        query = text(
            "SELECT kind, count(*), avg(seconds) FROM report_facts"
            " WHERE at >= :since AND at < :until GROUP BY kind"
        )
        return (await session.execute(query, _bounds(session, period))).all()

    one_tag = Filters(since=period.since, until=period.until, tags=("vip",))
    two_tags = Filters(since=period.since, until=period.until, tags=("vip", "billing"))
    one = Filters(since=period.since, until=period.until, agent_ids=(7,))
    one_in_one = replace(one, inbox_ids=(1,))
    # A supervisor of the first of the three inboxes (ADR 0033), not an operator of any.
    lead = access.Scope(999_999, "supervisor", frozenset({1}), frozenset())
    return {
        "raw GROUP BY conversations (channel, status)": raw_conversations,
        "raw GROUP BY report_facts (kind)": raw_facts,
        "overview (period + previous, CSAT/NPS/CES)": _endpoint(period),
        "overview (period + previous), a supervisor": _as(lead, _endpoint(period)),
        "overview, one operator": lambda s: metrics.figures(s, one),
        "overview, one operator in one inbox": lambda s: metrics.figures(s, one_in_one),
        "overview, tag 'vip' (the tag's rows)": lambda s: metrics.figures(s, one_tag),
        "overview, tags 'vip' or 'billing' (tags' rows)": lambda s: metrics.figures(s, two_tags),
        "overview + previous, tag 'vip'": _endpoint(one_tag),
        "overview + previous, tags 'vip' or 'billing'": _endpoint(two_tags),
        "volume by channel": lambda s: breakdowns.volume(s, period, "channel"),
        "volume by team": lambda s: breakdowns.volume(s, period, "team"),
        "volume by operator": lambda s: breakdowns.volume(s, period, "agent"),
        "volume by tag": lambda s: breakdowns.volume(s, period, "tag"),
        "table by operator": lambda s: breakdowns.table(s, period, "agent"),
        "table by team": lambda s: breakdowns.table(s, period, "team"),
        "backlog by day": lambda s: breakdowns.backlog(s, period, step=timedelta(days=1)),
        "heatmap": lambda s: breakdowns.heatmap(s, period, timezone="Europe/Moscow"),
        "drill-down, first page (100)": lambda s: breakdowns.drill(
            s, period, "resolved", limit=100
        ),
        "SLA compliance by policy": lambda s: sla.compliance(
            s, by="policy", since=period.since, until=period.until
        ),
        "SLA compliance by team": lambda s: sla.compliance(
            s, by="team", since=period.since, until=period.until
        ),
    }


def _bounds(session: Any, period: Filters) -> dict[str, Any]:
    """The period as the raw statements compare it (SQLite stores UTC text)."""
    if session.bind.dialect.name == "sqlite":
        return {
            "since": period.since.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "until": period.until.strftime("%Y-%m-%d %H:%M:%S.%f"),
        }
    return {"since": period.since, "until": period.until}


async def main(args: argparse.Namespace) -> None:
    settings = storage_settings(args, "reports")
    await migrate.upgrade_async(settings)
    wiring.install()
    db = Database(settings)
    try:
        have = await _seeded(db)
        if have == 0:
            built = time.perf_counter()
            await seed(db, args.conversations, args.days)
            took = time.perf_counter() - built
            print(f"{args.conversations} conversations seeded in {took:.1f} s", flush=True)
        else:
            print(f"reusing {have} seeded conversations")
        async with db.session(write=False) as session:
            clocks = (await session.execute(text("SELECT count(*) FROM sla_clocks"))).scalar()
        if not clocks:
            started = time.perf_counter()
            await seed_sla(db)
            print(f"SLA clocks seeded in {time.perf_counter() - started:.1f} s", flush=True)
        # The period ends now, not on a whole hour (as the app asks): rollups answer the
        # whole hours, the facts the parts of an hour at both ends.
        until = utcnow()
        period = Filters(since=until - timedelta(days=args.period), until=until)
        print(
            f"{db.dialect}; period: the last {args.period} of {args.days} days;"
            f" {args.rounds} rounds each"
        )
        print(f"{'report':48} {'p50 ms':>9} {'p95 ms':>9}")
        for name, run in _reports(period).items():
            figures = summary_ms(await _timed(db, run, args.rounds))
            mark = "" if figures["p95_ms"] <= 1000 else "  (over 1 s)"
            print(f"{name:48} {figures['p50_ms']:9.1f} {figures['p95_ms']:9.1f}{mark}", flush=True)
    finally:
        await db.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--period", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=7)
    add_storage_args(parser)
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
