"""PostgreSQL's write turn without the server: a visitor message's statements on bare asyncpg.

On PostgreSQL every acknowledged message costs CPU in the server, in the database's backends
and in the load clients, all on the same cores. This bench measures the part no change to
Otklik's Python can remove: the statements themselves. A fresh database (the same migrations)
gets conversations through the service layer, as ingest's visitors have them; then, through
asyncpg alone (no HTTP, no SQLAlchemy, no event bus, no sockets), each connection replays the
write turn of a visitor's next message in an open conversation with the statement texts the
server's modules hold:

- per message: ``SAVEPOINT``; the contact's row locked; the latest conversation, the client
  id's check, the message and its conversation's touch (one statement); the event's two log
  rows with the report state's update riding in front of them (one statement,
  ``pg_raw.riding``); ``RELEASE``;
- per batch of K messages (``--batch``; 6 is about what ingest's batches hold on
  PostgreSQL): ``BEGIN``; the event-order lock with the order stamp and the ``NOTIFY`` of
  the frames (one statement); ``COMMIT`` (``synchronous_commit`` as the server has it).

With one connection and with as many as the server's write lanes, it prints turns/s, the
bench process's CPU per turn, and the backends' CPU per turn (``psutil``) for each
connection's backend. The last gives the ceiling: a machine whose cores also run the
database can acknowledge at most ``cores / (backend CPU per message)`` messages per second
even if the server cost nothing.

``python -m bench.pg_turnlimit [--seconds 3] [--batch 6] [--lanes 4]``, or as part of
``python -m bench.run --only turnlimit --database postgres``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psutil
import uvloop
from sqlalchemy.dialects.postgresql import asyncpg as pg_dialect

from otklik import wiring
from otklik.channels import service as inboxes
from otklik.channels.schemas import InboxCreate
from otklik.config import Settings
from otklik.contacts import service as contacts
from otklik.conversations import appending
from otklik.conversations import service as conversations
from otklik.core import migrate, pg_raw, sqlite_raw
from otklik.core.db import Database
from otklik.realtime import log, notify
from otklik.realtime.models import Event
from otklik.reports import tracking

TEXT = "Здравствуйте! Where is my order #12345? It was due yesterday, thanks."


@dataclass(frozen=True)
class Visitor:
    inbox_id: int
    #: Who they are, as their messages are signed.
    signature: contacts.Signature
    conversation_id: int
    #: The log rows a real message of theirs wrote: (stream, type, payload, reach).
    feed: list[tuple[str, str, str, tuple[int | None, int | None, int | None]]]


@dataclass(frozen=True)
class Figures:
    connections: int
    batch: int
    turns: int
    seconds: float
    client_cpu_s: float
    backend_cpu_s: float

    @property
    def turns_per_s(self) -> float:
        return self.turns / self.seconds

    @property
    def client_us(self) -> float:
        return self.client_cpu_s / self.turns * 1e6

    @property
    def backend_us(self) -> float:
        return self.backend_cpu_s / self.turns * 1e6


async def prepare(url: str, visitors: int) -> list[Visitor]:
    """Migrate, then give each visitor an open conversation with one message (the general
    path), and read back the log rows that message wrote: the replay's event payloads."""
    settings = Settings(database_url=url, data_dir=Path("/tmp"), secret_key="bench-" * 8)
    await migrate.upgrade_async(settings)
    wiring.install()
    db = Database(settings)
    try:
        async with db.session(write=True) as session:
            inbox = await inboxes.create_inbox(
                session, data=InboxCreate(name="Bench", channel="widget"), actor_id=None
            )
        async with db.session(write=False) as session:
            info = await inboxes.inbox_by_id(session, inbox.id)
        assert info is not None
        out = []
        for i in range(visitors):
            async with db.session(write=True) as session:
                contact = await contacts.create_contact(
                    session, name=f"Visitor {i}", email=None, attributes={}
                )
                posted = await conversations.post_visitor_message(
                    session,
                    inbox=info,
                    contact_id=contact.id,
                    client_msg_id=uuid.uuid4().hex,
                    text=TEXT,
                    max_chars=10_000,
                )
            async with db.session(write=False) as session:
                rows = (
                    await session.execute(
                        Event.__table__.select()
                        .where(Event.payload_json.contains(f'"id":{posted.message.id},'))
                        .order_by(Event.id)
                    )
                ).all()
            feed = [
                (r.stream, r.type, r.payload, (r.inbox_id, r.team_id, r.assignee_id))
                for r in rows
                if r.type == "message.created"
            ]
            if len(feed) != 2:
                raise RuntimeError(f"expected a message's two log rows, found {len(feed)}")
            signature = contacts.Signature(id=contact.id, name=contact.name, email=contact.email)
            out.append(Visitor(inbox.id, signature, posted.message.conversation_id, feed))
        return out
    finally:
        await db.dispose()


