"""Ingest: N visitors send over the widget API as fast as acknowledgements come back.

Each visitor holds its widget socket, its conversation is assigned to the measuring operator,
and one operator socket (its own process) receives every ``message.created``: the latency is
visitor-send → operator-receive. Rate = acknowledged messages per second in the window.
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.load import (
    CpuWindow,
    KeepAlive,
    Pool,
    Target,
    WorkerCtx,
    client_cpu,
    close_all,
    drain,
    http_session,
    open_socket,
    send_id,
    sent_at_ns,
    settle_midway,
    split,
    start_assigned_conversation,
    visitor_session,
)
from bench.report import Check, Reporter, summary_ms
from bench.server import Server, Usage, cpu_percent, machine_busy, machine_percent

TEXT = "Здравствуйте! Where is my order #12345? It was due yesterday, thanks."


def cpu_us_per(before: Usage, after: Usage, count: int) -> float:
    """Server CPU (all processes, all threads) between two readings per item, in µs."""
    return round((after.cpu_s - before.cpu_s) / count * 1e6, 1) if count else float("nan")


@dataclass(frozen=True)
class IngestConfig:
    target: Target
    visitors: int
    warmup_s: float
    duration_s: float
    prefix: str
    #: After the window, how long the operator socket waits for the last frames (bounded).
    drain_s: float = 10.0


Visitor = tuple[str, Any, asyncio.Task[None]]


async def prepare_visitors(
    w: WorkerCtx, target: Target, count: int, http: aiohttp.ClientSession
) -> list[Visitor]:
    """``count`` visitors, each with its widget socket open and a conversation (opened by a
    first message) assigned to the measuring operator: (visitor token, socket, its reader)."""
    gate = asyncio.Semaphore(20)

    async def setup(i: int) -> Visitor:
        async with gate:
            token = await visitor_session(http, target, f"Bench visitor {w.index}-{i}")
            ws, _, _ = await open_socket(target, token, visitor=True)
            await start_assigned_conversation(http, target, token, send_id("warm", w.index, i))
            return token, ws, asyncio.create_task(drain(ws))

    return list(await asyncio.gather(*(setup(i) for i in range(count))))


async def sender(w: WorkerCtx, cfg: IngestConfig) -> None:
    async with http_session() as http:
        visitors = await prepare_visitors(w, cfg.target, cfg.visitors, http)
        w.report("ready")
        await w.wait("go")
        begin = w.start_ns
        window0 = begin + int(cfg.warmup_s * 1e9)
        window1 = window0 + int(cfg.duration_s * 1e9)
        acked = 0
        errors: dict[str, int] = {}
        ack_lat: list[float] = []
        cpu = CpuWindow()

        path = "/api/v1/widget/messages"
        text = json.dumps(TEXT, ensure_ascii=False)

        async def loop(i: int, token: str) -> None:
            nonlocal acked
            conn = KeepAlive(cfg.target.base_url)
            seq = 0
            await asyncio.sleep(max(0.0, (begin - time.monotonic_ns()) / 1e9))
            try:
                while (sent := time.monotonic_ns()) < window1:
                    seq += 1
                    cmid = f"{cfg.prefix}.{w.index}.{i}.{seq}.{sent}"
                    body = f'{{"client_msg_id":"{cmid}","text":{text}}}'.encode()
                    try:
                        status, _ = await conn.post(path, body, token)
                    except Exception as exc:  # noqa: BLE001 - counted and reported
                        errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                        await asyncio.sleep(0.05)
                        continue
                    if status not in (200, 201):
                        errors[str(status)] = errors.get(str(status), 0) + 1
                    elif sent >= window0:
                        acked += 1
                        ack_lat.append((time.monotonic_ns() - sent) / 1e9)
            finally:
                await conn.close()

        cpu_task = asyncio.create_task(cpu.between(window0, window1))
        await asyncio.gather(*(loop(i, v[0]) for i, v in enumerate(visitors)))
        usage = await cpu_task
        w.report("result", {"acked": acked, "errors": errors, "ack_lat": ack_lat, **usage})
        await close_all([v[1] for v in visitors], [v[2] for v in visitors])


async def receiver(w: WorkerCtx, cfg: IngestConfig) -> None:
    ws, _, _ = await open_socket(cfg.target, cfg.target.operator_token, visitor=False)
    latencies: list[float] = []
    counts = {"frames": 0, "resync": 0, "outside_window": 0}
    window = [0, 0]

    def on_frame(raw: str, recv_ns: int) -> None:
        counts["frames"] += 1
        if '"message.created"' not in raw:
            if '"resync"' in raw:
                counts["resync"] += 1
            return
        frame = json.loads(raw)
        if frame.get("type") != "message.created":
            return
        cmid = frame["data"]["message"].get("client_msg_id") or ""
        if not cmid.startswith(cfg.prefix + "."):
            return
        sent = sent_at_ns(cmid)
        if window[0] <= sent < window[1]:
            latencies.append((recv_ns - sent) / 1e9)
        else:
            counts["outside_window"] += 1

    reader = asyncio.create_task(drain(ws, on_frame))
    w.report("ready")
    await w.wait("go")
    window[0] = w.start_ns + int(cfg.warmup_s * 1e9)
    window[1] = window[0] + int(cfg.duration_s * 1e9)
    cpu = CpuWindow()
    await asyncio.sleep(max(0.0, (window[0] - time.monotonic_ns()) / 1e9))
    cpu.start()
    await asyncio.sleep(max(0.0, (window[1] - time.monotonic_ns()) / 1e9))
    usage = cpu.stop()
    await w.wait("done")
    deadline = time.monotonic() + cfg.drain_s  # drain: until nothing new arrives for 0.5 s
    last = -1
    while time.monotonic() < deadline and len(latencies) != last:
        last = len(latencies)
        await asyncio.sleep(0.5)
    end_ns = time.monotonic_ns()
    w.report("result", {"latencies": latencies, "end_ns": end_ns, **counts, **usage})
    await close_all([ws], [reader])


def run(
    target: Target,
    server: Server,
    *,
    visitors: int,
    sender_procs: int,
    warmup_s: float,
    duration_s: float,
    settle: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """``settle``: run halfway through the warm-up (PostgreSQL: the statistics autovacuum
    would have gathered by then, :func:`bench.server.analyze_pg`)."""
    prefix = f"i{time.monotonic_ns() % 10**9}"
    parts = [n for n in split(visitors, sender_procs) if n]
    cfgs = [IngestConfig(target, n, warmup_s, duration_s, prefix) for n in parts]
    jobs: list[tuple[Any, Any]] = [(receiver, cfgs[0])] + [(sender, c) for c in cfgs]
    with Pool(jobs) as pool:
        pool.collect("ready")
        start = pool.open("go", delay_s=0.2)
        window0 = start + int(warmup_s * 1e9)
        settle_midway(start, window0, settle)
        before, busy0 = server.usage(), machine_busy()
        time.sleep(duration_s)
        after, busy1 = server.usage(), machine_busy()
        sent = pool.collect("result", indices=range(1, len(jobs)))
        pool.open("done")
        received = pool.collect("result", indices=[0])[0]
    acked = sum(r["acked"] for r in sent)
    errors: dict[str, int] = {}
    for r in sent:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    ack_lat = [x for r in sent for x in r["ack_lat"]]
    return {
        "rate": acked / duration_s,
        "acked": acked,
        "server_cpu_us_per_msg": cpu_us_per(before, after, acked),
        "delivered": len(received["latencies"]),
        "errors": errors,
        "resync": received["resync"],
        "e2e": summary_ms(received["latencies"]),
        "ack": summary_ms(ack_lat),
        "server_cpu_pct": round(cpu_percent(before, after), 1),
        "server_loop_thread_cpu_pct": round(cpu_percent(before, after, main_thread=True), 1),
        "machine_cpu_pct": machine_percent(busy0, busy1),
        "server_rss_mb": round(after.rss / 2**20, 1),
        **client_cpu([*sent, received]),
    }


#: The issue's rate targets for one server process / one worker (issue 10).
RATE_TARGET = {"sqlite": 3000.0, "postgres": 1500.0}


def record(
    report: Reporter, name: str, database: str, out: dict[str, Any], bench: str = "ingest"
) -> None:
    rows = [
        ("acked msg/s", round(out["rate"], 1), "msg/s"),
        ("e2e p50", out["e2e"]["p50_ms"], "ms"),
        ("e2e p95", out["e2e"]["p95_ms"], "ms"),
        ("e2e p99", out["e2e"]["p99_ms"], "ms"),
        ("ack p99", out["ack"]["p99_ms"], "ms"),
        ("delivered to operator", round(out["delivered"] / max(1, out["acked"]) * 100, 2), "%"),
        ("server CPU", out["server_cpu_pct"], "% core"),
        ("server loop-thread CPU", out["server_loop_thread_cpu_pct"], "% core"),
        ("server CPU per acked msg", out["server_cpu_us_per_msg"], "µs"),
        ("client CPU (all procs)", out["client_cpu_total_pct"], "% core"),
        ("machine CPU, all processes", out["machine_cpu_pct"], "% core"),
    ]
    extra = {k: v for k, v in out.items() if k not in ("e2e", "ack")}
    report.add_rows(bench, name, database, rows, extra)
    if name == "otklik" and bench == "ingest":
        rate = round(out["rate"], 1)
        what = "acked msg/s (1 process, FULL)" if database == "sqlite" else "acked msg/s (1 worker)"
        if out.get("workers", 1) == 1:
            limit = RATE_TARGET[database]
            report.check(Check("ingest", database, what, rate, "msg/s", limit, True))
        p99 = out["e2e"]["p99_ms"]
        report.check(Check("ingest", database, "e2e p99 (closed loop)", p99, "ms", 50, False))


# ----------------------------------------------------------------------------- open loop
#
# The closed loop above measures capacity; it cannot measure latency under a given load,
# because a slow answer also delays the next send (coordinated omission). Here sends follow a
# fixed schedule (message k of a process at begin + phase + k / rate, visitor k mod n) that no
# acknowledgement can hold up. Every latency is measured from the *scheduled* instant, so time
# spent waiting for a free connection, in the server's queues or in the client's own lag
# counts. A message not acknowledged (not delivered) by the cutoff counts with the time until
# the cutoff, a lower bound, so drops cannot shorten the tail.

#: One request waits at most this long; it then counts as dropped (``timeout``).
REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class OpenConfig:
    target: Target
    visitors: int
    rate: float  # this process's share of the arrival rate, msg/s
    phase: float  # 0..1: where in the send period this process's schedule starts
    warmup_s: float
    duration_s: float
    drain_s: float  # after the window: how long unanswered sends may still finish
    prefix: str
    max_conns: int  # keep-alive connections this process may open (its visitors' browsers)
    max_pending: int  # sends in flight or waiting for a connection; more are client drops


async def open_sender(w: WorkerCtx, cfg: OpenConfig) -> None:
    async with http_session() as http:
        visitors = await prepare_visitors(w, cfg.target, cfg.visitors, http)
    tokens = [v[0] for v in visitors]
    gc.collect()
    gc.freeze()  # the setup's objects: no full collection pauses the clock in the window
    path = "/api/v1/widget/messages"
    text = json.dumps(TEXT, ensure_ascii=False)
    idle: asyncio.Queue[KeepAlive] = asyncio.Queue()
    opened = 0
    scheduled = acked_in_window = acks_during_window = client_dropped = unanswered = 0
    errors: dict[str, int] = {}
    ack_lat: list[float] = []  # s, of the sends scheduled inside the window
    unacked_due: list[int] = []  # scheduled instants of window sends that failed or timed out
    sched_lag: list[float] = []  # s, how late the client's own clock loop fired a send
    conn_wait: list[float] = []  # s, waiting for a free connection (the client's queue)
    pending: dict[asyncio.Task[None], int] = {}
    lag_at: dict[int, int] = {}

    w.report("ready")
    await w.wait("go")
    begin = w.start_ns
    window0 = begin + int(cfg.warmup_s * 1e9)
    window1 = window0 + int(cfg.duration_s * 1e9)
    period_ns = 1e9 / cfg.rate
    offset_ns = cfg.phase * period_ns

    async def take() -> KeepAlive:
        nonlocal opened
        if idle.empty() and opened < cfg.max_conns:
            opened += 1
            return KeepAlive(cfg.target.base_url)
        return await idle.get()

    async def send(k: int, due: int) -> None:
        nonlocal acked_in_window, acks_during_window
        vi = k % len(tokens)
        body = f'{{"client_msg_id":"{cfg.prefix}.{w.index}.{vi}.{k}.{due}","text":{text}}}'.encode()
        in_window = window0 <= due < window1
        conn = await take()
        got = time.monotonic_ns()
        if in_window:
            conn_wait.append((got - due) / 1e9)
        ok = False
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                status, _ = await conn.post(path, body, tokens[vi])
            ok = status in (200, 201)
            if not ok:
                errors[str(status)] = errors.get(str(status), 0) + 1
        except TimeoutError:
            errors["timeout"] = errors.get("timeout", 0) + 1
            await conn.close()  # a half-read answer: the connection cannot be reused
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            await conn.close()
        finally:
            idle.put_nowait(conn)  # reconnects lazily if it was closed
        now = time.monotonic_ns()
        if ok and window0 <= now < window1:
            acks_during_window += 1
        if in_window:
            if ok:
                acked_in_window += 1
                ack_lat.append((now - due) / 1e9)
            else:
                unacked_due.append(due)

    cpu = CpuWindow()
    cpu_started = False
    k = 0
    while True:  # the clock: bounded by window1, never by the answers
        due = begin + int(offset_ns + k * period_ns)
        if due >= window1:
            break
        now = time.monotonic_ns()
        if due > now:
            await asyncio.sleep((due - now) / 1e9)
            continue
        if not cpu_started and due >= window0:
            cpu.start()
            cpu_started = True
        if window0 <= due:
            scheduled += 1
            sched_lag.append((now - due) / 1e9)
            lag_at[due] = now - due
        if len(pending) >= cfg.max_pending:
            if window0 <= due:
                client_dropped += 1
                unacked_due.append(due)
        else:
            task = asyncio.create_task(send(k, due))
            pending[task] = due
            task.add_done_callback(pending.pop)
        k += 1
    await asyncio.sleep(max(0.0, (window1 - time.monotonic_ns()) / 1e9))
    usage = cpu.stop()
    if pending:  # the last sends may finish within drain_s; what is left is dropped
        await asyncio.wait(list(pending), timeout=cfg.drain_s)
    cutoff = time.monotonic_ns()
    for task, due in list(pending.items()):
        task.cancel()
        if window0 <= due < window1:
            unanswered += 1
            unacked_due.append(due)
    await asyncio.gather(*pending, return_exceptions=True)
    while not idle.empty():
        await idle.get_nowait().close()
    # Dropped sends enter the latency figures with the time until the cutoff (a lower bound).
    ack_lat.extend((cutoff - due) / 1e9 for due in unacked_due)
    w.report(
        "result",
        {
            "scheduled": scheduled,
            "acked": acked_in_window,
            "acks_during_window": acks_during_window,
            "client_dropped": client_dropped,
            "unanswered": unanswered,
            "errors": errors,
            "ack_lat": ack_lat,
            "sched_lag_p50_ms": summary_ms(sched_lag)["p50_ms"],
            "sched_lag_p99_ms": summary_ms(sched_lag)["p99_ms"],
            "sched_lag_top_ms": [round(x * 1000, 2) for x in sorted(sched_lag)[-5:]],
            "sched_lag_top_at_s": [
                round((due - window0) / 1e9, 3) for due in sorted(lag_at, key=lag_at.get)[-5:]
            ],
            "conn_wait_p99_ms": summary_ms(conn_wait)["p99_ms"],
            "connections": opened,
            "cutoff_ns": cutoff,
            **usage,
        },
    )
    await close_all([v[1] for v in visitors], [v[2] for v in visitors])


def run_open(
    target: Target,
    server: Server,
    *,
    rate: float,
    visitors: int,
    sender_procs: int,
    warmup_s: float,
    duration_s: float,
    drain_s: float,
    settle: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """``settle``: as for :func:`run`."""
    prefix = f"o{time.monotonic_ns() % 10**9}"
    parts = [n for n in split(visitors, sender_procs) if n]
    cfgs = [
        OpenConfig(
            target,
            n,
            rate * n / visitors,
            i / len(parts),
            warmup_s,
            duration_s,
            drain_s,
            prefix,
            max_conns=n,
            max_pending=max(1000, int(rate * n / visitors * (warmup_s + duration_s))),
        )
        for i, n in enumerate(parts)
    ]
    listen = IngestConfig(target, 0, warmup_s, duration_s, prefix, drain_s=drain_s + 1)
    jobs: list[tuple[Any, Any]] = [(receiver, listen)] + [(open_sender, c) for c in cfgs]
    with Pool(jobs) as pool:
        pool.collect("ready", timeout=600)
        start = pool.open("go", delay_s=0.2)
        window0 = start + int(warmup_s * 1e9)
        settle_midway(start, window0, settle)
        before, busy0 = server.usage(), machine_busy()
        time.sleep(duration_s)
        after, busy1 = server.usage(), machine_busy()
        sent = pool.collect(
            "result", timeout=duration_s + drain_s + 60, indices=range(1, len(jobs))
        )
        pool.open("done")
        received = pool.collect("result", indices=[0])[0]
    scheduled = sum(r["scheduled"] for r in sent)
    acked = sum(r["acked"] for r in sent)
    during = sum(r["acks_during_window"] for r in sent)
    errors: dict[str, int] = {}
    for r in sent:
        for key, v in r["errors"].items():
            errors[key] = errors.get(key, 0) + v
    ack_lat = [x for r in sent for x in r["ack_lat"]]
    e2e = list(received["latencies"])
    window1 = window0 + int(duration_s * 1e9)
    undelivered = max(0, scheduled - len(e2e))
    e2e.extend([(received["end_ns"] - window1) / 1e9] * undelivered)  # lower bound each
    return {
        "offered_rate": rate,
        "scheduled": scheduled,
        "rate": during / duration_s,
        "acked": acked,
        "acks_during_window": during,
        "dropped": scheduled - acked,
        "dropped_pct": round((scheduled - acked) / max(1, scheduled) * 100, 2),
        "client_dropped": sum(r["client_dropped"] for r in sent),
        "unanswered_at_cutoff": sum(r["unanswered"] for r in sent),
        "delivered": len(received["latencies"]),
        "undelivered_counted_as_lower_bound": undelivered,
        "errors": errors,
        "resync": received["resync"],
        "e2e": summary_ms(e2e),
        "ack": summary_ms(ack_lat),
        "client_sched_lag_p50_ms": max(r["sched_lag_p50_ms"] for r in sent),
        "client_sched_lag_p99_ms": max(r["sched_lag_p99_ms"] for r in sent),
        "client_conn_wait_p99_ms": max(r["conn_wait_p99_ms"] for r in sent),
        "client_connections": sum(r["connections"] for r in sent),
        "server_cpu_pct": round(cpu_percent(before, after), 1),
        "server_loop_thread_cpu_pct": round(cpu_percent(before, after, main_thread=True), 1),
        "server_cpu_us_per_msg": cpu_us_per(before, after, during),
        "machine_cpu_pct": machine_percent(busy0, busy1),
        "server_rss_mb": round(after.rss / 2**20, 1),
        **client_cpu([*sent, received]),
    }


def record_open(report: Reporter, name: str, database: str, out: dict[str, Any]) -> None:
    undelivered = out["undelivered_counted_as_lower_bound"]
    undelivered_pct = round(undelivered / max(1, out["scheduled"]) * 100, 2)
    rows = [
        ("offered msg/s", out["offered_rate"], "msg/s"),
        ("achieved acked msg/s", round(out["rate"], 1), "msg/s"),
        ("e2e p50 from scheduled send", out["e2e"]["p50_ms"], "ms"),
        ("e2e p95 from scheduled send", out["e2e"]["p95_ms"], "ms"),
        ("e2e p99 from scheduled send", out["e2e"]["p99_ms"], "ms"),
        ("ack p99 from scheduled send", out["ack"]["p99_ms"], "ms"),
        ("dropped (not acked by cutoff)", out["dropped_pct"], "%"),
        ("delivered to operator", round(out["delivered"] / max(1, out["scheduled"]) * 100, 2), "%"),
        ("undelivered, counted at the cutoff", undelivered_pct, "%"),
        ("server CPU", out["server_cpu_pct"], "% core"),
        ("server CPU per acked msg", out["server_cpu_us_per_msg"], "µs"),
        ("client clock lag p99", out["client_sched_lag_p99_ms"], "ms"),
        ("client CPU (all procs)", out["client_cpu_total_pct"], "% core"),
        ("machine CPU, all processes", out["machine_cpu_pct"], "% core"),
    ]
    extra = {k: v for k, v in out.items() if k not in ("e2e", "ack")}
    report.add_rows("openloop", name, database, rows, extra)
    if name == "otklik":
        p99 = out["e2e"]["p99_ms"]
        what = f"e2e p99 at {out['offered_rate']:,.0f} msg/s (open loop)"
        if undelivered_pct >= 1:  # the p99 is then the time to the cutoff: a lower bound
            what += f", >= ({undelivered_pct:.0f}% undelivered)"
        report.check(Check("openloop", database, what, p99, "ms", 50, False))
    if undelivered:
        report.note(
            "openloop",
            f"{name}: {undelivered} of {out['scheduled']} messages of the window never reached "
            "the operator socket; each counts in the e2e figures with the time from the window's "
            "end to the cutoff, so those figures are lower bounds",
        )
