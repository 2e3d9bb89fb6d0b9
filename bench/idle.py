"""Idle sockets: many idle widget sockets with heartbeats; server RSS per socket and CPU.

Holder processes first create one visitor session per socket (``ready``), the coordinator
reads the server's RSS, then they connect all sockets (``hello`` → ``ready``) and hold them
for at least one heartbeat period while the coordinator reads RSS and CPU again.
"""

from __future__ import annotations

import asyncio
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
    split,
    visitor_session,
)
from bench.report import Check, Reporter
from bench.server import Server, cpu_percent


@dataclass(frozen=True)
class HolderConfig:
    target: Target
    sockets: int


async def holder(w: WorkerCtx, cfg: HolderConfig) -> None:
    gate = asyncio.Semaphore(25)
    async with http_session() as http:

        async def session(i: int) -> str:
            async with gate:
                return await visitor_session(http, cfg.target, f"Idle visitor {w.index}-{i}")

        tokens = await asyncio.gather(*(session(i) for i in range(cfg.sockets)))
    w.report("ready")
    await w.wait("go")
    frames = {"heartbeat": 0, "other": 0}

    def on_frame(raw: str, _: int) -> None:
        frames["heartbeat" if '"heartbeat"' in raw else "other"] += 1

    connect_gate = asyncio.Semaphore(100)

    async def connect(token: str) -> Any:
        async with connect_gate:
            ws, _, _ = await open_socket(cfg.target, token, visitor=True)
            return ws

    t0 = time.monotonic()
    sockets = await asyncio.gather(*(connect(t) for t in tokens))
    readers = [asyncio.create_task(drain(ws, on_frame)) for ws in sockets]
    w.report(
        "connected",
        {"seconds": time.monotonic() - t0, "compression": negotiated_compression(sockets[0])},
    )
    await w.wait("hold")
    cpu = CpuWindow()
    await w.wait("done")
    closed = sum(1 for ws in sockets if ws.close_code is not None)
    w.report("result", {**frames, "closed_by_server": closed, **cpu.stop()})
    await close_all(sockets, readers)


def run(
    target: Target, server: Server, *, sockets: int, procs: int, hold_s: float
) -> dict[str, Any]:
    jobs: list[tuple[Any, Any]] = [(holder, HolderConfig(target, n)) for n in split(sockets, procs)]
    with Pool(jobs, gates=("go", "hold", "done")) as pool:
        pool.collect("ready", timeout=600)
        time.sleep(1.0)
        empty = server.usage()
        pool.open("go")
        connected = pool.collect("connected", timeout=600)
        time.sleep(2.0)  # let the connection burst settle
        pool.open("hold")
        held0 = server.usage()
        time.sleep(hold_s)
        held1 = server.usage()
        pool.open("done")
        results = pool.collect("result", timeout=120)
    rss_held = max(held0.rss, held1.rss)
    return {
        "sockets": sockets,
        "rss_empty_mb": round(empty.rss / 2**20, 1),
        "rss_held_mb": round(rss_held / 2**20, 1),
        "rss_per_socket_kb": round((rss_held - empty.rss) / sockets / 1024, 2),
        "server_cpu_pct": round(cpu_percent(held0, held1), 2),
        "connect_s": round(max(c["seconds"] for c in connected), 1),
        "compression": connected[0]["compression"],
        "heartbeats": sum(r["heartbeat"] for r in results),
        "closed_by_server": sum(r["closed_by_server"] for r in results),
        **client_cpu(results),
    }


def record(report: Reporter, name: str, database: str, out: dict[str, Any]) -> None:
    rows = [
        ("RSS per socket", out["rss_per_socket_kb"], "KB"),
        ("server CPU holding them", out["server_cpu_pct"], "% core"),
        ("RSS total", out["rss_held_mb"], "MB"),
    ]
    report.add_rows("idle", name, database, rows, out)
    if name == "otklik":
        per = out["rss_per_socket_kb"]
        report.check(Check("idle", database, "RSS per socket", per, "KB", 32, False))
