"""A contacts CSV import of N generated rows (``POST /contacts/imports`` then the
``contacts.import`` job, run here in-process exactly as the worker runs it), beside a raw
bulk INSERT of the same rows (contacts and their address rows, one executemany each, rolled
back) in the same run and database.

Each row: a name, a unique email and phone, two tags, a time zone, an external id and an
attribute; the file is mapped as the import wizard maps it.

    python -m bench.contacts_import --rows 100000 [--database postgresql+asyncpg://…]

Besides the wall time, each part's CPU seconds: this process's (all its threads) and, on a
PostgreSQL on this machine, its server processes' for the database (``/proc``): on a busy
shared machine the wall time follows the load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text

from otklik.config import Settings
from otklik.contacts import importing
from otklik.contacts.import_jobs import run_import
from otklik.contacts.models import Contact, ContactAddress, ContactImport
from otklik.core.db import Database
from otklik.core.migrate import upgrade_async
from otklik.jobs.registry import IOJobContext
from otklik.wiring import install

MAPPING = {
    "Name": "name",
    "Email": "email",
    "Phone": "phone",
    "Tags": "tags",
    "Zone": "timezone",
    "Customer": "external_id",
    "Plan": "attribute:plan",
}


def generate(n: int, surname: str = "Ivanov") -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MAPPING)
    for i in range(n):
        writer.writerow(
            [
                f"Client {i} {surname}",
                f"client{i}@corp{i % 5000}.example",
                f"+7{9000000000 + i}",
                "import, b2b" if i % 10 else "vip",
                "Europe/Moscow",
                f"C-{i}",
                "gold" if i % 3 else "silver",
            ]
        )
    return out.getvalue()


async def server_cpu(db: Database) -> float:
    """CPU seconds the PostgreSQL server processes of this database have used (0 on SQLite,
    or when the server is not on this machine)."""
    async with db.session(write=False) as session:
        if session.get_bind().dialect.name != "postgresql":
            return 0.0
        pids = (
            await session.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
            )
        ).all()
    return _ticks(pids) / os.sysconf("SC_CLK_TCK")


def _ticks(pids: Sequence[int]) -> int:
    """The processes' user and system CPU time in clock ticks (0: not on this machine)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks


class Cpu:
    """CPU seconds used between :meth:`start` and :meth:`stop`: here and in the server."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.here = self.server = 0.0

    async def start(self) -> None:
        self.here, self.server = time.process_time(), await server_cpu(self.db)

    async def stop(self) -> str:
        here = time.process_time() - self.here
        server = await server_cpu(self.db) - self.server
        return f"cpu {here:6.1f} s here, {server:6.1f} s PostgreSQL"


class _Rollback(Exception):
    pass


async def raw_insert(db: Database, n: int) -> tuple[float, str]:
    """The floor: the same contacts and address rows by executemany, then rolled back."""
    cpu = Cpu(db)
    await cpu.start()
    contacts: list[dict[str, Any]] = [
        {
            "name": f"Client {i} Ivanov",
            "email": f"client{i}@corp{i % 5000}.example",
            "phones": [f"+7{9000000000 + i}"],
            "attributes": {"plan": "gold"},
        }
        for i in range(n)
    ]
    t0 = time.perf_counter()
    try:
        async with db.session(write=True) as session:
            ids = (
                await session.scalars(
                    insert(Contact).returning(Contact.id, sort_by_parameter_order=True), contacts
                )
            ).all()
            rows = [
                {"contact_id": cid, "kind": kind, "value": value}
                for cid, c in zip(ids, contacts, strict=True)
                for kind, value in (("email", c["email"]), ("phone", c["phones"][0]))
            ]
            await session.execute(insert(ContactAddress), rows)
            elapsed = time.perf_counter() - t0
            raise _Rollback
    except _Rollback:
        return elapsed, await cpu.stop()


async def timed_import(db: Database, settings: Settings, data: str, label: str, n: int) -> float:
    """Import ``data`` as the wizard and the worker do; print and return the wall time."""
    cpu = Cpu(db)
    await cpu.start()
    t0 = time.perf_counter()
    async with db.session(write=True) as session:
        record = await importing.start_import(
            session,
            data=data.encode(),
            filename="bench.csv",
            mapping=MAPPING,
            dry_run=False,
            actor_id=None,
        )
        import_id = record.id
    await run_import(IOJobContext(db=db, settings=settings), {"import_id": import_id})
    took = time.perf_counter() - t0
    import_cpu = await cpu.stop()
    async with db.session(write=False) as session:
        done = await session.scalar(select(ContactImport).where(ContactImport.id == import_id))
        assert done is not None and done.state == "done", done and done.errors
        counts = (done.created, done.updated, done.unchanged, done.failed)
    print(
        f"{label:22} {took:8.1f} {n / took:9,.0f}",
        f"  {import_cpu}  created/updated/same/failed {counts}",
    )
    return took


async def run(settings: Settings, n: int) -> None:
    await upgrade_async(settings)
    install()
    db = Database(settings)
    try:
        text = generate(n)
        print(f"file: {n:,} rows, {len(text) / 2**20:.1f} MB")
        raw, raw_cpu = await raw_insert(db, n)
        print(f"{'':22} {'seconds':>8} {'rows/s':>9}")
        took = await timed_import(db, settings, text, "otklik import", n)
        print(f"{'raw bulk INSERT':22} {raw:8.1f} {n / raw:9,.0f}   {raw_cpu}")
        # The same file again with every name changed: each row updates its contact.
        await timed_import(db, settings, generate(n, "Petrov"), "re-import (updates)", n)
        print(f"import / raw: {took / raw:.2f}× the wall time")
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--database", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    args = ap.parse_args(argv)
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="otklik-import-")),
        secret_key="bench-secret-key-0123456789",
        **({"database_url": args.database} if args.database else {}),
    )
    asyncio.run(run(settings, args.rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
