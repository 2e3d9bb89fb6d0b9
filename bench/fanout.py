"""Fan-out: one event delivered to 1,000 subscribed operator sockets (supervisors watching).

Listener processes hold the sockets; the coordinator makes one event at a time (a visitor's
message, whose ``client_msg_id`` carries the send instant) and waits ``interval`` before the
next. Delivery latency = visitor-send → each socket's receipt; also the time until the last
socket has it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from bench.load import (
    CpuWindow,
    Pool,
    Target,
    WorkerCtx,
    client_cpu,
    close_all,
    drain,
    http_session,
    negotiated_compression,
    open_socket,
    post_json,
    send_id,
    sent_at_ns,
    split,
    visitor_session,
)
from bench.report import Check, Reporter, summary_ms
from bench.server import Server, Usage, cpu_percent, machine_busy, machine_percent


@dataclass(frozen=True)
class ListenerConfig:
    target: Target
    sockets: int
    prefix: str


async def listener(w: WorkerCtx, cfg: ListenerConfig) -> None:
    per_event: dict[int, list[float]] = {}
    counts = {"resync": 0}
    gate = asyncio.Semaphore(50)

    def on_frame(raw: str, recv_ns: int) -> None:
        if '"message.created"' not in raw:
            if '"resync"' in raw:
                counts["resync"] += 1
            return
        cmid = json.loads(raw)["data"]["message"].get("client_msg_id") or ""
        if cmid.startswith(cfg.prefix + "."):
            event = int(cmid.split(".")[1])
            per_event.setdefault(event, []).append((recv_ns - sent_at_ns(cmid)) / 1e9)

    async def connect() -> Any:
        async with gate:
            ws, _, _ = await open_socket(cfg.target, cfg.target.operator_token, visitor=False)
            return ws

    sockets = await asyncio.gather(*(connect() for _ in range(cfg.sockets)))
    readers = [asyncio.create_task(drain(ws, on_frame)) for ws in sockets]
    w.report("ready", negotiated_compression(sockets[0]))
    await w.wait("go")
    cpu = CpuWindow()
    await w.wait("done")
    await asyncio.sleep(0.5)
    w.report("result", {"per_event": per_event, **counts, **cpu.stop()})
    await close_all(sockets, readers)


async def _trigger(
    target: Target, server: Server, prefix: str, events: int, interval_s: float, pool: Pool
) -> tuple[Usage, Usage, tuple[float, float], tuple[float, float]]:
    """Make the events once every listener is connected; returns the server's and the
    machine's CPU readings around the events (not around the 1,000 connections)."""
    url = f"{target.base_url}/api/v1/widget/messages"
    async with http_session() as http:
        token = await visitor_session(http, target, "Bench fan-out visitor")
        await post_json(http, url, {"client_msg_id": send_id("warm"), "text": "hello"}, token)
        await asyncio.to_thread(pool.collect, "ready")
        pool.open("go")
        before, busy0 = server.usage(), machine_busy()
        for event in range(events):
            status, body = await post_json(
                http,
                url,
                {"client_msg_id": send_id(prefix, event), "text": f"event {event}"},
                token,
            )
            if status not in (200, 201):
                raise RuntimeError(f"fan-out message failed: {status} {body}")
            await asyncio.sleep(interval_s)
        return before, server.usage(), busy0, machine_busy()


def run(
    target: Target, server: Server, *, sockets: int, procs: int, events: int, interval_s: float
) -> dict[str, Any]:
    prefix = f"f{time.monotonic_ns() % 10**9}"
    jobs: list[tuple[Any, Any]] = [
        (listener, ListenerConfig(target, n, prefix)) for n in split(sockets, procs)
    ]
    with Pool(jobs) as pool:
        before, after, busy0, busy1 = asyncio.run(
            _trigger(target, server, prefix, events, interval_s, pool)
        )
        pool.open("done")
        results = pool.collect("result", timeout=60)
        compression = pool.collect("ready")[0]
    merged: dict[int, list[float]] = {}
    for r in results:
        for event, lats in r["per_event"].items():
            merged.setdefault(int(event), []).extend(lats)
    all_lat = [x for lats in merged.values() for x in lats]
    last_socket = [max(lats) for lats in merged.values()]
    return {
        "deliveries": len(all_lat),
        "expected": sockets * events,
        "resync": sum(r["resync"] for r in results),
        "delivery": summary_ms(all_lat),
        "last_socket": summary_ms(last_socket),
        "server_cpu_pct": round(cpu_percent(before, after), 1),
        "machine_cpu_pct": machine_percent(busy0, busy1),
        "compression": compression,
        **client_cpu(results),
    }


def record(report: Reporter, name: str, database: str, out: dict[str, Any]) -> None:
    rows = [
        ("delivery p50", out["delivery"]["p50_ms"], "ms"),
        ("delivery p99", out["delivery"]["p99_ms"], "ms"),
        ("last socket p50", out["last_socket"]["p50_ms"], "ms"),
        ("delivered", round(out["deliveries"] / max(1, out["expected"]) * 100, 2), "%"),
        ("server CPU", out["server_cpu_pct"], "% core"),
        ("machine CPU, all processes", out["machine_cpu_pct"], "% core"),
    ]
    extra = {k: v for k, v in out.items() if k not in ("delivery", "last_socket")}
    report.add_rows("fanout", name, database, rows, extra)
    if name == "otklik":
        p99 = out["delivery"]["p99_ms"]
        report.check(Check("fanout", database, "delivery p99", p99, "ms", 150, False))
