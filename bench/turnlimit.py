"""The write path's ceiling: one visitor message's write turn, replayed raw, layer by layer.

The ingest rate is bounded by how long one message holds the single write connection. This
benchmark measures what that turn costs without the server around it, in the same run as
ingest:

1. A server started under ``sqltrace_server.py`` receives a few visitor messages on a warmed
   conversation (widget socket open, conversation assigned to the operator, as in ingest).
   Of one ``POST /api/v1/widget/messages`` it keeps the exact statements and parameters of
   its write turn on the write connection: ``BEGIN IMMEDIATE``, ``SAVEPOINT``, the reads and
   writes, ``RELEASE``, ``COMMIT``. So the replay follows whatever SQL the server runs today.
2. The turn is replayed N times in one thread against a fresh copy of that server's database
   file (same migrations, same rows), with the server's pragmas (WAL, ``synchronous`` as the
   harness sets it, ``busy_timeout``, ``foreign_keys``). K turns share one
   ``BEGIN IMMEDIATE … COMMIT`` the way the server's group commit (``core/writer.py``) shares
   one commit: K=1 (a lone message, one fsync each) and K=25 (about what ingest reaches).
   The message's ``client_msg_id`` is the only parameter under a unique constraint
   (``uq_messages_client_msg``); every replayed turn gets its own, of the same length, wherever
   the original appears (the message row and the events' JSON payloads). The number of message
   rows is checked after each step: every replayed turn must have inserted its message.
3. Layers, each a separate step on its own fresh copy:

   - ``raw-sql``: bare ``sqlite3``, ``conn.execute(sql, params).fetchall()``: the limit.
   - ``sa-core-sync``: SQLAlchemy Core, sync engine (pysqlite), ``conn.exec_driver_sql``.
   - ``sa-async-inline``: SQLAlchemy's async engine on the server's own write driver
     (``src/otklik/core/sqlite_inline.py``: statements inline, BEGIN/COMMIT in a thread), on
     uvloop, awaited one after the other: the server's write path minus ORM, FastAPI,
     pydantic and listeners.
   - ``sa-async-aiosqlite``: the same on stock aiosqlite (a thread hand-off per call).

Each step runs at most ``turns`` turns or ``seconds`` seconds (checked between commits) after
one untimed warm-up batch, and reports turns/s, µs per turn, µs per statement (``BEGIN`` and
``COMMIT`` counted as 2/K statements of a turn) and the process CPU per turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.bigdata import TraceRecord, read_trace
from bench.load import (
    Target,
    drain,
    http_session,
    open_socket,
    post_json,
    send_id,
    start_assigned_conversation,
    visitor_session,
)
from bench.report import Reporter, Result
from bench.server import REPO_DIR

Statement = tuple[str, Any]

#: Layers from the bare driver up; the first is the limit (the table's baseline column).
LAYERS = (
    ("raw-sql", "bare sqlite3"),
    ("sa-core-sync", "SQLAlchemy Core sync"),
    ("sa-async-inline", "SQLAlchemy async, server's inline driver"),
    ("sa-async-aiosqlite", "SQLAlchemy async, aiosqlite"),
)
BATCHES = (1, 25)  # turns per COMMIT
WARM_MESSAGES = 3
TRACED_MESSAGES = 5
INLINE_DRIVER = REPO_DIR / "src" / "otklik" / "core" / "sqlite_inline.py"


@dataclass
class Turn:
    """One visitor message's write turn as the server ran it."""

    begin: str  # "BEGIN IMMEDIATE"
    body: list[Statement]  # SAVEPOINT … RELEASE SAVEPOINT
    client_msg_id: str
    post_ms: float  # the traced POST's latency on the (idle) tracing server
    shapes: int = 1  # distinct statement sequences among the traced messages
    outside: int = 0  # statements of the POST on other connections (the read pool)

    def describe(self) -> str:
        names = [_short(sql) for sql, _ in self.body]
        return f"{self.begin}; " + "; ".join(names) + "; COMMIT"


