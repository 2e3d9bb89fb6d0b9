"""Where a visitor message's server CPU goes, without network or load clients.

``python -m bench.inprocess [--messages 3000] [--concurrency 25] [--database URL]`` builds a
fresh database, starts the app in this process and sends visitor messages two ways, each
on conversations that are already open (the live path's common case):

- ``app``: ``POST /api/v1/widget/messages`` through the whole ASGI app (middleware, routing,
  FastAPI, the service, the write turn, group commit), called directly, with no server and
  no socket;
- ``service``: ``conversations.post_visitor_message`` in a write session, nothing around it;
- ``create`` (with ``--steps``): ``POST /api/v1/channels/api/conversations``, a new customer
  and conversation each time, as ``bench.create`` sends them.

It prints CPU µs per message and messages/s for each; ``app - service`` is the web layer's
share. ``--sla`` first sets up an SLA policy on the inbox with a business calendar (Moscow
office hours and Russia's official holidays), so every message keeps its SLA clocks (issue 14:
at most 10 % more CPU than without); ``--sla-shifts`` the same with the calendar fed by a
team's shifts (five operators on 5/2). ``--profile OUT`` writes a cProfile of the ``app`` run.
It is a diagnostic beside ``bench.run`` (whose ``ingest`` and ``turnlimit`` are the figures
of record): the loop, the clients and the sockets are not in it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import uvloop
from sqlalchemy import text

from bench.server import WIDGET_LIMITS
from otklik.accounts import service as accounts
from otklik.accounts.schemas import AgentCreate, TeamCreate
from otklik.app import create_app
from otklik.channels import service as inboxes
from otklik.channels.schemas import InboxCreate
from otklik.config import Settings
from otklik.conversations import service as conversations
from otklik.core import migrate
from otklik.core.clock import utcnow
from otklik.core.crypto import SecretBox
from otklik.sla import service as sla
from otklik.sla.schemas import CalendarIn, Conditions, LinksIn, PolicyIn, Targets
from otklik.workforce import shifts
from otklik.workforce.schemas import AssignmentIn, BreakIn, PatternIn, ShiftTemplateIn

Call = Callable[[str, str, bytes, list[tuple[bytes, bytes]]], Awaitable[tuple[int, bytes]]]


def asgi_caller(app: Any) -> Call:
    async def call(
        method: str, path: str, body: bytes, headers: list[tuple[bytes, bytes]]
    ) -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [
                (b"host", b"bench"),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "root_path": "",
            "state": {},
        }
        sent = False
        answer: dict[str, Any] = {"body": b""}

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # no disconnect while the request runs
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        await app(scope, receive, send)
        return int(answer["status"]), bytes(answer["body"])

    return call


async def _timed(
    label: str,
    rounds: int,
    width: int,
    one: Callable[[int], Awaitable[None]],
    settle: Callable[[], Awaitable[None]],
) -> None:
    """A warm-up of a quarter as many rounds, ``settle``, then the measured rounds."""
    for _ in range(max(1, rounds // 4)):
        await asyncio.gather(*(one(i) for i in range(width)))
    await settle()
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        await asyncio.gather(*(one(i) for i in range(width)))
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    count = rounds * width
    print(
        f"{label:8s} {count} messages: {count / wall:7.0f} msg/s, {1e6 * used / count:6.0f} µs CPU"
    )


async def main(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="otklik-inprocess-"))
    options: dict[str, Any] = {"data_dir": data_dir, "secret_key": "bench-" * 8}
    # Every bench visitor comes from one address as fast as it can: limits far above the load,
    # so that checking them is measured but never refuses (as bench/server.py does).
    options.update({f"widget_{name.lower()}": 1_000_000_000 for name in WIDGET_LIMITS})
    if args.database:
        options["database_url"] = args.database
    settings = Settings(**options)
    await migrate.upgrade_async(settings)
    app = create_app(settings)
    call = asgi_caller(app)
    async with app.router.lifespan_context(app):
        db = app.state.db
        async with db.session(write=True) as session:
            inbox = await inboxes.create_inbox(
                session, data=InboxCreate(name="Bench", channel="widget"), actor_id=None
            )
        if args.sla or args.sla_shifts:
            await _sla_policy(db, inbox.id, shifts=args.sla_shifts)
        tokens, contacts = [], []
        for _ in range(args.concurrency):
            status, body = await call(
                "POST",
                "/api/v1/widget/sessions",
                json.dumps({"inbox_key": inbox.public_key}).encode(),
                [],
            )
            session_out = json.loads(body)
            tokens.append(session_out["visitor_token"])
            contacts.append(session_out["contact_id"])
            status, _ = await send(call, tokens[-1])
            assert status == 201, status

        async def via_app(i: int) -> None:
            status, body = await send(call, tokens[i])
            assert status == 201, body

        async with db.session(write=False) as session:
            info = await inboxes.inbox_by_id(session, inbox.id)
        assert info is not None

        async def via_service(i: int) -> None:
            async with db.session(write=True) as session:
                await conversations.post_visitor_message(
                    session,
                    inbox=info,
                    contact_id=contacts[i],
                    client_msg_id=uuid.uuid4().hex,
                    text="hello, is my order on its way?",
                    max_chars=10_000,
                )

        key = "otk_bench_" + uuid.uuid4().hex
        async with db.session(write=True) as session:
            await inboxes.create_inbox(
                session,
                data=InboxCreate(name="Bridge", channel="api", config={"api_key": key}),
                actor_id=None,
                box=SecretBox(settings.resolved_secret_key()),
            )

        async def via_create(i: int) -> None:
            status, body = await create(call, key)
            assert status == 201, body

        async def settle() -> None:
            """PostgreSQL: ``ANALYZE``, as ``bench.run`` does halfway through its warm-up
            (``bench.server.analyze_pg``). This machine's server runs without autovacuum, and
            a generic plan made on the first, near-empty tables stays cached: it scanned the
            whole messages table for a visitor's repeat check, a message dearer the longer the
            run (``bench/RESULTS.md``, 5 Dec, tenth session)."""
            if not db.is_sqlite:
                async with db.session(write=True) as session:
                    await session.execute(text("ANALYZE"))

        rounds = max(1, args.messages // args.concurrency)
        steps = {"service": via_service, "app": via_app, "create": via_create}
        for label in args.steps.split(","):
            profiler = cProfile.Profile() if args.profile and label == args.profiled else None
            if profiler is not None:
                profiler.enable()
            await _timed(label, rounds, args.concurrency, steps[label], settle)
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)


async def _staffed_team(session: Any) -> int:
    """Five operators on 5/2 shifts (09:00–18:00, lunch at 13:00) starting on different days:
    a team whose shifts feed the calendar (``--sla-shifts``)."""
    template = await shifts.create_template(
        session,
        data=ShiftTemplateIn(
            name="Day",
            start="09:00",
            length_minutes=540,
            breaks=[BreakIn(offset=240, minutes=60, reason="lunch")],
        ),
    )
    pattern = await shifts.create_pattern(
        session, data=PatternIn(name="5/2", preset="5/2", template_ids=[template.id])
    )
    ids = []
    for n in range(5):
        agent = await accounts.create_agent(
            session,
            data=AgentCreate(
                email=f"op{n}@bench.example", name=f"Op {n}", password="bench-Stapler-Orbit-91"
            ),
            actor_id=None,
        )
        ids.append(agent.id)
        await shifts.assign_pattern(
            session,
            data=AssignmentIn(
                agent_id=agent.id,
                pattern_id=pattern.id,
                starts_on=utcnow().date() - timedelta(days=n),
            ),
        )
    team = await accounts.create_team(
        session, data=TeamCreate(name="Staffed", agent_ids=ids), actor_id=None
    )
    return int(team.id)


async def _sla_policy(db: Any, inbox_id: int, *, shifts: bool = False) -> None:
    office = {str(day): [(540, 780), (840, 1080)] for day in range(5)}
    async with db.session(write=True) as session:
        feed: dict[str, Any] = {}
        if shifts:
            feed = {"source": "shifts", "team_id": await _staffed_team(session), "weekly": {}}
        calendar = await sla.create_calendar(
            session,
            data=CalendarIn(
                **{
                    "name": "Office",
                    "timezone": "Europe/Moscow",
                    "weekly": office,
                    "country": "RU",
                    **feed,
                }
            ),
        )
        await sla.set_links(session, calendar_id=calendar.id, data=LinksIn(inbox_ids=[inbox_id]))
        await sla.create_policy(
            session,
            data=PolicyIn(
                name="Bench",
                conditions=Conditions(inbox_ids=[inbox_id]),
                targets={"normal": Targets(first_response=60, next_response=30, resolution=480)},
            ),
        )


async def create(call: Call, key: str) -> tuple[int, bytes]:
    """A new customer's first message through the API channel (``bench.create``'s request)."""
    ident = uuid.uuid4().hex
    body = json.dumps(
        {
            "external_id": f"m-{ident}",
            "sender_id": f"s-{ident}",
            "sender_name": f"Customer {ident[:6]}",
            "text": "My parcel #77812 arrived damaged, what do I do now?",
        }
    )
    return await call(
        "POST",
        "/api/v1/channels/api/conversations",
        body.encode(),
        [(b"x-otklik-inbox-key", key.encode())],
    )


async def send(call: Call, token: str) -> tuple[int, bytes]:
    body = json.dumps({"text": "hello, is my order on its way?", "client_msg_id": uuid.uuid4().hex})
    return await call(
        "POST",
        "/api/v1/widget/messages",
        body.encode(),
        [(b"authorization", f"Bearer {token}".encode())],
    )


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument(
        "--steps", default="service,app", help="which of service, app, create to run, in order"
    )
    parser.add_argument("--sla", action="store_true", help="with an SLA policy on the inbox")
    parser.add_argument(
        "--sla-shifts",
        action="store_true",
        help="as --sla, its calendar fed by a team's shifts (5 operators on 5/2)",
    )
    parser.add_argument("--profile", help="write a cProfile of one step here")
    parser.add_argument("--profiled", default="app", help="the step --profile profiles")
    uvloop.run(main(parser.parse_args()))


if __name__ == "__main__":
    cli()
