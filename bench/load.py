"""Load-generating client processes and the client side of the Otklik protocol.

Every benchmark runs its clients in several ``spawn``-ed processes (uvloop, ``websockets`` for
sockets, ``aiohttp`` for HTTP) so that the client is not the bottleneck; each process reports
the CPU it used in the measured window, and the coordinator prints it.

Coordination: a worker reports phases (``ready``, ``result``, ...) on a queue and waits on named
gates (``go``, ``done``, ...) that the coordinator opens. Send times are ``time.monotonic_ns()``,
one clock for all processes of the machine, embedded in each message's ``client_msg_id`` so the
receiving process computes the end-to-end latency itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import queue as queue_mod
import resource
import time
import traceback
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from typing import Any

import aiohttp
import websockets
from websockets.asyncio.client import ClientConnection

WorkerFn = Callable[["WorkerCtx", Any], Coroutine[Any, Any, None]]


def raise_fd_limit() -> int:
    """Lift the soft open-files limit to the hard one (10,000 sockets need it); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass(frozen=True)
class Target:
    """Where the clients go and who they are there (picklable, sent to every worker)."""

    name: str  # "otklik" | "echo"
    base_url: str
    ws_url: str
    inbox_key: str
    operator_token: str
    agent_id: int
    compression: str | None = "deflate"  # what browsers offer; None = no permessage-deflate


# ----------------------------------------------------------------------------- workers


class WorkerCtx:
    """What a worker process sees of the coordinator."""

    def __init__(
        self, index: int, reports: mp.Queue[Any], gates: dict[str, Event], start_ns: Any
    ) -> None:
        self.index = index
        self._reports = reports
        self._gates = gates
        self._start_ns = start_ns

    def report(self, phase: str, payload: Any = None) -> None:
        self._reports.put((self.index, phase, payload))

    async def wait(self, gate: str) -> None:
        """Until the coordinator opens ``gate`` (polled: it is a cross-process event)."""
        event = self._gates[gate]
        while not event.is_set():  # noqa: ASYNC110 - a multiprocessing.Event cannot be awaited
            await asyncio.sleep(0.005)

    def is_open(self, gate: str) -> bool:
        return self._gates[gate].is_set()

    @property
    def start_ns(self) -> int:
        """The instant the coordinator chose for ``go`` (monotonic ns)."""
        return int(self._start_ns.value)


def _entry(
    fn: WorkerFn,
    index: int,
    cfg: Any,
    reports: mp.Queue[Any],
    gates: dict[str, Event],
    start_ns: Any,
) -> None:
    raise_fd_limit()
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        factory = None
    ctx = WorkerCtx(index, reports, gates, start_ns)
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(fn(ctx, cfg))
    except BaseException:
        reports.put((index, "error", traceback.format_exc()))


class Pool:
    """Coordinator side: starts one process per (function, config), collects phases, opens gates."""

    def __init__(
        self, jobs: Sequence[tuple[WorkerFn, Any]], gates: Sequence[str] = ("go", "done")
    ) -> None:
        ctx = mp.get_context("spawn")
        self._reports: mp.Queue[Any] = ctx.Queue()
        self._gates = {name: ctx.Event() for name in gates}
        self._start_ns = ctx.Value("q", 0)
        self._pending: dict[str, dict[int, Any]] = {}
        self._procs = [
            ctx.Process(
                target=_entry,
                args=(fn, i, cfg, self._reports, self._gates, self._start_ns),
                daemon=True,
            )
            for i, (fn, cfg) in enumerate(jobs)
        ]

    def __enter__(self) -> Pool:
        for proc in self._procs:
            proc.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for gate in self._gates.values():
            gate.set()
        for proc in self._procs:
            proc.join(timeout=20)
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self._procs if p.pid is not None]

    def collect(
        self, phase: str, timeout: float = 300.0, indices: Sequence[int] | None = None
    ) -> list[Any]:
        """Wait until every worker (or those in ``indices``) reported ``phase``.

        Returns their payloads in worker order."""
        wanted = list(range(len(self._procs)) if indices is None else indices)
        got = self._pending.setdefault(phase, {})
        deadline = time.monotonic() + timeout
        while not all(i in got for i in wanted):
            if time.monotonic() > deadline:
                missing = [i for i in wanted if i not in got]
                raise TimeoutError(f"workers {missing} did not report {phase!r} in {timeout:.0f} s")
            try:
                index, name, payload = self._reports.get(timeout=0.5)
            except queue_mod.Empty:
                for i in wanted:
                    if i not in got and self._procs[i].exitcode is not None:
                        raise RuntimeError(
                            f"worker {i} died (exit {self._procs[i].exitcode})"
                        ) from None
                continue
            if name == "error":
                raise RuntimeError(f"worker {index} failed:\n{payload}")
            self._pending.setdefault(name, {})[index] = payload
        return [got[i] for i in wanted]

    def open(self, gate: str, delay_s: float = 0.0) -> int:
        """Open ``gate``; for ``go`` also publish the start instant (now + ``delay_s``)."""
        start = time.monotonic_ns() + int(delay_s * 1e9)
        if gate == "go":
            self._start_ns.value = start
        self._gates[gate].set()
        return start


