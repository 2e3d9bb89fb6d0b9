"""One live socket: hello → replay (or resync) → ready → live events + heartbeats.

The subscription is made *before* the replay query, so an event committed while replaying is
both replayed and queued; ids at or below what was already sent are skipped, so the client
sees every event once, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from otklik.config import Settings
from otklik.core.db import Database
from otklik.realtime import log
from otklik.realtime.broker import Broker
from otklik.realtime.hub import RESYNC_MARKER, Hub, Subscriber
from otklik.realtime.protocol import HEARTBEAT, PONG, dumps, error_frame, ready_frame, resync_frame

ClientFrameHandler = Callable[[dict[str, Any]], Awaitable[None]]
HELLO_TIMEOUT = 15.0
MAX_CLIENT_FRAME = 16_384


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
            await self.broker.publish(frames)


class ClientError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def close_with_error(ws: WebSocket, code: str, message: str, close_code: int) -> None:
    with contextlib.suppress(Exception):
        await ws.send_text(error_frame(code, message))
        await ws.close(close_code)


async def _read_hello(ws: WebSocket) -> int | None:
    raw = await asyncio.wait_for(ws.receive_text(), HELLO_TIMEOUT)
    try:
        frame = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ClientError("bad_frame", "The first frame must be JSON.") from exc
    if not isinstance(frame, dict) or frame.get("type") != "hello":
        raise ClientError("bad_frame", 'The first frame must be {"type":"hello",...}.')
    last = frame.get("last_event_id")
    if last is not None and (not isinstance(last, int) or isinstance(last, bool) or last < 0):
        raise ClientError("bad_frame", "last_event_id must be a non-negative integer or null.")
    return last


async def serve(
    ws: WebSocket,
    *,
    realtime: Realtime,
    streams: list[str],
    on_frame: ClientFrameHandler,
) -> None:
    """Run an accepted socket until either side closes it."""
    try:
        last_seen = await _read_hello(ws)
    except (TimeoutError, WebSocketDisconnect):
        return
    except ClientError as exc:
        await close_with_error(ws, exc.code, exc.message, 4400)
        return
    subscriber = realtime.hub.subscribe(streams)
    try:
        floor = await _catch_up(ws, realtime, streams, last_seen)
        sender = asyncio.create_task(_send_live(ws, realtime, subscriber, floor))
        try:
            await _receive(ws, on_frame)
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
    except WebSocketDisconnect:
        pass
    finally:
        realtime.hub.unsubscribe(subscriber)


async def _catch_up(
    ws: WebSocket, realtime: Realtime, streams: list[str], last_seen: int | None
) -> int:
    async with realtime.db.session(write=False) as session:
        if last_seen is None:
            latest = await log.latest_id(session)
            await ws.send_text(dumps(ready_frame(latest)))
            return latest
        replay = await log.replay(
            session,
            streams=streams,
            after_id=last_seen,
            limit=realtime.settings.max_replay_events,
        )
    if replay.resync:
        await ws.send_text(dumps(resync_frame(replay.last_event_id)))
        return replay.last_event_id
    floor = last_seen
    for frame in replay.events:
        await ws.send_text(frame.text)
        floor = frame.event_id or floor
    floor = max(floor, replay.last_event_id)
    await ws.send_text(dumps(ready_frame(floor)))
    return floor


async def _send_live(ws: WebSocket, realtime: Realtime, subscriber: Subscriber, floor: int) -> None:
    heartbeat = realtime.settings.heartbeat_seconds
    while True:
        try:
            # Frames already queued need no timer: wait_for costs a task per call.
            frame = subscriber.queue.get_nowait()
        except asyncio.QueueEmpty:
            try:
                frame = await asyncio.wait_for(subscriber.queue.get(), heartbeat)
            except TimeoutError:
                await ws.send_text(HEARTBEAT)
                continue
        if frame is RESYNC_MARKER:
            subscriber.overflowed = False
            async with realtime.db.session(write=False) as session:
                floor = await log.latest_id(session)
            await ws.send_text(dumps(resync_frame(floor)))
            continue
        if frame.event_id is not None:
            if frame.event_id <= floor:
                continue
            floor = frame.event_id
        await ws.send_text(frame.text)


async def _receive(ws: WebSocket, on_frame: ClientFrameHandler) -> None:
    while True:
        raw = await ws.receive_text()
        if len(raw) > MAX_CLIENT_FRAME:
            await close_with_error(ws, "too_large", "Frame too large.", 1009)
            return
        try:
            frame = json.loads(raw)
        except json.JSONDecodeError:
            await ws.send_text(error_frame("bad_frame", "Frames must be JSON objects."))
            continue
        if not isinstance(frame, dict):
            await ws.send_text(error_frame("bad_frame", "Frames must be JSON objects."))
            continue
        if frame.get("type") == "ping":
            await ws.send_text(PONG)
            continue
        try:
            await on_frame(frame)
        except ClientError as exc:
            await ws.send_text(error_frame(exc.code, exc.message))
