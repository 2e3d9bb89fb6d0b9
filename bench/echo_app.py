"""The baseline: a bare ASGI app served by uvicorn with the same defaults as ``otklik run``.

It speaks just enough of the Otklik API (docs/api.md) for the very same load clients to drive
it, with no framework, no database and no validation, so that "otklik / echo" isolates the
cost of Otklik itself from the cost of Python + uvicorn + sockets on this machine:

- ``POST /api/v1/auth/login`` → ``{"token"}``; ``POST /api/v1/widget/sessions`` → a visitor token.
- ``POST /api/v1/widget/messages`` → 201 Message; pushed as a ``message.created`` event to every
  operator socket and to the visitor's own socket (serialised once, bounded queue per socket).
- ``POST /api/v1/conversations/{id}/assign`` → 200.
- ``POST /api/v1/inboxes`` → 201 (any channel; an ``api`` inbox keeps the key it was given).
- ``POST /api/v1/channels/api/conversations`` with ``X-Otklik-Inbox-Key`` → 201
  ``{message_id, conversation_id, contact_id, created}`` (a new contact per new ``sender_id``,
  always a new conversation), pushed as ``message.created`` to every operator socket; 401
  without the key, 200 for an ``external_id`` seen before (docs/channels.md).
- sockets ``/api/v1/ws`` and ``/api/v1/widget/ws``: ``hello`` → ``ready``, ``ping`` → ``pong``,
  a ``heartbeat`` every 20 s.

Run: ``python -m uvicorn bench.echo_app:app --host 127.0.0.1 --port 8301``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

HEARTBEAT_S = 20.0
QUEUE_MAX = 256

_message_ids = itertools.count(1)
_event_ids = itertools.count(1)
_contact_ids = itertools.count(1)
_operators: set[asyncio.Queue[str]] = set()
_visitors: dict[str, set[asyncio.Queue[str]]] = {}
_conversation_ids = itertools.count(1)
_inbox_ids = itertools.count(1)
_senders: dict[str, int] = {}  # the API channel's sender_id -> contact id
_external_ids: dict[str, dict[str, Any]] = {}  # external_id -> the first answer
_last_event_id = 0
_background: set[asyncio.Task[None]] = set()


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await _http(scope, receive, send)
    elif scope["type"] == "websocket":
        await _websocket(scope, receive, send)
    elif scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                _background.add(asyncio.create_task(_heartbeats()))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _respond(send: Send, status: int, payload: object) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode())
    return ""


def _bearer(scope: Scope) -> str:
    return _header(scope, b"authorization").removeprefix("Bearer ").strip()


async def _http(scope: Scope, receive: Receive, send: Send) -> None:
    path: str = scope["path"]
    method: str = scope["method"]
    raw = await _read_body(receive) if method in ("POST", "PUT", "PATCH") else b""
    body: dict[str, Any] = json.loads(raw) if raw else {}
    if path == "/healthz":
        await _respond(send, 200, {"status": "ok"})
    elif path == "/api/v1/auth/login":
        await _respond(send, 200, {"token": "echo-operator", "agent": {"id": 1}})
    elif path == "/api/v1/widget/sessions":
        contact_id = next(_contact_ids)
        token = f"v{contact_id}"
        await _respond(
            send, 200, {"visitor_token": token, "contact_id": contact_id, "conversation_id": None}
        )
    elif path == "/api/v1/widget/messages" and method == "POST":
        await _respond(send, 201, _publish(_bearer(scope), body))
    elif path.startswith("/api/v1/conversations/") and path.endswith("/assign"):
        await _respond(send, 200, {"id": int(path.split("/")[4]), "assignee_id": 1})
    elif path == "/api/v1/inboxes" and method == "POST":
        inbox_id = next(_inbox_ids)
        config = body.get("config") or {}
        answer = {"id": inbox_id, "name": body.get("name"), "channel": body.get("channel")}
        await _respond(send, 201, {**answer, "public_key": f"echo{inbox_id}", "config": config})
    elif path == "/api/v1/channels/api/conversations" and method == "POST":
        if not _header(scope, b"x-otklik-inbox-key"):
            await _respond(send, 401, {"error": {"code": "unauthorized", "message": "key"}})
            return
        status, answer = _api_conversation(body)
        await _respond(send, status, answer)
    else:
        await _respond(send, 404, {"error": {"code": "not_found", "message": path}})


def _publish(visitor_token: str, body: dict[str, Any]) -> dict[str, Any]:
    global _last_event_id
    contact_id = int(visitor_token.removeprefix("v") or 0)
    message = {
        "id": next(_message_ids),
        "conversation_id": contact_id,
        "author_type": "contact",
        "author_id": contact_id,
        "text": body.get("text", ""),
        "client_msg_id": body.get("client_msg_id"),
        "private": False,
    }
    _last_event_id = next(_event_ids)
    frame = json.dumps(
        {"id": _last_event_id, "type": "message.created", "data": {"message": message}}
    )
    for queue in itertools.chain(_operators, _visitors.get(visitor_token, ())):
        if queue.full():  # overflow: a real hub would send resync; the baseline just drops
            continue
        queue.put_nowait(frame)
    return message


def _api_conversation(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """The API channel's new conversation: contact by sender_id, idempotent by external_id."""
    global _last_event_id
    external_id = str(body.get("external_id", ""))
    if external_id in _external_ids:
        return 200, {**_external_ids[external_id], "created": False}
    sender = str(body.get("sender_id", ""))
    contact_id = _senders.get(sender)
    if contact_id is None:
        contact_id = _senders[sender] = next(_contact_ids)
    message = {
        "id": next(_message_ids),
        "conversation_id": next(_conversation_ids),
        "author_type": "contact",
        "author_id": contact_id,
        "text": body.get("text", ""),
        "client_msg_id": None,
        "private": False,
    }
    _last_event_id = next(_event_ids)
    frame = json.dumps(
        {"id": _last_event_id, "type": "message.created", "data": {"message": message}}
    )
    for queue in _operators:
        if not queue.full():
            queue.put_nowait(frame)
    answer = {
        "message_id": message["id"],
        "conversation_id": message["conversation_id"],
        "contact_id": contact_id,
        "created": True,
    }
    _external_ids[external_id] = answer
    return 201, answer