def client_cpu(results: Sequence[dict[str, Any]]) -> dict[str, float]:
    """CPU of the client processes over their measured window, in % of one core."""
    per_proc = [r["cpu_s"] / r["wall_s"] * 100 for r in results if r.get("wall_s")]
    return {
        "client_procs": float(len(per_proc)),
        "client_cpu_total_pct": round(sum(per_proc), 1),
        "client_cpu_max_proc_pct": round(max(per_proc, default=0.0), 1),
    }


class CpuWindow:
    """CPU seconds this process used between ``start()`` and ``stop()``."""

    def __init__(self) -> None:
        self.cpu0 = time.process_time()
        self.t0 = time.monotonic()
        self.cpu_s = 0.0
        self.wall_s = 0.0

    def start(self) -> None:
        self.cpu0 = time.process_time()
        self.t0 = time.monotonic()

    def stop(self) -> dict[str, float]:
        self.cpu_s = time.process_time() - self.cpu0
        self.wall_s = time.monotonic() - self.t0
        return {"cpu_s": self.cpu_s, "wall_s": self.wall_s}

    async def between(self, start_ns: int, stop_ns: int) -> dict[str, float]:
        """Measure from ``start_ns`` to ``stop_ns`` (``time.monotonic_ns`` instants)."""
        await asyncio.sleep(max(0.0, (start_ns - time.monotonic_ns()) / 1e9))
        self.start()
        await asyncio.sleep(max(0.0, (stop_ns - time.monotonic_ns()) / 1e9))
        return self.stop()


# ----------------------------------------------------------------------------- protocol


def http_session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=None)
    timeout = aiohttp.ClientTimeout(total=60)
    return aiohttp.ClientSession(connector=connector, timeout=timeout)