@dataclass
class Step:
    layer: str
    batch: int
    turns: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    statements_per_turn: float = 0.0
    pragmas: dict[str, Any] = field(default_factory=dict)

    @property
    def turns_per_s(self) -> float:
        return self.turns / self.wall_s if self.wall_s else float("nan")

    @property
    def us_per_turn(self) -> float:
        return self.wall_s / self.turns * 1e6 if self.turns else float("nan")

    @property
    def us_per_statement(self) -> float:
        return self.us_per_turn / self.statements_per_turn

    @property
    def cpu_us_per_turn(self) -> float:
        return self.cpu_s / self.turns * 1e6 if self.turns else float("nan")


# ----------------------------------------------------------------------------- recording


async def record_turn(target: Target, trace: Path) -> Turn:
    """On the tracing server: a warmed visitor conversation, then the write turns of a few
    messages; returns the last one (and how many distinct statement sequences there were)."""
    async with http_session() as http:
        token = await visitor_session(http, target, "Turn-limit visitor")
        ws, _, _ = await open_socket(target, token, visitor=True)
        reader = asyncio.create_task(drain(ws))
        url = f"{target.base_url}/api/v1/widget/messages"
        try:
            await start_assigned_conversation(http, target, token, send_id("tlwarm"))
            for i in range(WARM_MESSAGES):
                body = {"client_msg_id": send_id("tlwarm", i), "text": "warm-up"}
                await post_json(http, url, body, token)
            turns: list[Turn] = []
            for i in range(TRACED_MESSAGES):
                await asyncio.sleep(0.05)  # nothing of the previous message left to record
                before = len(read_trace(trace))
                cmid = send_id("turn", i)
                t0 = time.perf_counter()
                status, answer = await post_json(
                    http, url, {"client_msg_id": cmid, "text": TEXT}, token
                )
                post_ms = (time.perf_counter() - t0) * 1000
                if status not in (200, 201):
                    raise RuntimeError(f"message failed: {status} {answer}")
                await asyncio.sleep(0.05)  # its after-commit work too
                turns.append(extract_turn(read_trace(trace)[before:], cmid, post_ms))
        finally:
            await ws.close()
            reader.cancel()
    shapes = Counter(_shape(t) for t in turns)
    common = shapes.most_common(1)[0][0]
    turn = [t for t in turns if _shape(t) == common][-1]
    turn.shapes = len(shapes)
    return turn


def _shape(turn: Turn) -> tuple[str, ...]:
    """The turn's statements with savepoint names left out (they count up per turn)."""
    return tuple(_SAVEPOINT_NAME.sub("sa_savepoint", sql) for sql, _ in turn.body)


_SAVEPOINT_NAME = re.compile(r"sa_savepoint_\d+")
TEXT = "Здравствуйте! Where is my order #12345? It was due yesterday, thanks."


def extract_turn(records: list[TraceRecord], client_msg_id: str, post_ms: float) -> Turn:
    """The write turn (BEGIN IMMEDIATE … COMMIT on one connection) that wrote the message."""
    turns: list[tuple[int, list[TraceRecord]]] = []
    open_turns: dict[int, list[TraceRecord]] = {}
    for rec in records:
        _, sql, _, conn = rec
        if sql.lstrip().upper().startswith("BEGIN IMMEDIATE"):
            open_turns[conn] = [rec]
        elif conn in open_turns:
            open_turns[conn].append(rec)
            if sql in ("COMMIT", "ROLLBACK"):
                turns.append((conn, open_turns.pop(conn)))
    for conn, recs in turns:
        if recs[-1][1] == "COMMIT" and any(_mentions(p, client_msg_id) for _, _, p, _ in recs):
            body = [(sql, params) for _, sql, params, _ in recs[1:-1]]
            if not body or not body[0][0].startswith("SAVEPOINT"):
                raise RuntimeError(f"unexpected write turn: {[_short(s) for s, _ in body]}")
            outside = sum(1 for r in records if r[3] != conn)
            return Turn(recs[0][1], body, client_msg_id, round(post_ms, 2), outside=outside)
    raise RuntimeError(
        f"no committed write turn mentioning {client_msg_id} among {len(records)} statements: "
        + "; ".join(_short(r[1]) for r in records)
    )


def _mentions(params: Any, needle: str) -> bool:
    if isinstance(params, str):
        return needle in params
    if isinstance(params, list | tuple):
        return any(_mentions(p, needle) for p in params)
    if isinstance(params, dict):
        return any(_mentions(p, needle) for p in params.values())
    return False


