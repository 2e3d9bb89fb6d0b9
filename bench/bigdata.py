"""Big-data API: list views and filters, one conversation's messages, socket catch-up.

Against a workspace seeded by ``otklik demo --conversations N``. Every API series is paired
with its baseline: the very statements the server ran for that call (recorded once by
``sqltrace_server.py``), sent raw through the same driver (aiosqlite / asyncpg) to the same
database, so "API / raw SQL" is the price of HTTP, the framework, the ORM and serialisation
on top of the queries themselves.
"""

from __future__ import annotations

import asyncio
import functools
import os
import pickle
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bench.load import (
    Target,
    get_json,
    http_session,
    open_socket,
    post_json,
    send_id,
    visitor_session,
)
from bench.report import Check, Reporter, Result, summary_ms
from bench.server import Database

VIEWS = ("mine", "unassigned", "all")
STATUSES = ("open", "pending", "snoozed", "resolved")
CATCH_UP_EVENTS = 1000
MESSAGE_SAMPLE = 5  # conversations whose messages are read, in turn
_NOT_QUERIES = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA)\b", re.I)
_READ = re.compile(r"^\s*(SELECT|WITH)\b", re.I)

Statement = tuple[str, Any]


def demo_credentials(output: str) -> tuple[str, str, str]:
    """(admin email, password, a widget inbox key) from what ``otklik demo`` printed, e.g.
    ``Sign in at /app as admin@example.com / otklik-demo-admin`` and ``data-inbox="KEY"``."""
    login = re.search(r"([\w.+-]+@[\w-]+(?:\.[\w-]+)+)\s*/\s*(\S+)", output)
    key = re.search(r'data-inbox="([^"]+)"', output) or re.search(
        r"(?:public[_ ]key|inbox[_ ]key)\W+([A-Za-z0-9_-]{8,})", output, re.IGNORECASE
    )
    if not (login and key):
        raise RuntimeError(
            f"cannot read the admin login and inbox key from `otklik demo`:\n{output}"
        )
    return login.group(1), login.group(2), key.group(1)


@dataclass
class Call:
    """One kind of call: an HTTP GET (``paths`` taken in turn) or a socket catch-up."""

    name: str
    paths: list[str] = field(default_factory=list)
    catch_up_after: int | None = None
    #: The statements each path ran, recorded on the tracing server (same order as ``paths``).
    statements: list[list[Statement]] = field(default_factory=list)
    skipped_writes: int = 0
    api: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    note: str = ""


class Api:
    """The operator's side of the server, sequential calls (latency, not load)."""

    def __init__(self, target: Target, http: aiohttp.ClientSession) -> None:
        self.target = target
        self.http = http
        self.base = f"{target.base_url}/api/v1"

    async def get(self, path: str) -> Any:
        status, body = await get_json(self.http, self.base + path, self.target.operator_token)
        if status != 200:
            raise RuntimeError(f"GET {path} → {status} {body}")
        return body

    async def catch_up(self, after: int) -> int:
        """Connect, ``hello`` with ``after``, wait for ``ready``; returns the events replayed
        (-1 when the server answered ``resync``)."""
        ws, frame, events = await open_socket(
            self.target, self.target.operator_token, visitor=False, last_event_id=after
        )
        await ws.close()
        return -1 if frame.get("type") == "resync" else len(events)

    async def run(self, call: Call, i: int) -> None:
        if call.catch_up_after is not None:
            await self.catch_up(call.catch_up_after)
        else:
            await self.get(call.paths[i % len(call.paths)])


async def plan(api: Api) -> list[Call]:
    """The calls to measure, with real ids and cursors taken from the seeded workspace."""
    calls = [
        Call(f"list {view}/{status}", [f"/conversations?view={view}&status={status}"])
        for view in VIEWS
        for status in STATUSES
    ]
    first = await api.get("/conversations?view=all&status=open&limit=25")
    if first.get("next_cursor"):
        cursor = first["next_cursor"]
        calls.append(
            Call("list all/open page 2", [f"/conversations?view=all&status=open&cursor={cursor}"])
        )
    ids = [item["id"] for item in first["items"][:MESSAGE_SAMPLE]]
    calls.append(
        Call("messages of one conversation", [f"/conversations/{c}/messages" for c in ids])
    )
    after, replayed = await _catch_up_start(api)
    calls.append(
        Call(
            f"socket catch-up {CATCH_UP_EVENTS} events",
            catch_up_after=after,
            note=f"{replayed} events replayed: connect, hello, until ready",
        )
    )
    return calls


async def _catch_up_start(api: Api) -> tuple[int, int]:
    """The smallest ``last_event_id`` that makes an operator socket replay >= 1000 events
    (event ids are shared by all streams, so it is searched for, not computed)."""
    _, ready, _ = await open_socket(api.target, api.target.operator_token, visitor=False)
    newest = int(ready["last_event_id"])
    lo, hi = max(0, newest - 20 * CATCH_UP_EVENTS), newest - CATCH_UP_EVENTS
    best = (lo, -1)
    while lo <= hi:
        mid = (lo + hi) // 2
        n = await api.catch_up(mid)
        if n == -1 or n >= CATCH_UP_EVENTS:
            best = (mid, n)
            lo = mid + 1
        else:
            hi = mid - 1
    return best


