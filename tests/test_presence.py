"""Presence follows the operators' sockets (issue 12, item 1): offline once the last socket
is gone for the grace period, away when idle, back when they return; the widgets hear it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from otklik.accounts import service as accounts
from otklik.accounts.models import Agent
from otklik.accounts.schemas import AgentCreate
from otklik.config import Settings
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.realtime import presence as presence_keeping
from tests.processes import start_server
from tests.support import HTTP_TIMEOUT, WAIT, LiveServer, Socket, Workspace

GRACE = 1.0


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    """The workspace's server with a short grace period and no idle timeout."""
    live = LiveServer(
        settings.model_copy(update={"presence_grace_seconds": GRACE, "presence_away_minutes": 0})
    )
    await live.start()
    yield live
    await live.stop()


async def eventually(check: Callable[[], Awaitable[bool]], within: float = WAIT) -> None:
    """Wait for a state (the sweep runs every third of the grace period)."""
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("the state was not reached in time")
        await asyncio.sleep(0.1)


async def status_of(api: httpx.AsyncClient, headers: dict[str, str], agent_id: int) -> str:
    agents = (await api.get("/api/v1/agents", headers=headers)).json()["items"]
    return str(next(a["status"] for a in agents if a["id"] == agent_id))


def online_frame(value: bool) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("type") == "agents_online" and f.get("online") is value


async def test_closed_socket_goes_offline_and_comes_back(workspace: Workspace) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    chosen = await workspace.api.put(
        "/api/v1/agents/me/status", headers=workspace.auth(anna), json={"status": "online"}
    )
    assert chosen.status_code == 200
    widget = await Socket.open(
        f"{workspace.server.ws_url}/api/v1/widget/ws?inbox_key={workspace.inbox_key}"
    )
    await widget.ready()
    config = await workspace.api.get(
        "/api/v1/widget/config", params={"inbox_key": workspace.inbox_key}
    )
    assert config.json()["agents_online"] is True

    sock = await workspace.agent_socket(token=anna)
    await sock.ready()
    await sock.send({"type": "activity"})  # the workspace says she is using it
    assert not [f for f in await sock.quiet(0.5) if f.get("type") == "error"]
    # With a socket open she stays online well past the grace period.
    assert not [f for f in await widget.quiet(3 * GRACE) if f.get("type") == "agents_online"]
    assert await status_of(workspace.api, workspace.auth(), anna_id) == "online"

    await sock.close()
    await widget.until(online_frame(False))
    assert await status_of(workspace.api, workspace.auth(), anna_id) == "offline"
    config = await workspace.api.get(
        "/api/v1/widget/config", params={"inbox_key": workspace.inbox_key}
    )
    assert config.json()["agents_online"] is False

    # She opens the workspace again: back to what she had chosen, and the widget hears it.
    again = await workspace.agent_socket(token=anna)
    await again.ready()
    await widget.until(online_frame(True))
    assert await status_of(workspace.api, workspace.auth(), anna_id) == "online"

    # Offline by her own choice: opening the workspace does not change that.
    await workspace.api.put(
        "/api/v1/agents/me/status", headers=workspace.auth(anna), json={"status": "offline"}
    )
    await widget.until(online_frame(False))
    await again.close()
    third = await workspace.agent_socket(token=anna)
    await third.ready()
    assert await status_of(workspace.api, workspace.auth(), anna_id) == "offline"
    await third.close()
    await widget.close()


async def test_widget_socket_without_visitor_hears_only_availability(
    workspace: Workspace,
) -> None:
    unknown = await Socket.open(f"{workspace.server.ws_url}/api/v1/widget/ws?inbox_key=nope")
    refused = await unknown.next()
    assert refused["type"] == "error" and refused["code"] == "unauthorized"
    widget = await Socket.open(
        f"{workspace.server.ws_url}/api/v1/widget/ws?inbox_key={workspace.inbox_key}"
    )
    await widget.ready()
    await widget.send({"type": "typing", "typing": True})
    said = await widget.until(lambda f: f.get("type") == "error")
    assert said["code"] == "unauthorized"
    # A visitor's own socket hears its inbox too.
    visitor = await workspace.visitor()
    own = await visitor.socket()
    await own.ready()
    await workspace.api.put(
        "/api/v1/agents/me/status", headers=workspace.auth(), json={"status": "online"}
    )
    await own.until(online_frame(True))
    await widget.until(online_frame(True))
    await own.close()
    await widget.close()


async def _agent(db: Database, email: str) -> int:
    async with db.session(write=True) as session:
        agent = await accounts.create_agent(
            session,
            data=AgentCreate(email=email, name="Борис", password="agent-password-1"),
            actor_id=None,
        )
        await accounts.set_status(session, agent=agent, status="online")
        return agent.id


async def _status(db: Database, agent_id: int) -> str:
    async with db.session(write=False) as session:
        return (await accounts.get_agent(session, agent_id)).status


