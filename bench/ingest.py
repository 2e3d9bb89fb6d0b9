"""Ingest: N visitors send over the widget API as fast as acknowledgements come back.

Each visitor holds its widget socket, its conversation is assigned to the measuring operator,
and one operator socket (its own process) receives every ``message.created``: the latency is
visitor-send → operator-receive. Rate = acknowledged messages per second in the window.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

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
    post_json,
    send_id,
    sent_at_ns,
    split,
    visitor_session,
)
from bench.report import Check, Reporter, summary_ms
from bench.server import Server, cpu_percent, machine_busy, machine_percent

TEXT = "Здравствуйте! Where is my order #12345? It was due yesterday, thanks."


@dataclass(frozen=True)
class IngestConfig:
    target: Target
    visitors: int
    warmup_s: float
    duration_s: float
    prefix: str


async def sender(w: WorkerCtx, cfg: IngestConfig) -> None:
    url = f"{cfg.target.base_url}/api/v1/widget/messages"
    async with http_session() as http:
        gate = asyncio.Semaphore(20)

        async def setup(i: int) -> tuple[str, Any, asyncio.Task[None]]:
            async with gate:
                token = await visitor_session(http, cfg.target, f"Bench visitor {w.index}-{i}")
                ws, _, _ = await open_socket(cfg.target, token, visitor=True)
                status, msg = await post_json(
                    http, url, {"client_msg_id": send_id("warm", w.index, i), "text": "hi"}, token
                )
                if status not in (200, 201):
                    raise RuntimeError(f"first message failed: {status} {msg}")
                conv = msg["conversation_id"]
                status, body = await post_json(
                    http,
                    f"{cfg.target.base_url}/api/v1/conversations/{conv}/assign",
                    {"agent_id": cfg.target.agent_id},
                    cfg.target.operator_token,
                )
                if status != 200:
                    raise RuntimeError(f"assign failed: {status} {body}")
                return token, ws, asyncio.create_task(drain(ws))

        visitors = await asyncio.gather(*(setup(i) for i in range(cfg.visitors)))
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

        async def measure_cpu() -> dict[str, float]:
            await asyncio.sleep(max(0.0, (window0 - time.monotonic_ns()) / 1e9))
            cpu.start()
            await asyncio.sleep(max(0.0, (window1 - time.monotonic_ns()) / 1e9))
            return cpu.stop()

        cpu_task = asyncio.create_task(measure_cpu())
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
    deadline = time.monotonic() + 10  # drain: until nothing new arrives for 0.5 s
    last = -1
    while time.monotonic() < deadline and len(latencies) != last:
        last = len(latencies)
        await asyncio.sleep(0.5)
    w.report("result", {"latencies": latencies, **counts, **usage})
    await close_all([ws], [reader])


def run(
    target: Target,
    server: Server,
    *,
    visitors: int,
    sender_procs: int,
    warmup_s: float,
    duration_s: float,
) -> dict[str, Any]:
    prefix = f"i{time.monotonic_ns() % 10**9}"
    parts = [n for n in split(visitors, sender_procs) if n]
    cfgs = [IngestConfig(target, n, warmup_s, duration_s, prefix) for n in parts]
    jobs: list[tuple[Any, Any]] = [(receiver, cfgs[0])] + [(sender, c) for c in cfgs]
    with Pool(jobs) as pool:
        pool.collect("ready")
        start = pool.open("go", delay_s=0.2)
        window0 = start + int(warmup_s * 1e9)
        time.sleep(max(0.0, (window0 - time.monotonic_ns()) / 1e9))
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


def record(report: Reporter, name: str, database: str, out: dict[str, Any]) -> None:
    rows = [
        ("acked msg/s", round(out["rate"], 1), "msg/s"),
        ("e2e p50", out["e2e"]["p50_ms"], "ms"),
        ("e2e p95", out["e2e"]["p95_ms"], "ms"),
        ("e2e p99", out["e2e"]["p99_ms"], "ms"),
        ("ack p99", out["ack"]["p99_ms"], "ms"),
        ("delivered to operator", round(out["delivered"] / max(1, out["acked"]) * 100, 2), "%"),
        ("server CPU", out["server_cpu_pct"], "% core"),
        ("server loop-thread CPU", out["server_loop_thread_cpu_pct"], "% core"),
        ("client CPU (all procs)", out["client_cpu_total_pct"], "% core"),
        ("machine CPU, all processes", out["machine_cpu_pct"], "% core"),
    ]
    extra = {k: v for k, v in out.items() if k not in ("e2e", "ack")}
    report.add_rows("ingest", name, database, rows, extra)
    if name == "otklik":
        rate = round(out["rate"], 1)
        report.check(Check("ingest", database, "acked msg/s", rate, "msg/s", 3000, True))
        report.check(Check("ingest", database, "e2e p99", out["e2e"]["p99_ms"], "ms", 50, False))