async def make_events(target: Target, count: int) -> None:
    """At least ``count`` operator-visible events (visitors writing), so catch-up has work."""
    async with http_session() as http:
        tokens = [await visitor_session(http, target, f"Catch-up visitor {i}") for i in range(20)]
        url = f"{target.base_url}/api/v1/widget/messages"

        async def write(token: str, n: int) -> None:
            for j in range(n):
                body = {"client_msg_id": send_id("cu", j), "text": f"catch-up {j}"}
                status, answer = await post_json(http, url, body, token)
                if status not in (200, 201):
                    raise RuntimeError(f"message failed: {status} {answer}")

        await asyncio.gather(*(write(t, count // len(tokens) + 1) for t in tokens))


#: One recorded statement: (time.time(), SQL, parameters, connection); see sqltrace_server.py.
TraceRecord = tuple[float, str, Any, int]


def read_trace(path: Path) -> list[TraceRecord]:
    records: list[TraceRecord] = []
    if not os.path.exists(path):  # noqa: ASYNC240 - a local file of a few kB
        return records
    with open(path, "rb") as fh:  # noqa: ASYNC230
        while True:
            try:
                records.append(pickle.load(fh))
            except EOFError:
                return records


async def record_statements(api: Api, calls: list[Call], trace: Path) -> None:
    """On the tracing server: make each call once and keep the statements it ran."""
    for call in calls:
        rounds = range(len(call.paths)) if call.paths else range(1)
        for i in rounds:
            before = len(read_trace(trace))
            await api.run(call, i)
            await asyncio.sleep(0.05)  # let the server's last write reach the file
            ran = [(sql, params) for _, sql, params, _ in read_trace(trace)[before:]]
            queries = [s for s in ran if not _NOT_QUERIES.match(s[0])]
            reads = [s for s in queries if _READ.match(s[0])]
            call.skipped_writes = len(queries) - len(reads)
            call.statements.append(reads)


class RawSQL:
    """The driver the server uses, without SQLAlchemy: aiosqlite or asyncpg."""

    def __init__(self, database: Database, url: str) -> None:
        self.database = database
        self.url = url
        self._conn: Any = None

    async def __aenter__(self) -> RawSQL:
        if self.database == "sqlite":
            import aiosqlite

            self._conn = await aiosqlite.connect(self.url.split("///", 1)[1])
            await self._conn.execute("PRAGMA query_only=ON")
        else:
            import asyncpg

            self._conn = await asyncpg.connect(self.url.replace("postgresql+asyncpg", "postgresql"))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._conn.close()

    async def run(self, statements: list[Statement]) -> int:
        """Run them in order, fetching every row; returns how many rows came back."""
        rows = 0
        for sql, params in statements:
            if self.database == "sqlite":
                async with self._conn.execute(sql, params) as cursor:
                    rows += len(await cursor.fetchall())
            else:
                rows += len(await self._conn.fetch(sql, *(params or ())))
        return rows


async def _timed(samples: list[float], call: Callable[[], Awaitable[object]]) -> None:
    t0 = time.perf_counter()
    await call()
    samples.append(time.perf_counter() - t0)


async def measure(api: Api, raw: RawSQL, calls: list[Call], *, rounds: int) -> None:
    """Time each call ``rounds`` times through the API, then its statements raw."""
    for call in calls:
        await api.run(call, 0)  # warm
        for i in range(rounds):
            await _timed(call.api, functools.partial(api.run, call, i))
        if not any(call.statements):
            continue
        await raw.run(call.statements[0])
        for i in range(rounds):
            await _timed(
                call.raw, functools.partial(raw.run, call.statements[i % len(call.statements)])
            )


def record(report: Reporter, database: Database, calls: list[Call]) -> None:
    for call in calls:
        api, raw = summary_ms(call.api), summary_ms(call.raw)
        n = len(call.statements[0]) if call.statements else 0
        note = "; ".join(filter(None, [call.note, f"{n} SQL statements per call"]))
        if call.skipped_writes:
            note += f"; {call.skipped_writes} writes not replayed"
        report.add(
            Result(
                "bigdata",
                "otklik",
                database,
                f"{call.name} p50",
                api["p50_ms"],
                "ms",
                {"note": note, "statements": n},
            )
        )
        report.add(Result("bigdata", "otklik", database, f"{call.name} p95", api["p95_ms"], "ms"))
        if call.raw:
            report.add(
                Result("bigdata", "raw-sql", database, f"{call.name} p50", raw["p50_ms"], "ms")
            )
            report.add(
                Result("bigdata", "raw-sql", database, f"{call.name} p95", raw["p95_ms"], "ms")
            )
        report.check(Check("bigdata", database, f"{call.name} p95", api["p95_ms"], "ms", 50, False))