def _short(sql: str) -> str:
    words = sql.split()
    head = " ".join(words[:3])
    if words and words[0].upper() == "SELECT" and "FROM" in (w.upper() for w in words):
        i = [w.upper() for w in words].index("FROM")
        head = f"SELECT … FROM {words[i + 1]}"
    return head


# ----------------------------------------------------------------------------- replay


def variants(turn: Turn, count: int) -> list[list[Statement]]:
    """``count`` copies of the turn's body, each with its own ``client_msg_id`` of the same
    length as the recorded one (a zero-padded counter in place of its last part)."""
    head, _, tail = turn.client_msg_id.rpartition(".")
    width = len(tail)
    out = []
    for n in range(count):
        new = f"{head}.{n:0{width}d}"
        out.append([(sql, _swap(params, turn.client_msg_id, new)) for sql, params in turn.body])
    return out


def _swap(params: Any, old: str, new: str) -> Any:
    if isinstance(params, str):
        return params.replace(old, new)
    if isinstance(params, tuple):
        return tuple(_swap(p, old, new) for p in params)
    if isinstance(params, list):
        return [_swap(p, old, new) for p in params]
    if isinstance(params, dict):
        return {k: _swap(v, old, new) for k, v in params.items()}
    return params


def fresh_copy(source: Path, dest: Path) -> Path:
    """A consistent copy of the (stopped) server's database file, through SQLite's backup."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dest}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(dest)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return dest


def pragmas(dbapi_conn: Any, synchronous: str) -> None:
    """The server's write connection's settings (``core/db.py``), on a sqlite3 connection
    (its savepoints' journal in memory, as ``_savepoints_in_memory`` keeps it)."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=15000")
    cur.execute("PRAGMA journal_mode")
    if str(cur.fetchone()[0]).lower() != "wal":
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA synchronous={synchronous}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


def _settings(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    try:
        return {
            "journal_mode": conn.execute("PRAGMA journal_mode").fetchone()[0],
            "messages": conn.execute("SELECT count(*) FROM messages").fetchone()[0],
        }
    finally:
        conn.close()


class Bound:
    """Stop after ``turns`` turns or ``seconds`` seconds, whichever comes first."""

    def __init__(self, turns: int, seconds: float) -> None:
        self.turns = turns
        self.seconds = seconds

    def batches(self, work: list[list[Statement]], k: int) -> Iterator[list[list[Statement]]]:
        deadline = time.perf_counter() + self.seconds
        for i in range(0, min(self.turns, len(work)), k):
            if i and time.perf_counter() >= deadline:
                return
            yield work[i : i + k]


def _timed(step: Step, run: Callable[[], int]) -> Step:
    c0, t0 = time.process_time(), time.perf_counter()
    step.turns = run()
    step.wall_s = time.perf_counter() - t0
    step.cpu_s = time.process_time() - c0
    return step


def replay_bare(
    path: Path, begin: str, work: list[list[Statement]], k: int, bound: Bound, sync: str
) -> Step:
    from otklik.core import search_backlog

    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    pragmas(conn, sync)
    step = Step(
        "raw-sql", k, pragmas={"synchronous": conn.execute("PRAGMA synchronous").fetchone()[0]}
    )

    def batch(turns: list[list[Statement]]) -> None:
        conn.execute(begin)
        for body in turns:
            for sql, params in body:
                if isinstance(params, list):  # recorded from an executemany
                    conn.executemany(sql, params)
                else:
                    conn.execute(sql, params).fetchall()
        search_backlog.index_noted(conn)  # as the server's commit does
        conn.execute("COMMIT")

    def run() -> int:
        done = 0
        for turns in bound.batches(work[k:], k):
            batch(turns)
            done += len(turns)
        return done

    try:
        batch(work[:k])  # warm: statement cache, page cache
        return _timed(step, run)
    finally:
        conn.close()


def _hooks(engine: Any, begin: str, sync: str, *, inline: bool = False) -> None:
    """The server's engine hooks: pragmas on connect, its own BEGIN on begin, the search
    index of the transaction's new rows before its COMMIT (``core/search_backlog.py``)."""
    from sqlalchemy import event

    from otklik.core import search_backlog

    event.listen(engine, "commit", search_backlog.index_on_commit)

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        if not inline:
            dbapi_connection.isolation_level = None
        pragmas(dbapi_connection, sync)

    def on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)


def replay_core_sync(
    path: Path, begin: str, work: list[list[Statement]], k: int, bound: Bound, sync: str
) -> Step:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}", pool_size=1, max_overflow=0)
    _hooks(engine, begin, sync)
    step = Step("sa-core-sync", k)
    try:
        with engine.connect() as conn:
            step.pragmas = {"synchronous": conn.exec_driver_sql("PRAGMA synchronous").scalar()}
            conn.rollback()

            def batch(turns: list[list[Statement]]) -> None:
                with conn.begin():
                    for body in turns:
                        for sql, params in body:
                            result = conn.exec_driver_sql(sql, params)
                            if result.returns_rows:
                                result.all()

            def run() -> int:
                done = 0
                for turns in bound.batches(work[k:], k):
                    batch(turns)
                    done += len(turns)
                return done

            batch(work[:k])
            return _timed(step, run)
    finally:
        engine.dispose()