async def post_json(
    http: aiohttp.ClientSession, url: str, body: dict[str, Any], token: str | None = None
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with http.post(url, data=json.dumps(body), headers=headers) as resp:
        raw = await resp.read()
        return resp.status, (json.loads(raw) if raw else None)


async def get_json(http: aiohttp.ClientSession, url: str, token: str) -> tuple[int, Any]:
    async with http.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
        raw = await resp.read()
        return resp.status, (json.loads(raw) if raw else None)


async def login(
    http: aiohttp.ClientSession, base_url: str, email: str, password: str
) -> tuple[str, int]:
    status, body = await post_json(
        http, f"{base_url}/api/v1/auth/login", {"email": email, "password": password}
    )
    if status != 200:
        raise RuntimeError(f"login failed: {status} {body}")
    return str(body["token"]), int(body["agent"]["id"])


async def visitor_session(http: aiohttp.ClientSession, target: Target, name: str) -> str:
    status, body = await post_json(
        http,
        f"{target.base_url}/api/v1/widget/sessions",
        {"inbox_key": target.inbox_key, "name": name},
    )
    if status not in (200, 201):
        raise RuntimeError(f"widget session failed: {status} {body}")
    return str(body["visitor_token"])


async def start_assigned_conversation(
    http: aiohttp.ClientSession, target: Target, token: str, client_msg_id: str
) -> int:
    """The visitor's first message, its conversation assigned to the measuring operator (so
    later messages go straight to that operator's socket); returns the conversation id."""
    status, msg = await post_json(
        http,
        f"{target.base_url}/api/v1/widget/messages",
        {"client_msg_id": client_msg_id, "text": "hi"},
        token,
    )
    if status not in (200, 201):
        raise RuntimeError(f"first message failed: {status} {msg}")
    conv = int(msg["conversation_id"])
    status, body = await post_json(
        http,
        f"{target.base_url}/api/v1/conversations/{conv}/assign",
        {"agent_id": target.agent_id},
        target.operator_token,
    )
    if status != 200:
        raise RuntimeError(f"assign failed: {status} {body}")
    return conv


async def open_socket(
    target: Target, token: str, *, visitor: bool, last_event_id: int | None = None
) -> tuple[ClientConnection, dict[str, Any], list[str]]:
    """Connect, send ``hello``, read until ``ready`` (or ``resync``).

    Returns the socket, that last frame and the events replayed before it (their raw text).
    The client must not be what a catch-up measures: one deadline for the whole read instead
    of an ``asyncio.wait_for`` (a task on Python 3.11) per frame, and event frames, which the
    server writes as ``{"id":…``, are counted without being parsed."""
    path = "/api/v1/widget/ws" if visitor else "/api/v1/ws"
    ws = await websockets.connect(
        f"{target.ws_url}{path}",
        compression=target.compression,
        ping_interval=None,
        proxy=None,
        open_timeout=60,
        close_timeout=2,
        max_queue=None,
    )
    await ws.send(json.dumps({"type": "hello", "last_event_id": last_event_id, "token": token}))
    replayed: list[str] = []
    async with asyncio.timeout(60):
        while True:
            raw = await ws.recv()
            text = raw if isinstance(raw, str) else raw.decode()
            if text.startswith('{"id":'):
                replayed.append(text)
                continue
            frame = json.loads(text)
            if frame.get("type") in ("ready", "resync"):
                return ws, frame, replayed
            if "id" in frame:
                replayed.append(text)


def negotiated_compression(ws: ClientConnection) -> str:
    assert ws.response is not None
    return ws.response.headers.get("Sec-WebSocket-Extensions", "") or "none"


async def drain(ws: ClientConnection, on_frame: Callable[[str, int], None] | None = None) -> None:
    """Read a socket until it closes; ``on_frame(text, recv_ns)`` for each frame."""
    with contextlib.suppress(websockets.ConnectionClosed, asyncio.CancelledError):
        async for raw in ws:
            if on_frame is not None:
                on_frame(raw if isinstance(raw, str) else raw.decode(), time.monotonic_ns())


async def close_all(
    sockets: Sequence[ClientConnection], tasks: Sequence[asyncio.Task[Any]] = ()
) -> None:
    for task in tasks:
        task.cancel()
    for i in range(0, len(sockets), 500):
        await asyncio.gather(*(ws.close() for ws in sockets[i : i + 500]), return_exceptions=True)


def send_id(prefix: str, *parts: object) -> str:
    """A ``client_msg_id`` that carries its send instant: ``PREFIX.part.part.<monotonic ns>``."""
    return ".".join([prefix, *map(str, parts), str(time.monotonic_ns())])


def sent_at_ns(client_msg_id: str) -> int:
    return int(client_msg_id.rsplit(".", 1)[1])


def split(total: int, parts: int) -> list[int]:
    """``total`` items spread over ``parts`` workers as evenly as possible."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class KeepAlive:
    """A minimal HTTP/1.1 keep-alive client for the hot send loop.

    aiohttp costs about 100 µs of client CPU per request; on a 2-core machine that CPU is taken
    from the server under test. This one writes a request and reads a Content-Length (or
    chunked) response on one persistent connection, at a fraction of the cost.
    """

    def __init__(self, base_url: str) -> None:
        host_port = base_url.split("://", 1)[1].rstrip("/")
        self.host, _, port = host_port.partition(":")
        self.port = int(port or 80)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def post(
        self, path: str, body: bytes, token: str | None = None, headers: str = ""
    ) -> tuple[int, bytes]:
        """``headers``: extra header lines, each ending in CRLF (``"X-Key: v\\r\\n"``)."""
        reader, writer = await self._connect()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"{auth}{headers}Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        writer.write(head + body)
        try:
            raw_head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            await self.close()
            raise
        lines = raw_head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)
        }
        if "content-length" in headers:
            payload = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).strip(), 16)
                chunks.append(await reader.readexactly(size + 2))
                if size == 0:
                    break
            payload = b"".join(c[:-2] for c in chunks)
        else:
            payload = await reader.read()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, payload

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(Exception):
                await self._writer.wait_closed()
        self._reader = self._writer = None


def settle_midway(start_ns: int, window0_ns: int, settle: Callable[[], None] | None) -> None:
    """Sleep till the measured window opens, running ``settle`` halfway there."""
    if settle is not None:
        time.sleep(max(0.0, ((start_ns + window0_ns) // 2 - time.monotonic_ns()) / 1e9))
        settle()
    time.sleep(max(0.0, (window0_ns - time.monotonic_ns()) / 1e9))
