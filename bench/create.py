"""Create: new conversations through the API channel, as a bridge (WhatsApp, VK…) makes them.

Every request is ``POST /api/v1/channels/api/conversations`` with the inbox's key in
``X-Otklik-Inbox-Key`` and a sender never seen before, so each one creates a contact, a
conversation and its first message (docs/channels.md, "API channel"). Closed loop: each client
sends its next request when the previous one was answered; 1 client (sequential) and 8
concurrent clients, one after the other on the same server. Rate = 201 answers per second in
the window; latency = request → answer.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.load import (
    CpuWindow,
    KeepAlive,
    Pool,
    Target,
    WorkerCtx,
    client_cpu,
    http_session,
    post_json,
    settle_midway,
)
from bench.report import Check, Reporter, summary_ms
from bench.server import Server, cpu_percent, machine_busy, machine_percent

PATH = "/api/v1/channels/api/conversations"
TEXT = "Добрый день! My parcel #77812 arrived damaged, what do I do now?"
#: The issue's targets: conversations created per second with this many clients.
TARGETS = {1: 360.0, 8: 670.0}
REQUEST_TIMEOUT_S = 10.0


async def api_inbox(target: Target) -> str:
    """An ``api`` inbox made through the admin API, as an admin would (docs/channels.md);
    returns its key. The key is chosen here, so nobody has to reveal it."""
    key = "otk_bench_" + secrets.token_urlsafe(24)
    async with http_session() as http:
        status, body = await post_json(
            http,
            f"{target.base_url}/api/v1/inboxes",
            {"name": "Bench bridge", "channel": "api", "config": {"api_key": key}},
            target.operator_token,
        )
    if status != 201:
        raise RuntimeError(f"creating the bench API inbox failed: {status} {body}")
    return key


@dataclass(frozen=True)
class CreateConfig:
    target: Target
    api_key: str
    clients: int
    warmup_s: float
    duration_s: float
    prefix: str


async def creator(w: WorkerCtx, cfg: CreateConfig) -> None:
    w.report("ready")
    await w.wait("go")
    begin = w.start_ns
    window0 = begin + int(cfg.warmup_s * 1e9)
    window1 = window0 + int(cfg.duration_s * 1e9)
    headers = f"X-Otklik-Inbox-Key: {cfg.api_key}\r\n"
    text = json.dumps(TEXT, ensure_ascii=False)
    created = 0
    errors: dict[str, int] = {}
    lat: list[float] = []
    cpu = CpuWindow()

    async def loop(c: int) -> None:
        nonlocal created
        conn = KeepAlive(cfg.target.base_url)
        seq = 0
        await asyncio.sleep(max(0.0, (begin - time.monotonic_ns()) / 1e9))
        try:
            while (sent := time.monotonic_ns()) < window1:
                seq += 1
                ident = f"{cfg.prefix}-{w.index}-{c}-{seq}"
                body = (
                    f'{{"external_id":"m-{ident}","sender_id":"s-{ident}",'
                    f'"sender_name":"Customer {ident}","text":{text}}}'
                ).encode()
                try:
                    async with asyncio.timeout(REQUEST_TIMEOUT_S):
                        status, answer = await conn.post(PATH, body, None, headers)
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    name = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
                    errors[name] = errors.get(name, 0) + 1
                    await conn.close()
                    await asyncio.sleep(0.05)
                    continue
                if status != 201:
                    key = f"{status} {answer[:120].decode(errors='replace')}"
                    errors[key] = errors.get(key, 0) + 1
                elif sent >= window0:
                    created += 1
                    lat.append((time.monotonic_ns() - sent) / 1e9)
        finally:
            await conn.close()

    cpu_task = asyncio.create_task(cpu.between(window0, window1))
    await asyncio.gather(*(loop(c) for c in range(cfg.clients)))
    usage = await cpu_task
    w.report("result", {"created": created, "errors": errors, "lat": lat, **usage})


def run(
    target: Target,
    server: Server,
    api_key: str,
    *,
    clients: int,
    warmup_s: float,
    duration_s: float,
    settle: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """``settle``: as for :func:`bench.ingest.run`."""
    prefix = f"c{clients}x{time.monotonic_ns() % 10**9}"
    cfg = CreateConfig(target, api_key, clients, warmup_s, duration_s, prefix)
    with Pool([(creator, cfg)]) as pool:
        pool.collect("ready")
        start = pool.open("go", delay_s=0.2)
        window0 = start + int(warmup_s * 1e9)
        settle_midway(start, window0, settle)
        before, busy0 = server.usage(), machine_busy()
        time.sleep(duration_s)
        after, busy1 = server.usage(), machine_busy()
        (out,) = pool.collect("result", timeout=duration_s + 60)
    created = out["created"]
    cpu_s = after.cpu_s - before.cpu_s
    return {
        "clients": clients,
        "rate": created / duration_s,
        "created": created,
        "errors": out["errors"],
        "latency": summary_ms(out["lat"]),
        "server_cpu_pct": round(cpu_percent(before, after), 1),
        "server_cpu_us_per_create": round(cpu_s / created * 1e6, 1) if created else float("nan"),
        "machine_cpu_pct": machine_percent(busy0, busy1),
        **client_cpu([out]),
    }


def record(report: Reporter, name: str, database: str, out: dict[str, Any]) -> None:
    n = out["clients"]
    who = "1 client" if n == 1 else f"{n} clients"
    rows = [
        (f"creates/s, {who}", round(out["rate"], 1), "conv/s"),
        (f"median latency, {who}", out["latency"]["p50_ms"], "ms"),
        (f"p99 latency, {who}", out["latency"]["p99_ms"], "ms"),
        (f"server CPU, {who}", out["server_cpu_pct"], "% core"),
        (f"server CPU per create, {who}", out["server_cpu_us_per_create"], "µs"),
        (f"client CPU, {who}", out["client_cpu_total_pct"], "% core"),
    ]
    report.add_rows("create", name, database, rows, dict(out))
    if out["errors"]:
        report.note("create", f"{name} {who}: errors {out['errors']}")
    if name == "otklik" and n in TARGETS:
        rate = round(out["rate"], 1)
        report.check(
            Check("create", database, f"creates/s, {who}", rate, "conv/s", TARGETS[n], True)
        )


def record_limit(report: Reporter, database: str, limit: float, one_client: float) -> None:
    """The same run's durable commits one at a time (``durable.py``): one client's ceiling."""
    metric = "durable commits/s one at a time (bare driver): 1 client's limit"
    report.add_rows("create", "raw-sql", database, [(metric, round(limit, 1), "commit/s")])
    verdict = "above" if limit < TARGETS[1] else "below"
    report.summary(
        "create",
        f"{database}: one client waits for each create to be durable, so it can never beat "
        f"the bare driver committing one row at a time on this disk: {limit:,.0f} commits/s "
        f"({1000 / limit:.2f} ms each) in this run. Otklik's one client: {one_client:,.0f}/s, "
        f"{100 * one_client / limit:.0f} % of that limit; the target ({TARGETS[1]:.0f}/s) is "
        f"{verdict} it.",
    )