async def test_idle_operator_is_away_until_active(db: Database) -> None:
    boris = await _agent(db, "boris@example.com")
    async with db.session(write=True) as session:
        long_ago = utcnow() - timedelta(minutes=30)
        await session.execute(update(Agent).where(Agent.id == boris).values(active_at=long_ago))
    async with db.session(write=True) as session:
        changed = await accounts.expire_presence(
            session, grace=timedelta(hours=1), idle=timedelta(minutes=10)
        )
    assert changed == [(boris, "away")]
    assert await _status(db, boris) == "away"
    # A socket opening is not activity; using the workspace is.
    async with db.session(write=True) as session:
        await accounts.agent_returned(session, agent_id=boris, active=False)
    assert await _status(db, boris) == "away"
    async with db.session(write=True) as session:
        await accounts.agent_returned(session, agent_id=boris, active=True)
    assert await _status(db, boris) == "online"
    # Away by their own choice stays away however active they are.
    async with db.session(write=True) as session:
        await accounts.set_status_of(session, agent_id=boris, status="away")
        await accounts.agent_returned(session, agent_id=boris, active=True)
    assert await _status(db, boris) == "away"


async def test_operator_gone_is_offline_once_whoever_sweeps(db: Database) -> None:
    boris = await _agent(db, "boris@example.com")
    async with db.session(write=True) as session:
        gone = utcnow() - timedelta(minutes=5)
        await session.execute(update(Agent).where(Agent.id == boris).values(seen_at=gone))
    async with db.session(write=True) as session:
        changed = await accounts.expire_presence(session, grace=timedelta(seconds=60), idle=None)
    assert changed == [(boris, "offline")]
    # A second sweep (another process, say) finds nothing left to do.
    async with db.session(write=True) as session:
        assert await accounts.expire_presence(session, grace=timedelta(seconds=60), idle=None) == []


async def _gone_offline(db: Database, agent_id: int) -> None:
    """The system takes their status: no socket vouched for them for five minutes."""
    async with db.session(write=True) as session:
        gone = utcnow() - timedelta(minutes=5)
        await session.execute(update(Agent).where(Agent.id == agent_id).values(seen_at=gone))
    async with db.session(write=True) as session:
        await accounts.expire_presence(session, grace=timedelta(seconds=60), idle=None)
    assert await _status(db, agent_id) == "offline"


async def test_a_wall_of_sockets_brings_its_operator_back_with_one_write(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A supervisor's wall of sockets, or every tab reconnecting after a restart, opens many
    sockets of one operator at once: they are brought back by one write, not one each (the
    writes queued ahead of the customers' messages). Once their last socket has closed, the
    next one writes again."""
    boris = await _agent(db, "boris@example.com")
    await _gone_offline(db, boris)
    writes = 0
    agent_returned = accounts.agent_returned

    async def counted(session: Any, *, agent_id: int, active: bool) -> None:
        nonlocal writes
        writes += 1
        await agent_returned(session, agent_id=agent_id, active=active)

    monkeypatch.setattr(presence_keeping.accounts, "agent_returned", counted)
    keeper = presence_keeping.PresenceKeeper(db, settings)
    for _ in range(50):
        keeper.opened(boris)
    await asyncio.gather(*(keeper.returned(boris) for _ in range(50)))
    assert await _status(db, boris) == "online"
    assert writes == 1
    await keeper.returned(boris)  # one more tab of the fifty
    assert writes == 1

    for _ in range(50):
        await keeper.closed(boris)
    await _gone_offline(db, boris)
    keeper.opened(boris)
    await keeper.returned(boris)
    assert await _status(db, boris) == "online"
    assert writes == 2


@pytest.mark.slow
async def test_presence_across_two_processes(settings: Settings, tmp_path: Path) -> None:
    """Anna's sockets on two processes: she stays online while either holds one, goes
    offline when both are gone (or the process holding the last one dies)."""
    if settings.is_sqlite:
        pytest.skip("several server processes need PostgreSQL (LISTEN/NOTIFY broker)")
    settings = settings.model_copy(update={"presence_grace_seconds": GRACE})
    db = Database(settings)
    try:
        async with db.session(write=True) as session:
            await accounts.create_agent(
                session,
                data=AgentCreate(
                    email="anna@example.com", name="Анна", password="agent-password-1"
                ),
                actor_id=None,
            )
    finally:
        await db.dispose()
    first = await start_server(settings, tmp_path, "a")
    second = await start_server(settings, tmp_path, "b")
    try:
        async with httpx.AsyncClient(base_url=first.url, timeout=HTTP_TIMEOUT) as a:
            login = await a.post(
                "/api/v1/auth/login",
                json={"email": "anna@example.com", "password": "agent-password-1"},
            )
            token = login.json()["token"]
            a.cookies.clear()
            headers = {"Authorization": f"Bearer {token}"}
            me = (
                await a.put("/api/v1/agents/me/status", headers=headers, json={"status": "online"})
            ).json()
            on_a = await Socket.open(f"{first.ws_url}/api/v1/ws", token=token)
            await on_a.ready()
            on_b = await Socket.open(f"{second.ws_url}/api/v1/ws", token=token)
            await on_b.ready()
            await on_a.close()
            # B vouches for her: she is still online after several grace periods (A's
            # sweeps see B's beats).
            await on_b.quiet(3 * GRACE)
            assert await status_of(a, headers, me["id"]) == "online"
            # B dies with her last socket: nobody vouches for her any more.
            second.kill()
            await eventually(lambda: _is(a, headers, me["id"], "offline"))
            # She comes back through A: online again.
            back = await Socket.open(f"{first.ws_url}/api/v1/ws", token=token)
            await back.ready()
            await eventually(lambda: _is(a, headers, me["id"], "online"))
            await back.close()
    finally:
        first.stop()
        second.stop()


async def _is(api: httpx.AsyncClient, headers: dict[str, str], agent_id: int, status: str) -> bool:
    return await status_of(api, headers, agent_id) == status
