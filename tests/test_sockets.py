"""What a socket costs and who may keep one: one task per idle socket, heartbeats from one
timer, catch-up written whole and in order, signed-out sessions cut off at once."""

from __future__ import annotations

import asyncio
from typing import Any

import websockets

from otklik.realtime import log
from otklik.realtime.hub import Hub
from otklik.realtime.protocol import STREAM_AGENTS, Outgoing
from otklik.realtime.wire import Message, Wire
from tests.support import Socket, Workspace


def _server_tasks() -> set[asyncio.Task[Any]]:
    """Tasks of this loop that are not the websockets client's own."""
    return {
        t
        for t in asyncio.all_tasks()
        if "site-packages/websockets/" not in t.get_coro().cr_code.co_filename  # type: ignore[union-attr]
    }


async def test_idle_sockets_cost_one_task_each_and_share_one_heartbeat_timer(
    workspace: Workspace,
) -> None:
    workspace.server.settings.heartbeat_seconds = 0.3
    before = _server_tasks()
    socks = [await workspace.agent_socket() for _ in range(5)]
    for sock in socks:
        await sock.ready()
    # Two heartbeat periods: every socket hears at least one heartbeat...
    for sock in socks:
        frame = await sock.next()
        assert frame == {"type": "heartbeat"}
    await asyncio.sleep(0.4)
    # ...while each socket is still served by exactly one task (the server's), and the
    # heartbeats came from one timer, not from a task per socket.
    added = [
        (t.get_coro().__qualname__, t.get_coro().cr_code.co_filename)  # type: ignore[union-attr]
        for t in _server_tasks() - before
    ]
    assert [name for name, _ in added].count("WebSocketsSansIOProtocol.run_asgi") == len(socks)
    per_socket = [
        name for name, where in added if "otklik/realtime" in where or name == "Queue.get"
    ]
    assert per_socket == [], added
    hub = workspace.server.app.state.realtime.hub
    assert hub.subscriber_count == len(socks)
    for sock in socks:
        await sock.close()


async def test_catch_up_of_many_events_is_complete_and_in_order(workspace: Workspace) -> None:
    db = workspace.server.app.state.db
    sock = await workspace.agent_socket()
    start = await sock.ready()
    await sock.close()
    count = 1200
    async with db.session(write=True) as session:
        for n in range(count):
            await log.append(session, stream=STREAM_AGENTS, type="test.tick", payload={"n": n})
    resumed = await workspace.agent_socket(last_event_id=start)
    ready = await resumed.ready()
    ticks = [f for f in resumed.events() if f["type"] == "test.tick"]
    assert [f["data"]["n"] for f in ticks] == list(range(count))
    ids = [f["id"] for f in resumed.events()]
    assert ids == sorted(set(ids)) and ids[0] > start and ready == ids[-1]
    # Live events follow the catch-up without a repeat.
    async with db.session(write=True) as session:
        await log.append(session, stream=STREAM_AGENTS, type="test.tick", payload={"n": count})
    live = await resumed.until(lambda f: f.get("type") == "test.tick")
    assert live["data"]["n"] == count and live["id"] > ready
    await resumed.close()


async def _closed_with(sock: Socket) -> int | None:
    try:
        while True:
            await sock.next()
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


async def test_a_signed_out_session_loses_its_sockets_and_cannot_open_more(
    workspace: Workspace,
) -> None:
    auth = workspace.server.app.state.socket_auth
    _, token = await workspace.agent("out@example.com")
    reads = auth.reads
    socks = [await workspace.agent_socket(token=token) for _ in range(3)]
    for sock in socks:
        await sock.ready()
    assert auth.reads == reads + 1  # one database read for three sockets of one session

    out = await workspace.api.post("/api/v1/auth/logout", headers=workspace.auth(token))
    assert out.status_code == 204, out.text
    for sock in socks:
        frame = await sock.until(lambda f: f.get("type") == "error")
        assert frame["code"] == "unauthorized"
        assert await _closed_with(sock) == 4401

    refused = await Socket.open(f"{workspace.server.ws_url}/api/v1/ws", token=token)
    assert (await refused.next())["code"] == "unauthorized"
    # Other sessions are untouched.
    admin = await workspace.agent_socket()
    await admin.ready()
    await admin.close()


async def test_deactivation_and_a_new_password_cut_the_agents_sockets(
    workspace: Workspace,
) -> None:
    for change in ({"active": False}, {"password": "a-brand-new-password"}):
        agent_id, token = await workspace.agent(f"cut{len(change)}{sorted(change)[0]}@example.com")
        sock = await workspace.agent_socket(token=token)
        await sock.ready()
        patched = await workspace.api.patch(
            f"/api/v1/agents/{agent_id}", headers=workspace.auth(), json=change
        )
        assert patched.status_code == 200, patched.text
        assert await _closed_with(sock) == 4401, change
        again = await Socket.open(f"{workspace.server.ws_url}/api/v1/ws", token=token)
        assert (await again.next())["code"] == "unauthorized", change


class SlowPeer:
    """An ASGI ``send`` that, like a server with a full transport, waits until writable."""

    def __init__(self) -> None:
        self.writable = asyncio.Event()
        self.writable.set()
        self.sent: list[str] = []

    async def send(self, message: Message) -> None:
        await self.writable.wait()
        self.sent.append(message.get("text") or message["type"])


def _frames(first: int, count: int) -> list[Outgoing]:
    return [Outgoing(stream="s", text=str(i), event_id=i) for i in range(first, first + count)]


async def test_writes_wait_in_order_behind_a_slow_peer_and_overflow_to_a_resync() -> None:
    peer = SlowPeer()
    hub = Hub(queue_size=3)
    overflowed: list[object] = []
    wire = Wire(peer.send)
    subscriber = hub.subscribe(["s"], wire, overflowed.append)
    subscriber.release(0)
    hub.deliver(_frames(1, 2))
    assert peer.sent == ["1", "2"]  # written at once, no task involved
    peer.writable.clear()
    hub.deliver(_frames(3, 3))  # 3 waits for the peer, 4 and 5 queue behind it
    assert wire.busy and wire.backlog == 2 and not overflowed
    peer.writable.set()
    await wire.drained()
    assert peer.sent == ["1", "2", "3", "4", "5"]
    assert not wire.busy

    peer.writable.clear()
    hub.deliver(_frames(6, 6))  # 6 waits; 7..10 overflow the queue of three
    assert overflowed == [subscriber] and subscriber.overflowed and not subscriber.live
    hub.deliver(_frames(12, 1))  # dropped: the resync will cover it
    peer.writable.set()
    await wire.drained()
    assert peer.sent[5:] == ["6"]
    subscriber.overflowed = False
    subscriber.release(20, first="resync")
    hub.deliver(_frames(19, 3))  # 19 and 20 are covered by the resync point
    assert peer.sent[6:] == ["resync", "21"]
    hub.unsubscribe(subscriber)
    wire.abort()
