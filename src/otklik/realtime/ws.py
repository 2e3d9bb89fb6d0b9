"""One live socket: hello → replay (or resync) → ready → live events + heartbeats.

The subscription is made *before* the replay query, so an event committed while replaying is
both replayed and held; ids at or below what was already sent are skipped, so the client
sees every event once, in order.

An idle socket costs one task: the one the server runs the socket in, waiting for the
client's next frame. Live frames are written by the hub's delivery and heartbeats by the
hub's one timer (``hub.py``, ``wire.py``); a task is made only to resync a client that fell
behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from otklik.accounts import access
from otklik.accounts.access import Scope
from otklik.config import Settings
from otklik.core.db import Database
from otklik.realtime import log
from otklik.realtime.broker import Broker
from otklik.realtime.hub import Hub, Subscriber
from otklik.realtime.protocol import PONG, dumps, error_frame, ready_frame, resync_frame
from otklik.realtime.scopes import ScopeKeeper
from otklik.realtime.wire import Send, Wire

ClientFrameHandler = Callable[[dict[str, Any]], Awaitable[None]]
HELLO_TIMEOUT = 15.0
MAX_CLIENT_FRAME = 16_384
MAX_TOKEN_CHARS = 500
TOKEN_IN_URL = (
    'Send the token in the hello frame ({"type":"hello","token":...}); '
    "a token in the address is refused."
)


@dataclass
class Realtime:
    """The process's live-delivery parts, kept on ``app.state.realtime``."""

    db: Database
    hub: Hub
    broker: Broker
    settings: Settings

    async def publish_committed(self, session: Any) -> None:
        frames = log.take_pending(session)
        if frames:
            await self.broker.publish_committed(frames)


class ClientError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def close_with_error(ws: WebSocket, code: str, message: str, close_code: int) -> None:
    """Refuse a socket before it is served (bad token, bad hello)."""
    with contextlib.suppress(Exception):
        await ws.send_text(error_frame(code, message))
        await ws.close(close_code)


def end_with_error(wire: Wire, code: str, message: str, close_code: int) -> None:
    """End a socket that is being served, after what is already queued for it."""
    wire.write(error_frame(code, message))
    wire.close(close_code)


def raw_send(ws: WebSocket) -> Send:
    """The server's own ASGI ``send``: the wire writes through it without Starlette's
    per-call state checks (the socket is accepted; the wire tracks closing itself)."""
    send: Send = ws._send
    return send


@dataclass(frozen=True, slots=True)
class Hello:
    """The client's first frame: where to resume from, and who it is.

    Credentials come here, in the first frame, and never in the socket's address: an
    address lands in access logs and browser history (issue 11, defect 7)."""

    last_event_id: int | None
    token: str | None


async def _receive_hello(ws: WebSocket) -> Hello:
    async with asyncio.timeout(HELLO_TIMEOUT):  # a timer, not a task
        raw = await ws.receive_text()
    if len(raw) > MAX_CLIENT_FRAME:
        raise ClientError("too_large", "Frame too large.")
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ClientError("bad_frame", "The first frame must be JSON.") from exc
    if not isinstance(frame, dict) or frame.get("type") != "hello":
        raise ClientError("bad_frame", 'The first frame must be {"type":"hello",...}.')
    last = frame.get("last_event_id")
    if last is not None and (not isinstance(last, int) or isinstance(last, bool) or last < 0):
        raise ClientError("bad_frame", "last_event_id must be a non-negative integer or null.")
    token = frame.get("token")
    if token is not None and (not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS):
        raise ClientError("bad_frame", "token must be a string.")
    return Hello(last_event_id=last, token=token or None)


async def read_hello(ws: WebSocket) -> Hello | None:
    """The accepted socket's first frame; ``None`` (the socket is done with) when the client
    left, said nothing in time, sent a bad frame or put its token in the address."""
    if "token" in ws.query_params:
        await close_with_error(ws, "bad_request", TOKEN_IN_URL, 4400)
        return None
    try:
        return await _receive_hello(ws)
    except (TimeoutError, WebSocketDisconnect):
        return None
    except ClientError as exc:
        await close_with_error(ws, exc.code, exc.message, 4400)
        return None


