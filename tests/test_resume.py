"""The resumable event log: replay after a drop, resync when too far behind, no gaps."""

from __future__ import annotations

import socket
from typing import Any

import websockets

from otklik.realtime.protocol import STREAM_AGENTS, Outgoing, dumps
from tests.support import Socket, Workspace


def message_ids(frames: list[dict[str, Any]]) -> list[int]:
    return [f["data"]["message"]["id"] for f in frames if f.get("type") == "message.created"]


async def test_resume_after_dropped_socket_has_no_gap_and_no_duplicate(
    workspace: Workspace,
) -> None:
    visitor = await workspace.visitor()
    sock = await workspace.agent_socket()
    await sock.ready()
    first = await visitor.say("one")
    await sock.until(lambda f: f.get("type") == "message.created")
    last_applied = max(f["id"] for f in sock.events())
    await sock.close()  # the operator's network drops

    missed = [await visitor.say(text) for text in ("two", "three", "four")]

    resumed = await workspace.agent_socket(last_event_id=last_applied)
    await resumed.ready()
    replayed = resumed.events()
    assert message_ids(replayed) == [m["id"] for m in missed]
    assert [f["id"] for f in replayed] == sorted({f["id"] for f in replayed})
    assert all(f["id"] > last_applied for f in replayed)

    # Live events continue after the replay, without repeating anything.
    await visitor.say("five")
    live = await resumed.until(lambda f: f.get("type") == "message.created")
    assert live["data"]["message"]["text"] == "five"
    all_ids = [f["id"] for f in resumed.events()]
    assert len(all_ids) == len(set(all_ids))
    assert first["conversation_id"] == live["data"]["conversation"]["id"]
    await resumed.close()


async def test_visitor_resumes_with_the_replies_it_missed(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    sock = await visitor.socket()
    await sock.ready()
    first = await visitor.say("anyone there?")
    await sock.until(lambda f: f.get("type") == "message.created")
    last = max(f["id"] for f in sock.events())
    await sock.close()

    reply = await workspace.reply(first["conversation_id"], "Yes, here!")
    resumed = await visitor.socket(last_event_id=last)
    await resumed.ready()
    assert message_ids(resumed.events()) == [reply["id"]]
    await resumed.close()


async def test_too_far_behind_gets_resync(workspace: Workspace) -> None:
    workspace.server.settings.max_replay_events = 3
    visitor = await workspace.visitor()
    sock = await workspace.agent_socket()
    start = await sock.ready()
    await sock.close()
    for index in range(5):
        await visitor.say(f"message {index}")

    behind = await workspace.agent_socket(last_event_id=start)
    frame = await behind.next()
    assert frame["type"] == "resync"
    assert frame["last_event_id"] > start
    # After a resync the socket keeps streaming live events from that point.
    await visitor.say("after resync")
    live = await behind.until(lambda f: f.get("type") == "message.created")
    assert live["id"] > frame["last_event_id"]
    await behind.close()


async def test_unknown_future_event_id_gets_resync(workspace: Workspace) -> None:
    sock = await workspace.agent_socket(last_event_id=10_000_000)
    frame = await sock.next()
    assert frame["type"] == "resync"
    await sock.close()


async def test_slow_socket_overflow_turns_into_resync(workspace: Workspace) -> None:
    """A client that stops reading is not buffered forever: once its transport is full and
    more than ``queue_size`` frames wait behind it, it is told to resync instead."""
    hub = workspace.server.app.state.realtime.hub
    hub.queue_size = 2  # this socket may queue two frames behind a full transport
    # A small receive buffer, so the kernel cannot swallow the whole burst for the client.
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    raw.connect(("127.0.0.1", workspace.server.port))
    raw.setblocking(False)
    conn = await websockets.connect(
        f"{workspace.server.ws_url}/api/v1/ws", sock=raw, max_size=2**22
    )
    sock = Socket(conn)
    await sock.send({"type": "hello", "last_event_id": None, "token": workspace.token})
    await sock.ready()
    visitor = await workspace.visitor()
    await visitor.say("before the burst")
    await sock.until(lambda f: f.get("type") == "message.created")
    # And a small send buffer on the server's side of it (loopback is generous otherwise).
    (server_side,) = [
        c for c in workspace.server.connections() if hasattr(c, "writable") and c.transport
    ]
    server_side.transport.get_extra_info("socket").setsockopt(
        socket.SOL_SOCKET, socket.SO_SNDBUF, 8192
    )
    # A burst delivered in one go while the client reads nothing: ~16 MB, more than the
    # socket buffers between us take, so writes must queue and the queue overflows.
    pad = "x" * 8000
    burst = [
        Outgoing(
            stream=STREAM_AGENTS,
            text=dumps({"id": 10**9 + i, "type": "x", "pad": pad}),
            event_id=10**9 + i,
        )
        for i in range(2000)
    ]
    hub.deliver(burst)
    assert not server_side.writable.is_set()  # the server's transport is full: writes queue
    frame = await sock.until(lambda f: f.get("type") == "resync", within=30)
    assert "id" not in frame
    received = [f["id"] for f in sock.frames if f.get("type") == "x"]
    assert 0 < len(received) < len(burst)
    assert received == sorted(received)  # in order, even around the writes that waited
    # Live delivery carries on after the resync.
    await visitor.say("after the burst")
    live = await sock.until(lambda f: f.get("type") == "message.created")
    assert live["data"]["message"]["text"] == "after the burst"
    await sock.close()


async def test_bad_hello_is_refused_with_an_error_frame(workspace: Workspace) -> None:
    sock = await Socket.open(f"{workspace.server.ws_url}/api/v1/ws", hello=False)
    await sock.send({"type": "hello", "last_event_id": "yesterday", "token": workspace.token})
    frame = await sock.next()
    assert frame["type"] == "error" and frame["code"] == "bad_frame"
    await sock.close()


async def test_socket_with_bad_token_is_closed_with_4401(workspace: Workspace) -> None:
    sock = await Socket.open(f"{workspace.server.ws_url}/api/v1/ws", token="nope")
    frame = await sock.next()
    assert frame == {"type": "error", "code": "unauthorized", "message": "Sign in first."}
    try:
        await sock.next()
    except websockets.ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 4401
    visitor_sock = await Socket.open(f"{workspace.server.ws_url}/api/v1/widget/ws", token="forged")
    assert (await visitor_sock.next())["code"] == "unauthorized"


async def test_ping_is_answered(workspace: Workspace) -> None:
    sock = await workspace.agent_socket()
    await sock.ready()
    await sock.send({"type": "ping"})
    assert (await sock.next()) == {"type": "pong"}
    await sock.close()


async def test_heartbeats_arrive_on_an_idle_socket(workspace: Workspace) -> None:
    workspace.server.settings.heartbeat_seconds = 0.2
    sock = await workspace.agent_socket()
    await sock.ready()
    frame = await sock.next()
    assert frame == {"type": "heartbeat"}
    await sock.close()
