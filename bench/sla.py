"""The SLA sweeper's pass time over many open conversations (issue 14: under a second at
100,000).

``python -m bench.sla [--conversations 100000] [--due 300] [--database URL]`` builds a fresh
database with that many open conversations, each with running first-response and resolution
clocks (rows written in bulk, as a busy workspace would have them), ``--due`` of them past
their due time and as many within the warning lead; then times the sweeper
(``otklik.sla.jobs.sweep``): the pass that marks those breaches and warnings (events and
frames included), and a pass with nothing to do (the common case, every five seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from otklik import wiring
from otklik.config import Settings
from otklik.core import config_cache, migrate
from otklik.core.clock import utcnow
from otklik.core.db import Base, Database
from otklik.sla.jobs import sweep

CHUNK = 5000


async def _fill(db: Database, count: int, due: int) -> None:
    tables = Base.metadata.tables
    now = utcnow()
    async with db.session(write=True) as session:
        await session.execute(
            tables["inboxes"].insert(),
            [{"id": 1, "name": "Bench", "channel": "widget", "public_key": "bench", "config": {}}],
        )
    for start in range(0, count, CHUNK):
        ids = range(start + 1, min(count, start + CHUNK) + 1)
        contacts = [{"id": i, "name": f"C{i}", "attributes": {}} for i in ids]
        conversations = [
            {"id": i, "inbox_id": 1, "contact_id": i, "channel": "widget", "status": "open"}
            for i in ids
        ]
        clocks = []
        for i in ids:
            if i <= due:
                first = now - timedelta(minutes=1)
            elif i <= 2 * due:
                first = now + timedelta(minutes=5)
            else:
                first = now + timedelta(minutes=30 + i % 600)
            for target, at in (
                ("first_response", first),
                ("resolution", first + timedelta(hours=8)),
            ):
                clocks.append(
                    {
                        "conversation_id": i,
                        "target": target,
                        "policy_id": 1,
                        "state": "running",
                        "started_at": now,
                        "due_at": at,
                        "target_s": 3600,
                    }
                )
        async with db.session(write=True) as session:
            await session.execute(tables["contacts"].insert(), contacts)
            await session.execute(tables["conversations"].insert(), conversations)
            await session.execute(tables["sla_clocks"].insert(), clocks)


async def _pass(db: Database) -> tuple[float, tuple[int, int]]:
    started = time.perf_counter()
    async with db.session(write=True) as session:
        done = await sweep(session, now=utcnow())
    return time.perf_counter() - started, done


async def main(args: argparse.Namespace) -> None:
    options: dict[str, Any] = {"data_dir": Path(tempfile.mkdtemp(prefix="otklik-sla-"))}
    if args.database:
        options["database_url"] = args.database
    settings = Settings(secret_key="bench-" * 8, **options)
    await migrate.upgrade_async(settings)
    wiring.install()
    db = Database(settings)
    config_cache.attach(db)  # as the app does: policies and rules are read once, not per alert
    try:
        built = time.perf_counter()
        await _fill(db, args.conversations, args.due)
        print(
            f"{args.conversations} open conversations built in {time.perf_counter() - built:.1f} s"
        )
        busy, done = await _pass(db)
        print(f"pass with {done[0]} breaches, {done[1]} warnings: {busy * 1000:.0f} ms")
        idle, done = await _pass(db)
        print(f"pass with nothing due ({done}): {idle * 1000:.1f} ms")
    finally:
        await db.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=300)
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    asyncio.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