def _inline_driver() -> ModuleType | None:
    """The server's inline write driver, loaded from this checkout's file (no otklik import)."""
    if not INLINE_DRIVER.exists():
        return None
    spec = importlib.util.spec_from_file_location("_bench_sqlite_inline", INLINE_DRIVER)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def replay_async(
    path: Path,
    begin: str,
    work: list[list[Statement]],
    k: int,
    bound: Bound,
    sync: str,
    *,
    inline: ModuleType | None,
) -> Step:
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(_replay_async(path, begin, work, k, bound, sync, inline))


async def _replay_async(
    path: Path,
    begin: str,
    work: list[list[Statement]],
    k: int,
    bound: Bound,
    sync: str,
    inline: ModuleType | None,
) -> Step:
    from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

    options: dict[str, Any] = {}
    if inline is not None:
        options["async_creator"] = inline.creator(str(path))
    engine = create_async_engine(
        f"sqlite+aiosqlite:///{path}", pool_size=1, max_overflow=0, **options
    )
    _hooks(engine.sync_engine, begin, sync, inline=inline is not None)
    step = Step("sa-async-inline" if inline is not None else "sa-async-aiosqlite", k)

    async def batch(conn: AsyncConnection, turns: list[list[Statement]]) -> None:
        async with conn.begin():
            for body in turns:
                for sql, params in body:
                    result = await conn.exec_driver_sql(sql, params)
                    if result.returns_rows:
                        result.all()

    try:
        async with engine.connect() as conn:
            result = await conn.exec_driver_sql("PRAGMA synchronous")
            step.pragmas = {"synchronous": result.scalar()}
            await conn.rollback()
            await batch(conn, work[:k])
            c0, t0 = time.process_time(), time.perf_counter()
            done = 0
            for turns in bound.batches(work[k:], k):
                await batch(conn, turns)
                done += len(turns)
            step.wall_s = time.perf_counter() - t0
            step.cpu_s = time.process_time() - c0
            step.turns = done
    finally:
        await engine.dispose()
    return step


def run_layers(
    turn: Turn,
    database_file: Path,
    scratch: Path,
    *,
    turns: int,
    seconds: float,
    synchronous: str,
    note: Callable[[str], None],
) -> list[Step]:
    """Every layer at every K, each on its own fresh copy of ``database_file``."""
    bound = Bound(turns, seconds)
    inline = _inline_driver()
    if inline is None:
        note(f"no {INLINE_DRIVER}: the inline-driver layer is skipped")
    steps: list[Step] = []
    for k in BATCHES:
        work = variants(turn, turns + k)
        for layer, _ in LAYERS:
            if layer == "sa-async-inline" and inline is None:
                continue
            copy = fresh_copy(database_file, scratch / f"turnlimit-{layer}-k{k}.db")
            before = _settings(copy)["messages"]
            args = (copy, turn.begin, work, k, bound, synchronous)
            if layer == "raw-sql":
                step = replay_bare(*args)
            elif layer == "sa-core-sync":
                step = replay_core_sync(*args)
            else:
                step = replay_async(*args, inline=inline if layer == "sa-async-inline" else None)
            after = _settings(copy)
            inserted = after["messages"] - before
            if inserted != step.turns + k:  # + the warm-up batch
                raise RuntimeError(
                    f"{layer} K={k}: {inserted} messages inserted for {step.turns + k} turns"
                )
            step.statements_per_turn = len(turn.body) + 2 / k
            step.pragmas["journal_mode"] = after["journal_mode"]
            steps.append(step)
            note(
                f"{layer} K={k}: {step.turns} turns in {step.wall_s:.2f} s, "
                f"{step.turns_per_s:,.0f} turns/s, {step.us_per_turn:,.0f} µs/turn, "
                f"CPU {step.cpu_us_per_turn:,.0f} µs/turn, pragmas {step.pragmas}"
            )
            with contextlib.suppress(OSError):
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return steps


