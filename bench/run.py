"""Otklik's benchmarks with their baselines.

``python -m bench.run [--quick] [--only ingest,turnlimit,openloop,create,fanout,idle,bigdata,search]
                     [--database sqlite|postgres|both] [--pg-workers-compare]``

Each benchmark measures its baseline in the same run (the bare uvicorn app in ``echo_app.py``
or raw SQL) and reports Otklik's figures next to it and against the targets of the issue.
Prints JSON lines while it runs and a table at the end; both also go to ``bench/results/``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import importlib.metadata
import math
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import bigdata, create, durable, fanout, idle, ingest, profiling, turnlimit
from bench.bigdata import Call
from bench.load import Target, http_session, login, post_json, raise_fd_limit
from bench.report import Check, Reporter, Result
from bench.server import (
    BENCH_DIR,
    PG_ADMIN_DSN,
    REPO_DIR,
    Database,
    OtklikEnv,
    PgWaits,
    Server,
    analyze_pg,
    echo_server,
    fresh_otklik,
    machine_info,
    pg_available,
    pg_settings,
)

ADMIN_EMAIL = "bench@example.com"
ADMIN_PASSWORD = "bench-password-1"
#: In running order: turnlimit compares its limit with the ingest of the same run.
BENCHES = ("ingest", "turnlimit", "openloop", "create", "fanout", "idle", "bigdata", "search")
#: Whose installed (locked) versions every run records.
DEPENDENCIES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "pydantic",
    "uvloop",
    "httptools",
    "websockets",
)
#: The repository's lock file, whichever of these exists at its root.
LOCK_FILES = ("requirements.lock", "uv.lock", "pylock.toml")


@dataclass(frozen=True)
class Plan:
    """Sizes and durations; ``--quick`` shrinks them so everything ends in under 4 minutes."""

    visitors: int
    sender_procs: int
    warmup_s: float
    duration_s: float
    open_rate: float
    open_visitors: int
    open_warmup_s: float
    open_duration_s: float
    open_drain_s: float
    create_warmup_s: float
    create_duration_s: float
    fanout_sockets: int
    fanout_events: int
    fanout_interval_s: float
    idle_sockets: int
    idle_hold_s: float
    conversations: int
    calls: int
    limit_turns: int
    limit_seconds: float
    #: search: messages searched (rare, middle and common words in Russian and English).
    search_messages: int = 1_000_000
    listener_procs: int = 2
    holder_procs: int = 4

    @staticmethod
    def make(args: argparse.Namespace) -> Plan:
        quick = args.quick
        return Plan(
            visitors=args.visitors or 100,
            sender_procs=args.client_procs or 2,
            warmup_s=2.0 if quick else 3.0,
            duration_s=args.duration or (6.0 if quick else 20.0),
            open_rate=args.rate,
            open_visitors=args.open_visitors or args.visitors or (200 if quick else 1000),
            open_warmup_s=2.0 if quick else 3.0,
            open_duration_s=args.duration or (5.0 if quick else 20.0),
            open_drain_s=2.0 if quick else 10.0,
            create_warmup_s=1.0 if quick else 2.0,
            create_duration_s=3.0 if quick else 10.0,
            fanout_sockets=1000,
            fanout_events=12 if quick else 40,
            fanout_interval_s=0.25,
            idle_sockets=args.idle_sockets or (1000 if quick else 10_000),
            idle_hold_s=20.5 if quick else 30.0,
            conversations=args.conversations or (20_000 if quick else 1_000_000),
            calls=20 if quick else 100,
            limit_turns=2000 if quick else 5000,
            limit_seconds=3.0 if quick else 5.0,
            search_messages=args.search_messages or (20_000 if quick else 1_000_000),
        )


class Harness:
    def __init__(self, args: argparse.Namespace, reporter: Reporter, workdir: Path) -> None:
        self.args = args
        self.plan = Plan.make(args)
        self.report = reporter
        self.workdir = workdir
        self.compression: str | None = None if args.ws_compression == "none" else "deflate"
        self.results_dir: Path = args.out.resolve()  # servers run in their data dirs
        self._label = ""  # the benchmark being run, for profile file names
        self._extensions: dict[str, dict[str, str]] = {}
        #: This run's closed-loop ingest figures of Otklik, by database (for turnlimit).
        self._ingest: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ targets

    def targets(self, database: Database) -> list[tuple[str, Any]]:
        """The baseline first, then Otklik (entered lazily, one after the other)."""
        pairs: list[tuple[str, Any]] = [("echo", self.echo())]
        if not self.args.baseline_only:
            pairs.append(("otklik", self.otklik(database)))
        return pairs

    @contextlib.contextmanager
    def echo(self) -> Iterator[tuple[Server, Target]]:
        with echo_server(self.workdir) as server:
            yield (
                server,
                Target(
                    "echo",
                    server.base_url,
                    server.ws_url,
                    "echo",
                    "echo-operator",
                    1,
                    self.compression,
                ),
            )

    @contextlib.contextmanager
    def otklik(
        self,
        database: Database,
        env: OtklikEnv | None = None,
        login_as: tuple[str, str] | None = None,
        inbox_key: str | None = None,
        sql_trace: Path | None = None,
        workers: int | None = None,
    ) -> Iterator[tuple[Server, Target]]:
        """A running ``otklik`` and a logged-in operator (a fresh workspace unless ``env``).

        ``sql_trace``: run it under ``sqltrace_server.py`` (records its SQL, jobs off).
        ``workers``: ``otklik run --workers`` (default: ``--workers`` of the command line)."""
        if env is None:
            env = fresh_otklik(database, self.workdir)
            env.cli("create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD)
        server = env.server(workers=workers or self.args.workers)
        prof = self.results_dir / f"cprofile-{self._label}.prof"
        if sql_trace is not None:
            wrapper = str(BENCH_DIR / "sqltrace_server.py")
            server.argv = [sys.executable, wrapper, str(sql_trace), *server.argv[1:]]
            server.env = {
                **server.env,
                "PYTHONPATH": _pythonpath(server.env),
                "OTKLIK_RUN_JOBS_IN_APP": "false",
            }
        elif self.args.profile == "cprofile" and self._label:
            server.argv = [
                sys.executable,
                str(BENCH_DIR / "cprofile_server.py"),
                str(prof),
                *server.argv[1:],
            ]
            server.env = {**server.env, "PYTHONPATH": _pythonpath(server.env)}
        with server:
            target = asyncio.run(self._workspace(server, login_as, inbox_key))
            yield server, target
        if self.args.profile == "cprofile" and self._label and prof.exists():
            summary = profiling.summarize_cprofile(prof)
            (self.results_dir / f"cprofile-{self._label}.summary.txt").write_text(summary + "\n")
            self.report.note(self._label, summary)

    async def _workspace(
        self, server: Server, login_as: tuple[str, str] | None, inbox_key: str | None
    ) -> Target:
        email, password = login_as or (ADMIN_EMAIL, ADMIN_PASSWORD)
        async with http_session() as http:
            token, agent_id = await login(http, server.base_url, email, password)
            if inbox_key is None:
                status, body = await post_json(
                    http,
                    f"{server.base_url}/api/v1/inboxes",
                    {"name": "Bench", "channel": "widget"},
                    token,
                )
                if status != 201:
                    raise RuntimeError(f"creating the bench inbox failed: {status} {body}")
                inbox_key = str(body["public_key"])
        return Target(
            "otklik", server.base_url, server.ws_url, inbox_key, token, agent_id, self.compression
        )

    @contextlib.contextmanager
    def profiled(self, server: Server, label: str, enabled: bool = True) -> Iterator[None]:
        """With ``--profile py-spy``: sample the server while the block runs; summary beside it."""
        if not (self.args.profile == "py-spy" and enabled):
            yield
            return
        raw = self.results_dir / f"profile-{label}.txt"
        proc = profiling.start(server.pid, 3600, raw)
        if proc is None:
            self.report.note(label, "py-spy not installed: no profile")
            yield
            return
        time.sleep(1.0)
        try:
            yield
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                _, err = proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                err = b""
            if raw.exists():
                summary = profiling.summarize(raw)
                (self.results_dir / f"profile-{label}.summary.txt").write_text(summary + "\n")
                self.report.note(label, f"profile: {raw} (summary beside it)\n{summary[:3000]}")
            else:
                self.report.note(
                    label, f"py-spy wrote nothing: {err.decode(errors='replace')[-500:]}"
                )

    # ------------------------------------------------------------------ benchmarks

    def ingest(self, database: Database) -> None:
        p = self.plan
        rates: dict[str, float] = {}
        targets = self.targets(database)
        compare = (
            self.args.pg_workers_compare and database == "postgres" and not self.args.baseline_only
        )
        if compare:  # the same closed loop on `otklik run --workers 2`, same run, fresh database
            targets.append(("otklik-2w", self.otklik(database, workers=2)))
        elif self.args.pg_workers_compare and database != "postgres":
            self.report.note("ingest", f"--pg-workers-compare: PostgreSQL only, not {database}")
        for name, target_cm in targets:
            pg = name.startswith("otklik") and database == "postgres"
            with (
                target_cm as (server, target),
                self.profiled(server, f"ingest-{database}", name == "otklik"),
                PgWaits() if pg else contextlib.nullcontext() as waits,
            ):
                out = ingest.run(
                    target,
                    server,
                    visitors=p.visitors,
                    sender_procs=p.sender_procs,
                    warmup_s=p.warmup_s,
                    duration_s=p.duration_s,
                    settle=analyze_pg if pg else None,
                )
            if waits is not None:
                out["pg_active_backends_by_wait"] = waits.summary()
                self.report.note("ingest", f"PostgreSQL backends by wait: {waits.summary()}")
            rates[name] = out["rate"]
            if name == "otklik-2w":
                out["workers"] = 2
                ingest.record(self.report, "otklik", database, out, bench="ingest --workers 2")
                self.report.add(
                    Result(
                        "ingest --workers 2",
                        "1-worker",
                        database,
                        "acked msg/s",
                        round(rates.get("otklik", math.nan), 1),
                        "msg/s",
                    )
                )
            else:
                out["workers"] = self.args.workers
                ingest.record(self.report, name, database, out)
                if name == "otklik":
                    self._ingest[database] = out
            self._client_bound("ingest", out)
        if "otklik" in rates:
            ratio = rates["otklik"] / rates["echo"] if rates.get("echo") else math.nan
            pct = round(ratio * 100, 1)
            self.report.check(Check("ingest", database, "rate vs echo", pct, "%", 60, True))
        if "otklik-2w" in rates:
            one = rates.get("otklik") or math.nan
            scale = round(rates["otklik-2w"] / one, 2)
            self.report.check(
                Check("ingest", database, "--workers 2 / 1 worker", scale, "x", 1.6, True)
            )
        if database == "postgres" and database in self._ingest:
            self._machine_ceiling(self._ingest[database])

    def _machine_ceiling(self, one: dict[str, Any]) -> None:
        """What this machine's cores allow at the one-worker run's cost per message.

        On PostgreSQL every message costs CPU in three places at once on the same cores: the
        server, the database's backends and the load clients. The one-worker run measured
        them all (``machine CPU, all processes``). Divided into the cores' whole capacity,
        that is the most any number of workers can acknowledge at the same cost per message,
        and the most a second worker can add: the limit the issue asks to measure beside a
        missed rate or scaling target."""
        cores = os.cpu_count() or 1
        machine_pct, rate = float(one.get("machine_cpu_pct") or 0), float(one.get("rate") or 0)
        if machine_pct <= 0 or rate <= 0:
            return
        per_message_us = machine_pct / 100 / rate * 1e6
        ceiling_rate = cores * 100 / machine_pct * rate
        ceiling_scale = cores * 100 / machine_pct
        for metric, value, unit in (
            ("machine CPU per acked msg, all processes (1 worker)", per_message_us, "µs"),
            (f"most msg/s {cores} cores carry at that cost", ceiling_rate, "msg/s"),
            (f"most any --workers can scale on {cores} cores at that cost", ceiling_scale, "x"),
        ):
            self.report.add(Result("ingest", "otklik", "postgres", metric, round(value, 2), unit))
        self.report.note(
            "ingest",
            f"postgres: one worker kept the machine at {machine_pct:.0f}% of its "
            f"{cores * 100}% (server, PostgreSQL's backends and the load clients together): "
            f"{per_message_us:,.0f} µs of CPU per acknowledged message. At that cost the "
            f"{cores} cores carry at most {ceiling_rate:,.0f} msg/s, and more workers can "
            f"scale the rate by at most {ceiling_scale:.2f}x.",
        )

    def turnlimit(self, database: Database) -> None:
        """The ceiling of the write path: one visitor message's write turn, recorded from the
        server, replayed through bare sqlite3 and up through SQLAlchemy (``turnlimit.py``)."""
        if database != "sqlite":
            self._pg_turnlimit()
            return
        p = self.plan
        env = fresh_otklik(database, self.workdir)
        env.cli("create-admin", "--email", ADMIN_EMAIL, "--password", ADMIN_PASSWORD)
        trace = self.workdir / f"turn-{database}.pickle"
        with self.otklik(database, env, sql_trace=trace) as (_, target):
            turn = asyncio.run(turnlimit.record_turn(target, trace))
        self.report.note(
            "turnlimit",
            f"recorded write turn ({len(turn.body) + 2} statements, {turn.shapes} distinct "
            f"shape(s) among {turnlimit.TRACED_MESSAGES} messages, POST {turn.post_ms} ms on "
            f"the idle tracing server): {turn.describe()}",
        )
        steps = turnlimit.run_layers(
            turn,
            Path(env.url.split("///", 1)[1]),
            env.data_dir,
            turns=p.limit_turns,
            seconds=p.limit_seconds,
            synchronous=env.env()["OTKLIK_SQLITE_SYNCHRONOUS"],
            note=lambda text: self.report.note("turnlimit", text),
        )
        turnlimit.record(self.report, database, turn, steps, self._ingest.get(database))

    def _pg_turnlimit(self) -> None:
        """PostgreSQL's turn: a visitor message's statements on bare asyncpg, on one
        connection and on as many as the server's write lanes (``pg_turnlimit.py``)."""
        from bench import pg_turnlimit
        from otklik.config import Settings

        env = fresh_otklik("postgres", self.workdir)
        lanes = int(
            os.environ.get(
                "OTKLIK_PG_WRITE_CONNECTIONS",
                Settings.model_fields["pg_write_connections"].default,
            )
        )
        cores = os.cpu_count() or 1
        for f in pg_turnlimit.run(env.url, lanes=lanes, batch=25, seconds=self.plan.limit_seconds):
            label = f"{f.connections} connection(s), {f.batch} a batch"
            for metric, value, unit in (
                (f"turns/s, bare asyncpg, {label}", f.turns_per_s, "turns/s"),
                (f"driver CPU per turn, {label}", f.client_us, "µs"),
                (f"PostgreSQL backends' CPU per turn, {label}", f.backend_us, "µs"),
            ):
                self.report.add(
                    Result("turnlimit", "raw-asyncpg", "postgres", metric, round(value, 1), unit)
                )
            self.report.note("turnlimit", "postgres: " + pg_turnlimit.describe(f, cores))
        ingested = self._ingest.get("postgres")
        if ingested:
            self.report.note(
                "turnlimit",
                f"postgres: ingest in this run acknowledged {ingested['rate']:,.0f} msg/s at "
                f"{ingested['server_cpu_us_per_msg']:,.0f} µs of server CPU each; the bare "
                "driver's CPU per turn above is the part of it the statements alone cost",
            )

    def openloop(self, database: Database) -> None:
        """Ingest at a fixed arrival rate (``--rate`` over ``--visitors``), latency from the
        scheduled send instant: the latency target under load, without coordinated omission."""
        p = self.plan
        for name, target_cm in self.targets(database):
            with (
                target_cm as (server, target),
                self.profiled(server, f"openloop-{database}", name == "otklik"),
            ):
                out = ingest.run_open(
                    target,
                    server,
                    rate=p.open_rate,
                    visitors=p.open_visitors,
                    sender_procs=p.sender_procs,
                    warmup_s=p.open_warmup_s,
                    duration_s=p.open_duration_s,
                    drain_s=p.open_drain_s,
                    settle=analyze_pg if name == "otklik" and database == "postgres" else None,
                )
            ingest.record_open(self.report, name, database, out)
            self._client_bound("openloop", out)
            if out["client_sched_lag_p99_ms"] > 5:
                self.report.note(
                    "openloop",
                    f"{name}: the client's clock ran {out['client_sched_lag_p99_ms']} ms late at "
                    f"p99 (machine at {out['machine_cpu_pct']}% of a core, client processes "
                    f"{out['client_cpu_total_pct']}%): up to that much of the latency is the "
                    "client's or the machine's, not the server's",
                )

    def create(self, database: Database) -> None:
        """New conversations through the API channel: 1 client, then 8, on one server; then
        the disk's limit for one client (``durable.py``)."""
        p = self.plan
        one_client = math.nan
        for name, target_cm in self.targets(database):
            with (
                target_cm as (server, target),
                self.profiled(server, f"create-{database}", name == "otklik"),
            ):
                key = asyncio.run(create.api_inbox(target))
                for clients in (1, 8):
                    out = create.run(
                        target,
                        server,
                        key,
                        clients=clients,
                        warmup_s=p.create_warmup_s,
                        duration_s=p.create_duration_s,
                        settle=analyze_pg if name == "otklik" and database == "postgres" else None,
                    )
                    create.record(self.report, name, database, out)
                    self._client_bound("create", out)
                    if name == "otklik" and clients == 1:
                        one_client = out["rate"]
        if not self.args.baseline_only:
            # The disk's limit for one client, on the same disk and database, same run.
            limit = durable.commits_per_second(
                fresh_otklik(database, self.workdir), p.create_duration_s
            )
            create.record_limit(self.report, database, limit, one_client)

    def fanout(self, database: Database) -> None:
        p = self.plan
        for name, target_cm in self.targets(database):
            with (
                target_cm as (server, target),
                self.profiled(server, f"fanout-{database}", name == "otklik"),
            ):
                out = fanout.run(
                    target,
                    server,
                    sockets=p.fanout_sockets,
                    procs=p.listener_procs,
                    events=p.fanout_events,
                    interval_s=p.fanout_interval_s,
                )
            fanout.record(self.report, name, database, out)
            self._client_bound("fanout", out)
            self._same_extensions("fanout", name, out)

    def idle(self, database: Database) -> None:
        p = self.plan
        for name, target_cm in self.targets(database):
            with target_cm as (server, target):
                out = idle.run(
                    target,
                    server,
                    sockets=p.idle_sockets,
                    procs=p.holder_procs,
                    hold_s=p.idle_hold_s,
                )
            idle.record(self.report, name, database, out)
            self._same_extensions("idle", name, out)

    def bigdata(self, database: Database) -> None:
        p = self.plan
        env = fresh_otklik(database, self.workdir)
        t0 = time.monotonic()
        output = env.cli("demo", "--conversations", str(p.conversations))
        seed_s = round(time.monotonic() - t0, 1)
        email, password, key = bigdata.demo_credentials(output)
        admin = (email, password)
        self.report.note("bigdata", f"seeded {p.conversations:,} conversations in {seed_s:.0f} s")
        extra = {"conversations": p.conversations}
        self.report.add(Result("bigdata", "otklik", database, "demo seed", seed_s, "s", extra))
        trace = self.workdir / f"sql-{database}.pickle"
        # 1. On a server that records its SQL: events for the catch-up, the calls to make
        #    and the statements each one runs.
        with self.otklik(database, env, admin, key, sql_trace=trace) as (_, target):
            calls = asyncio.run(self._bigdata_prepare(target, trace))
        # 2. On the server as it ships: time the calls, then their statements raw.
        with (
            self.otklik(database, env, admin, key) as (server, target),
            self.profiled(server, f"bigdata-{database}"),
        ):
            asyncio.run(self._bigdata_measure(target, env, calls))
        bigdata.record(self.report, database, calls)

    def search(self, database: Database) -> None:
        """Search p95 over N messages beside the raw FTS query (``search.py``), in process."""
        from bench import search as search_bench
        from otklik.config import Settings

        env = fresh_otklik(database, self.workdir)
        settings = Settings(
            database_url=env.url, data_dir=env.data_dir, secret_key="bench-secret-key-0123456789"
        )
        asyncio.run(
            search_bench.run(
                settings, self.plan.search_messages, self.plan.calls, self.report, database
            )
        )

    async def _bigdata_prepare(self, target: Target, trace: Path) -> list[Call]:
        await bigdata.make_events(target, bigdata.CATCH_UP_EVENTS + 50)
        async with http_session() as http:
            api = bigdata.Api(target, http)
            calls = await bigdata.plan(api)
            await bigdata.record_statements(api, calls, trace)
        return calls

    async def _bigdata_measure(self, target: Target, env: OtklikEnv, calls: list[Call]) -> None:
        async with http_session() as http, bigdata.RawSQL(env.database, env.url) as raw:
            await bigdata.measure(bigdata.Api(target, http), raw, calls, rounds=self.plan.calls)

    def _same_extensions(self, bench: str, name: str, out: dict[str, Any]) -> None:
        """Baseline and Otklik must negotiate the same socket extensions to be comparable."""
        seen = self._extensions.setdefault(bench, {})
        seen[name] = str(out.get("compression"))
        if len(set(seen.values())) > 1:
            self.report.note(bench, f"the targets negotiated different extensions: {seen}")

    def _client_bound(self, bench: str, out: dict[str, Any]) -> None:
        if out.get("client_cpu_max_proc_pct", 0) > 85:
            self.report.note(
                bench,
                f"a client process used {out['client_cpu_max_proc_pct']}% of a core: "
                "the client may be the bottleneck (raise --client-procs)",
            )