async def _websocket(scope: Scope, receive: Receive, send: Send) -> None:
    path: str = scope["path"]
    token = ""  # from ``hello``, as Otklik takes it
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_MAX)
    writer = asyncio.create_task(_writer(queue, send))
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                break
            frame = json.loads(message.get("text") or message.get("bytes") or "{}")
            kind = frame.get("type")
            if kind == "hello":
                token = str(frame.get("token") or "")
                if path == "/api/v1/ws":
                    _operators.add(queue)
                else:
                    _visitors.setdefault(token, set()).add(queue)
                queue.put_nowait(json.dumps({"type": "ready", "last_event_id": _last_event_id}))
            elif kind == "ping":
                queue.put_nowait('{"type":"pong"}')
    finally:
        writer.cancel()
        _operators.discard(queue)
        peers = _visitors.get(token)
        if peers is not None:
            peers.discard(queue)
            if not peers:
                del _visitors[token]


async def _heartbeats() -> None:
    """One timer for all sockets: every 20 s each socket gets a heartbeat frame."""
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        for queue in itertools.chain(_operators, *_visitors.values()):
            if not queue.full():
                queue.put_nowait('{"type":"heartbeat"}')


async def _writer(queue: asyncio.Queue[str], send: Send) -> None:
    while True:
        frame = await queue.get()
        try:
            await send({"type": "websocket.send", "text": frame})
        except Exception:  # the peer went away; the reader loop ends the connection
            return
