"""Every report's time beside the raw GROUP BY over the same data, in the same run (issue 16:
each report ≤ 1 s at 1,000,000 conversations).

``python -m bench.reports [--conversations 1000000] [--days 90] [--period 30] [--database URL]``
builds a fresh database with that many conversations spread over ``--days`` days (rows
written in bulk: contacts, conversations, and the facts and hourly rollups the event
subscribers would have written for each — created, first response, one or two responses,
resolved, handle), then times each report over the last ``--period`` days as an admin sees
it, and, for scale, the raw ``GROUP BY`` a report page without facts would run
(``conversations`` by channel and status over the same period).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from otklik import wiring
from otklik.config import Settings
from otklik.core import migrate
from otklik.core.clock import utcnow
from otklik.core.db import Base, Database
from otklik.reports import breakdowns, metrics
from otklik.reports.metrics import Filters

CHUNK = 5000
CHANNELS = ("widget", "email", "telegram")


def _facts(i: int, created: Any, rng: random.Random) -> list[dict[str, Any]]:
    channel, inbox, agent = CHANNELS[i % 3], 1 + i % 3, 1 + i % 20
    team = 1 + i % 4
    frt = rng.randint(30, 3600)
    resolved = frt + rng.randint(60, 86_400)
    base = {"conversation_id": i, "inbox_id": inbox, "channel": channel, "team_id": team}
    rows = [
        {**base, "kind": "created", "at": created, "agent_id": None},
        {**base, "kind": "first_response", "at": created + timedelta(seconds=frt)},
        {**base, "kind": "response", "at": created + timedelta(seconds=frt)},
        {**base, "kind": "resolved", "at": created + timedelta(seconds=resolved), "n": 1},
        {**base, "kind": "handle", "at": created + timedelta(seconds=resolved), "n": 2},
    ]
    for row in rows[1:]:
        row["agent_id"] = agent
        row["seconds"] = row["business_seconds"] = float(
            frt if row["kind"] in ("first_response", "response") else resolved
        )
        row["first"] = row["kind"] == "resolved"
    rows[0].update(seconds=None, business_seconds=None, first=False)
    for row in rows:
        row.setdefault("n", None)
    return rows


async def _fill(db: Database, count: int, days: int) -> None:
    tables = Base.metadata.tables
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    rng = random.Random(16)
    async with db.session(write=True) as session:
        await session.execute(
            tables["inboxes"].insert(),
            [
                {
                    "id": n,
                    "name": f"Bench {n}",
                    "channel": "widget",
                    "public_key": f"b{n}",
                    "config": {},
                }
                for n in (1, 2, 3)
            ],
        )
    hourly: Counter[tuple[Any, ...]] = Counter()
    sums: Counter[tuple[Any, ...]] = Counter()
    for start in range(0, count, CHUNK):
        ids = range(start + 1, min(count, start + CHUNK) + 1)
        contacts = [{"id": i, "name": f"C{i}", "attributes": {}} for i in ids]
        conversations, facts = [], []
        for i in ids:
            created = now - timedelta(seconds=rng.randint(0, days * 86_400))
            conversations.append(
                {
                    "id": i,
                    "inbox_id": 1 + i % 3,
                    "contact_id": i,
                    "channel": CHANNELS[i % 3],
                    "status": "resolved",
                    "created_at": created,
                    "last_activity_at": created,
                }
            )
            for row in _facts(i, created, rng):
                facts.append(row)
                key = (
                    row["at"].replace(minute=0, second=0, microsecond=0),
                    row["kind"],
                    row["inbox_id"],
                    row["channel"],
                    row["team_id"] or 0,
                    row["agent_id"] or 0,
                )
                hourly[key] += 1
                sums[key] += row["seconds"] or 0
        async with db.session(write=True) as session:
            await session.execute(tables["contacts"].insert(), contacts)
            await session.execute(tables["conversations"].insert(), conversations)
            await session.execute(tables["report_facts"].insert(), facts)
    rollups = [
        {
            "hour": k[0],
            "kind": k[1],
            "inbox_id": k[2],
            "channel": k[3],
            "team_key": k[4],
            "agent_key": k[5],
            "n": n,
            "seconds": sums[k],
            "business_seconds": sums[k],
        }
        for k, n in hourly.items()
    ]
    for start in range(0, len(rollups), CHUNK):
        async with db.session(write=True) as session:
            await session.execute(tables["report_hourly"].insert(), rollups[start : start + CHUNK])


async def _timed(db: Database, run: Callable[[Any], Awaitable[object]]) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        async with db.session(write=False) as session:
            await run(session)
        best = min(best, time.perf_counter() - started)
    return best


async def main(args: argparse.Namespace) -> None:
    options: dict[str, Any] = {"data_dir": Path(tempfile.mkdtemp(prefix="otklik-reports-"))}
    if args.database:
        options["database_url"] = args.database
    settings = Settings(secret_key="bench-" * 8, **options)
    await migrate.upgrade_async(settings)
    wiring.install()
    db = Database(settings)
    try:
        built = time.perf_counter()
        await _fill(db, args.conversations, args.days)
        print(f"{args.conversations} conversations built in {time.perf_counter() - built:.1f} s")
        until = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        period = Filters(since=until - timedelta(days=args.period), until=until)
        conversations = Base.metadata.tables["conversations"]
        c = conversations.c

        async def raw(session: Any) -> object:
            query = (
                select(c.channel, c.status, func.count())
                .where(c.created_at >= period.since, c.created_at < period.until)
                .group_by(c.channel, c.status)
            )
            return (await session.execute(query)).all()

        reports: dict[str, Callable[[Any], Awaitable[object]]] = {
            "raw GROUP BY conversations (channel, status)": raw,
            "overview (every metric)": lambda s: metrics.figures(s, period),
            "volume by channel (rollups)": lambda s: breakdowns.volume(s, period, "channel"),
            "volume by team (rollups)": lambda s: breakdowns.volume(s, period, "team"),
            "backlog by day": lambda s: breakdowns.backlog(s, period, step=timedelta(days=1)),
            "heatmap": lambda s: breakdowns.heatmap(s, period, timezone="Europe/Moscow"),
            "table by operator": lambda s: breakdowns.table(s, period, "agent"),
            "drill-down (100)": lambda s: breakdowns.drill(s, period, "resolved", limit=100),
        }
        print(f"period: the last {args.period} of {args.days} days (best of 3)")
        for name, run in reports.items():
            took = await _timed(db, run)
            mark = "" if took <= 1 else "  (over 1 s)"
            print(f"{name:48} {took * 1000:9.1f} ms{mark}")
    finally:
        await db.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--period", type=int, default=30)
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