def parse(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "--quick", action="store_true", help="small sizes, short windows (< 4 minutes on SQLite)"
    )
    ap.add_argument(
        "--only", default=",".join(BENCHES), help="comma list of: " + ", ".join(BENCHES)
    )
    ap.add_argument("--database", default="sqlite", choices=("sqlite", "postgres", "both"))
    ap.add_argument(
        "--visitors",
        type=int,
        help="ingest and openloop: visitors (default 100 closed loop; 1000 open loop, quick 200)",
    )
    ap.add_argument("--open-visitors", type=int, help="openloop only: visitors (overrides)")
    ap.add_argument(
        "--rate",
        type=float,
        default=1000.0,
        help="openloop: arrival rate in msg/s, spread over the visitors (default 1000)",
    )
    ap.add_argument(
        "--duration",
        type=float,
        help="ingest, openloop: measured seconds (default 20; quick 6 and 5)",
    )
    ap.add_argument("--client-procs", type=int, help="ingest: sender processes (default 2)")
    ap.add_argument(
        "--search-messages", type=int, help="search: messages (default 1000000, quick 20000)"
    )
    ap.add_argument("--idle-sockets", type=int, help="idle: sockets (default 10000, quick 2000)")
    ap.add_argument(
        "--conversations", type=int, help="bigdata: demo size (default 1000000, quick 20000)"
    )
    ap.add_argument("--workers", type=int, default=1, help="otklik run --workers (default 1)")
    ap.add_argument(
        "--pg-workers-compare",
        action="store_true",
        help="ingest on PostgreSQL: also run `otklik run --workers 2` in the same run and "
        "compare its rate with 1 worker (target: >= 1.6x)",
    )
    ap.add_argument(
        "--ws-compression",
        default="deflate",
        choices=("deflate", "none"),
        help="offer permessage-deflate like browsers do (default) or not",
    )
    ap.add_argument(
        "--profile",
        nargs="?",
        const="py-spy",
        choices=("py-spy", "cprofile"),
        help="py-spy (default) attaches to the server during ingest and bigdata; cprofile "
        "runs the server under cProfile for exact counts per request (slow: no figures)",
    )
    ap.add_argument("--out", type=Path, default=BENCH_DIR / "results", help="where results go")
    ap.add_argument("--baseline-only", action="store_true", help=argparse.SUPPRESS)  # harness work
    ap.add_argument("--keep", action="store_true", help="keep the scratch data directories")
    args = ap.parse_args(argv)
    unknown = set(args.only.split(",")) - set(BENCHES)
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if args.pg_workers_compare and args.workers != 1:
        ap.error("--pg-workers-compare compares 2 workers with 1: leave --workers at 1")
    if not 0 < args.rate <= 20_000:
        ap.error("--rate must be in (0, 20000] msg/s")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    fds = raise_fd_limit()
    args.out.mkdir(parents=True, exist_ok=True)
    reporter = Reporter(args.out / "latest.jsonl")
    databases: list[Database] = (
        ["sqlite", "postgres"] if args.database == "both" else [args.database]
    )
    command = "python -m bench.run " + " ".join(
        shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:])
    )
    reporter.meta(
        command=command.strip(),
        machine=machine_info(),
        plan=Plan.make(args).__dict__,
        git=_git_rev(),
        dependencies=_dependencies(),
        lock_file=_lock_file(),
        open_files_limit=fds,
        started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    workdir = Path(tempfile.mkdtemp(prefix="otklik-bench-"))
    harness = Harness(args, reporter, workdir)
    started = time.monotonic()
    failed = False
    try:
        for database in databases:
            why = pg_available() if database == "postgres" else None
            if why is not None:
                reporter.note("postgres", f"skipped: no PostgreSQL at {PG_ADMIN_DSN} ({why})")
                failed = failed or args.database == "postgres"
                continue
            if database == "postgres":
                reporter.meta(postgres=pg_settings())
            for bench in BENCHES:
                if bench not in args.only.split(","):
                    continue
                t0 = time.monotonic()
                harness._label = f"{bench}-{database}"
                try:
                    getattr(harness, bench)(database)
                except Exception as exc:  # one broken benchmark must not hide the others
                    failed = True
                    reporter.note(bench, f"FAILED on {database}: {exc!r}")
                    import traceback

                    traceback.print_exc()
                reporter.note(bench, f"{database}: {time.monotonic() - t0:.0f} s")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    table = reporter.table()
    elapsed = time.monotonic() - started
    print("\n" + table + f"\n\n{elapsed:.0f} s in all; JSON lines in {args.out / 'latest.jsonl'}")
    (args.out / "latest.md").write_text(f"`{command.strip()}` — {elapsed:.0f} s\n\n{table}\n")
    return 1 if failed else 0


def _pythonpath(env: dict[str, str]) -> str:
    """For a server started through a wrapper in bench/: the repository first, for the
    wrapper, then the ``PYTHONPATH`` the plain ``otklik run`` gets, so both run the same
    ``otklik`` (a worktree's ``src`` rather than the package installed in the venv)."""
    return os.pathsep.join(filter(None, [str(REPO_DIR), env.get("PYTHONPATH", "")]))


def _git_rev() -> str:
    """The commit measured, ``+dirty`` when the server's sources have uncommitted changes."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(REPO_DIR), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    try:
        rev = git("rev-parse", "--short", "HEAD") or "uncommitted"
        # the built front end may be a symlink in a worktree: not code under test
        paths = ("--", "src", "alembic", ":(exclude)src/otklik/static")
        return rev + ("+dirty" if git("status", "--porcelain", *paths) else "")
    except OSError:
        return "unknown"


def _dependencies() -> dict[str, str | None]:
    """The installed versions of the server's main dependencies (the lock file's, when the
    environment was installed from it); None for one that is not installed."""
    out: dict[str, str | None] = {}
    for name in DEPENDENCIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _lock_file() -> dict[str, str] | None:
    """The repository's lock file and its sha256 (None when it has none)."""
    for name in LOCK_FILES:
        path = REPO_DIR / name
        if path.is_file():
            return {"name": name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    return None


if __name__ == "__main__":
    sys.exit(main())