# ----------------------------------------------------------------------------- report


def record(
    report: Reporter,
    database: str,
    turn: Turn,
    steps: list[Step],
    ingest: dict[str, Any] | None,
) -> None:
    labels = dict(LAYERS)
    info = {
        "turn": turn.describe(),
        "statements_in_turn": len(turn.body) + 2,
        "post_ms_idle": turn.post_ms,
        "distinct_turn_shapes": turn.shapes,
        "statements_outside_turn": turn.outside,
    }
    metrics: list[tuple[str, Callable[[Step], float], str]] = [
        ("turns/s", lambda s: round(s.turns_per_s, 1), "turns/s"),
        ("µs per turn", lambda s: round(s.us_per_turn, 1), "µs"),
        ("µs per statement", lambda s: round(s.us_per_statement, 1), "µs"),
        ("CPU µs per turn", lambda s: round(s.cpu_us_per_turn, 1), "µs"),
    ]
    first = True
    for k in BATCHES:
        for name, value, unit in metrics:
            for step in (s for s in steps if s.batch == k):
                extra: dict[str, Any] = {
                    "turns": step.turns,
                    "wall_s": round(step.wall_s, 3),
                    "pragmas": step.pragmas,
                }
                if first:
                    extra.update(info)
                    first = False
                metric = f"K={k} {name}, {labels[step.layer]}"
                report.add(
                    Result("turnlimit", step.layer, database, metric, value(step), unit, extra)
                )
                if step.layer != "raw-sql":  # the limit beside every layer above it
                    bare = next(s for s in steps if s.batch == k and s.layer == "raw-sql")
                    report.add(Result("turnlimit", "raw-sql", database, metric, value(bare), unit))
    bare = next((s for s in steps if s.layer == "raw-sql" and s.batch == max(BATCHES)), None)
    if bare is None:
        return
    k = bare.batch
    if ingest is None:
        report.summary(
            "turnlimit",
            f"{database}: bare-sqlite3 write-turn limit {bare.turns_per_s:,.0f} turns/s (K={k}); "
            "ingest did not run in this run, so no comparison",
        )
        return
    rate, cpu_msg = ingest["rate"], ingest["server_cpu_us_per_msg"]
    pairs = [
        (f"ingest acked msg/s vs turns/s K={k}", round(rate, 1), bare.turns_per_s, "msg/s"),
        (f"ingest server CPU per msg vs CPU per turn K={k}", cpu_msg, bare.cpu_us_per_turn, "µs"),
    ]
    for metric, mine, limit, unit in pairs:
        report.add(Result("turnlimit", "otklik", database, metric, mine, unit))
        report.add(Result("turnlimit", "raw-sql", database, metric, round(limit, 1), unit))
    pct = rate / bare.turns_per_s * 100 if bare.turns_per_s else float("nan")
    layers = ", ".join(f"{labels[s.layer]} {s.turns_per_s:,.0f}" for s in steps if s.batch == k)
    report.summary(
        "turnlimit",
        f"{database}: ingest is at {pct:.1f} % of the bare-sqlite3 write-turn limit "
        f"({rate:,.0f} acked msg/s against {bare.turns_per_s:,.0f} turns/s, K={k}, "
        f"{len(turn.body) + 2} statements per turn); server CPU per message {cpu_msg:,.0f} µs "
        f"against {bare.cpu_us_per_turn:,.0f} µs for the bare turn "
        f"({cpu_msg / bare.cpu_us_per_turn:,.0f}x). Turns/s by layer at K={k}: {layers}",
    )