def _backend_cpu_s(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


class Lane:
    """One bare connection replaying turns for its visitors, batch after batch."""

    def __init__(self, conn: asyncpg.Connection, visitors: list[Visitor]) -> None:
        self.conn = conn
        self.visitors = visitors
        dialect = pg_dialect.dialect()  # type: ignore[no-untyped-call]
        self.messages = sqlite_raw.codec(appending._messages, dialect)
        self.conversations = sqlite_raw.codec(appending._conversations, dialect)
        self.events = sqlite_raw.codec(log._events, dialect)
        self.state = sqlite_raw.codec(tracking.STATE, dialect)
        self.turns = 0

    async def turn(
        self, visitor: Visitor, pending: list[tuple[int, str, str, str]], *, first: bool
    ) -> None:
        """One message's statements. As the server does (``core/unit.py``), a turn's
        ``RELEASE`` goes out with the next turn's ``SAVEPOINT``, the last one with the
        ``COMMIT``, and the contact's lock with the ``SAVEPOINT``."""
        c = self.conn
        opening = f"SAVEPOINT otklik_unit; {appending.contact_lock(visitor.signature.id)}"
        await c.execute(opening if first else f"RELEASE SAVEPOINT otklik_unit; {opening}")
        job = appending.NextMessage(
            inbox_id=visitor.inbox_id,
            contact_id=visitor.signature.id,
            client_msg_id=uuid.uuid4().hex,
            text=TEXT,
            external_id=None,
            channel_data={},
        )
        message = appending._new_message(visitor.conversation_id, visitor.signature, job)
        now = message["created_at"]
        params = self.messages.params(appending._PG_BOUND_COLUMNS, message)
        (at,) = self.conversations.params(("last_activity_at",), {"last_activity_at": now})
        appended = await c.fetchrow(
            appending._PG_LATEST_AND_APPEND,
            visitor.signature.id,
            visitor.inbox_id,
            job.client_msg_id,
            *params,
            at,
        )
        assert appended is not None and appended[0] == visitor.conversation_id
        assert appended[3] is not None and appended[4] is not None
        rows = []
        for stream, kind, payload, (inbox_id, team_id, assignee_id) in visitor.feed:
            rows += self.events.params(
                log._COLUMNS,
                {
                    "stream": stream,
                    "type": kind,
                    "payload": payload,
                    "created_at": now,
                    "inbox_id": inbox_id,
                    "team_id": team_id,
                    "assignee_id": assignee_id,
                },
            )
        # The report's state rides with the log's rows (``pg_raw.riding``), as in the app,
        # in the statement the app's ``pg_raw`` makes of them.
        state = {"waiting_since": now, "status": "open", "conversation_id": visitor.conversation_id}
        wrote = tracking._CUSTOMER_WROTE_RAW
        rider = pg_raw.Rider(
            tracking.STATE.name, wrote.numbered_from, tuple(self.state.params(wrote.columns, state))
        )
        count = len(visitor.feed)
        text, values = pg_raw._with_riders(
            [rider], lambda first: log._pg_insert(count, first), rows
        )
        ids = sorted(r[0] for r in await c.fetch(text, *values))
        pending += [(i, s, k, p) for i, (s, k, p, _) in zip(ids, visitor.feed, strict=True)]

    async def batch(self, k: int) -> None:
        c, pending = self.conn, []
        await c.execute("BEGIN")
        for n in range(k):
            visitor = self.visitors[self.turns % len(self.visitors)]
            await self.turn(visitor, pending, first=n == 0)
            self.turns += 1
        # The frames' payloads are made first, the lock, the stamp and the NOTIFY in one
        # statement, as ``realtime.log.stamp_order`` does.
        ids = [i for i, *_ in pending]
        payloads = [
            notify.template(stream, kind, payload, None) for _, stream, kind, payload in pending
        ]
        await c.fetch(log._PG_STAMP, ids, notify.CHANNEL, payloads, ids)
        await c.execute("COMMIT")


async def _connect(dsn: str) -> tuple[asyncpg.Connection, int]:
    conn = await asyncpg.connect(dsn)
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    return conn, int(await conn.fetchval("SELECT pg_backend_pid()"))


async def replay(
    dsn: str, visitors: list[Visitor], *, connections: int, batch: int, seconds: float
) -> Figures:
    """``connections`` lanes at once, each on its own share of the visitors, for ``seconds``
    after a warm-up batch each."""
    opened = [await _connect(dsn) for _ in range(connections)]
    lanes = [Lane(conn, visitors[i::connections] or visitors) for i, (conn, _) in enumerate(opened)]
    try:
        await asyncio.gather(*(lane.batch(batch) for lane in lanes))  # warm: statements prepared
        for lane in lanes:
            lane.turns = 0
        pids = [pid for _, pid in opened]
        backend0 = sum(_backend_cpu_s(pid) for pid in pids)
        started, cpu0 = time.perf_counter(), time.process_time()
        deadline = started + seconds

        async def run(lane: Lane) -> None:
            while time.perf_counter() < deadline:
                await lane.batch(batch)

        await asyncio.gather(*(run(lane) for lane in lanes))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
        backend = sum(_backend_cpu_s(pid) for pid in pids) - backend0
        return Figures(connections, batch, sum(lane.turns for lane in lanes), wall, cpu, backend)
    finally:
        for conn, _ in opened:
            await conn.close()


async def measure(
    url: str, *, lanes: int, batch: int, seconds: float, visitors: int = 100
) -> list[Figures]:
    """Prepare ``url``'s database (fresh and empty), then replay on one connection and on
    ``lanes`` at once."""
    prepared = await prepare(url, visitors)
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    out = []
    for connections in sorted({1, lanes}):
        out.append(
            await replay(dsn, prepared, connections=connections, batch=batch, seconds=seconds)
        )
    return out


def run(url: str, *, lanes: int, batch: int, seconds: float) -> list[Figures]:
    """:func:`measure` on its own event loop (uvloop, as the server runs)."""
    return uvloop.run(measure(url, lanes=lanes, batch=batch, seconds=seconds))


def describe(f: Figures, cores: int) -> str:
    ceiling = cores / (f.backend_us / 1e6) if f.backend_us else float("nan")
    return (
        f"{f.connections} connection(s), {f.batch} a batch: {f.turns_per_s:,.0f} turns/s,"
        f" bench process {f.client_us:,.0f} µs CPU a turn, PostgreSQL's backends"
        f" {f.backend_us:,.0f} µs a turn (at that alone {cores} cores carry {ceiling:,.0f}/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/otklik_bench",
        help="an empty PostgreSQL database (its tables are created)",
    )
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--batch", type=int, default=6)
    parser.add_argument("--lanes", type=int, default=4)
    args = parser.parse_args()
    figures = run(args.database, lanes=args.lanes, batch=args.batch, seconds=args.seconds)
    for f in figures:
        print(describe(f, os.cpu_count() or 1))


if __name__ == "__main__":
    main()