async def serve(
    ws: WebSocket,
    *,
    realtime: Realtime,
    hello: Hello,
    streams: list[str],
    on_frame: ClientFrameHandler,
    wire: Wire | None = None,
    scope: Scope | None = None,
    scopes: ScopeKeeper | None = None,
    when_live: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Run an accepted socket that said ``hello`` until either side closes it (or ``wire``
    is closed). An operator's socket has a ``scope``: it hears (live and in its catch-up)
    only events about conversations the scope sees; ``scopes`` keeps it current.
    ``when_live`` runs once the client heard ``ready`` (what it changes, the client hears)."""
    last_seen = hello.last_event_id
    wire = wire or Wire(raw_send(ws))
    if wire.closed:
        return
    subscriber = realtime.hub.subscribe(streams, wire, lambda s: _start_resync(realtime, s))
    if scope is not None:
        if scopes is not None:
            scopes.watch(subscriber, scope)
        elif not scope.everything:
            subscriber.sees = scope.sees
    try:
        await _catch_up(realtime, subscriber, streams, last_seen, scope)
        if when_live is not None:
            await when_live()
        await _receive(ws, wire, on_frame)
    except WebSocketDisconnect:
        pass
    finally:
        realtime.hub.unsubscribe(subscriber)
        if scope is not None and scopes is not None:
            scopes.forget(subscriber, scope.agent_id)
        if subscriber.task is not None:
            subscriber.task.cancel()
        if not wire.closed:
            wire.abort()


async def _catch_up(
    realtime: Realtime,
    subscriber: Subscriber,
    streams: list[str],
    last_seen: int | None,
    scope: Scope | None,
) -> None:
    """Write what the client missed (or tell it to resync), then let live frames through.

    The frames are written one after the other with no await between them: the wire hands
    each to the server at once, and only a slow reader makes them queue."""
    wire = subscriber.wire
    async with realtime.db.session(write=False) as session:
        if last_seen is None:
            floor = await log.latest_id(session)
            replay = None
        else:
            replay = await log.replay(
                session,
                streams=streams,
                after_id=last_seen,
                limit=realtime.settings.max_replay_events,
                sees=None if scope is None else partial(access.visible, scope),
            )
    # From here to ``release`` nothing awaits unless the client reads slowly, so the client
    # never hears "ready" before live frames flow.
    if replay is None:
        wire.write(dumps(ready_frame(floor)))
    elif replay.resync:
        floor = replay.last_event_id
        wire.write(dumps(resync_frame(floor)))
    else:
        write = wire.write
        floor = last_seen or 0
        for frame in replay.events:
            write(frame.text)
            floor = frame.event_id or floor
        floor = max(floor, replay.last_event_id)
        write(dumps(ready_frame(floor)))
    await wire.drained()  # a slow reader: live frames wait (bounded) until it caught up
    if subscriber.overflowed:
        await _resync(realtime, subscriber)
    else:
        subscriber.release(floor)


def _start_resync(realtime: Realtime, subscriber: Subscriber) -> None:
    if subscriber.task is None or subscriber.task.done():
        subscriber.task = asyncio.get_running_loop().create_task(_resync(realtime, subscriber))


async def _resync(realtime: Realtime, subscriber: Subscriber) -> None:
    """Tell a client that fell behind to refetch, then carry on live from that point.

    Frames are held (bounded) while the client drains what it was already sent and while
    the newest id is read; overflowing again meanwhile just means reading it again."""
    wire = subscriber.wire
    subscriber.hold()
    while subscriber.overflowed and not wire.closed:
        await wire.drained()
        subscriber.overflowed = False
        async with realtime.db.session(write=False) as session:
            latest = await log.latest_id(session)
        if not subscriber.overflowed:
            subscriber.release(latest, dumps(resync_frame(latest)))


async def _receive(ws: WebSocket, wire: Wire, on_frame: ClientFrameHandler) -> None:
    while not wire.closed:
        raw = await ws.receive_text()
        if wire.closed:
            return  # closed by the server meanwhile (a revoked session): say nothing more
        if len(raw) > MAX_CLIENT_FRAME:
            end_with_error(wire, "too_large", "Frame too large.", 1009)
            return
        try:
            frame = json.loads(raw)
        except json.JSONDecodeError:
            wire.write(error_frame("bad_frame", "Frames must be JSON objects."))
            continue
        if not isinstance(frame, dict):
            wire.write(error_frame("bad_frame", "Frames must be JSON objects."))
            continue
        if frame.get("type") == "ping":
            wire.write(PONG)
            continue
        try:
            await on_frame(frame)
        except ClientError as exc:
            wire.write(error_frame(exc.code, exc.message))
