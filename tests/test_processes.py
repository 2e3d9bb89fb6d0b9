"""Real server processes: two workers sharing PostgreSQL, and a crash mid-traffic."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from otklik.accounts import service as accounts
from otklik.accounts.schemas import AgentCreate
from otklik.channels import service as inboxes
from otklik.channels.schemas import InboxCreate
from otklik.config import Settings
from otklik.core.db import Database
from tests.processes import start_server
from tests.support import ADMIN_EMAIL, ADMIN_PASSWORD, HTTP_TIMEOUT, Socket, new_id

pytestmark = pytest.mark.slow


async def seed(settings: Settings) -> str:
    """An admin and a widget inbox; returns the inbox key."""
    db = Database(settings)
    try:
        async with db.session(write=True) as session:
            await accounts.create_agent(
                session,
                data=AgentCreate(
                    email=ADMIN_EMAIL, name="Admin", password=ADMIN_PASSWORD, role="admin"
                ),
                actor_id=None,
            )
            inbox = await inboxes.create_inbox(
                session, data=InboxCreate(name="Site", channel="widget"), actor_id=None
            )
            return inbox.public_key
    finally:
        await db.dispose()


async def login(base_url: str) -> str:
    async with httpx.AsyncClient(base_url=base_url, timeout=HTTP_TIMEOUT) as client:
        response = await client.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        token: str = response.json()["token"]
        return token


async def test_two_processes_on_postgres_deliver_each_others_events(
    settings: Settings, tmp_path: Path
) -> None:
    if settings.is_sqlite:
        pytest.skip("several server processes need PostgreSQL (LISTEN/NOTIFY broker)")
    inbox_key = await seed(settings)
    first = await start_server(settings, tmp_path, "a")
    second = await start_server(settings, tmp_path, "b")
    try:
        token = await login(first.url)
        agent_sock = await Socket.open(f"{first.ws_url}/api/v1/ws", token=token)
        await agent_sock.ready()
        async with httpx.AsyncClient(base_url=second.url, timeout=HTTP_TIMEOUT) as via_b:
            session = (
                await via_b.post("/api/v1/widget/sessions", json={"inbox_key": inbox_key})
            ).json()
            visitor_sock = await Socket.open(
                f"{second.ws_url}/api/v1/widget/ws", token=session["visitor_token"]
            )
            await visitor_sock.ready()
            sent = await via_b.post(
                "/api/v1/widget/messages",
                headers={"Authorization": f"Bearer {session['visitor_token']}"},
                json={"client_msg_id": "x1", "text": "written via process B"},
            )
            assert sent.status_code == 201
        heard = await agent_sock.until(lambda f: f.get("type") == "message.created")
        assert heard["data"]["message"]["text"] == "written via process B"

        async with httpx.AsyncClient(base_url=first.url, timeout=HTTP_TIMEOUT) as via_a:
            conversation_id = sent.json()["conversation_id"]
            reply = await via_a.post(
                f"/api/v1/conversations/{conversation_id}/messages",
                headers={"Authorization": f"Bearer {token}"},
                json={"client_msg_id": "r1", "text": "answered via process A " + "ж" * 5000},
            )
            assert reply.status_code == 201
        got = await visitor_sock.until(
            lambda f: (
                f.get("type") == "message.created"
                and f["data"]["message"]["author_type"] == "agent"
            )
        )
        # Over NOTIFY's 8000-byte limit: travels as a reference and is loaded by the listener.
        assert got["data"]["message"]["text"].startswith("answered via process A")

        await agent_sock.send({"type": "typing", "conversation_id": conversation_id})
        typing = await visitor_sock.until(lambda f: f.get("type") == "typing")
        assert typing["author_type"] == "agent"
        await agent_sock.close()
        await visitor_sock.close()
    finally:
        first.stop()
        second.stop()


async def test_sigkill_loses_no_acknowledged_message(settings: Settings, tmp_path: Path) -> None:
    inbox_key = await seed(settings)
    server = await start_server(settings, tmp_path, "victim")
    acknowledged: dict[str, set[str]] = {}
    tokens: list[str] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
        for _ in range(6):
            session = (
                await client.post("/api/v1/widget/sessions", json={"inbox_key": inbox_key})
            ).json()
            tokens.append(session["visitor_token"])
            acknowledged[session["visitor_token"]] = set()

        async def keep_sending(token: str) -> None:
            while True:
                client_msg_id = new_id()
                try:
                    response = await client.post(
                        "/api/v1/widget/messages",
                        headers={"Authorization": f"Bearer {token}"},
                        json={"client_msg_id": client_msg_id, "text": f"msg {client_msg_id}"},
                    )
                except httpx.TransportError:
                    return  # the server is gone; this send was never acknowledged
                if response.status_code in (200, 201):
                    acknowledged[token].add(client_msg_id)

        senders = [asyncio.create_task(keep_sending(t)) for t in tokens]
        # Kill mid-traffic: once the senders are well going (slow machines take longer).
        for _ in range(300):
            if sum(len(ids) for ids in acknowledged.values()) > 40:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        server.kill()
        for task in senders:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)

    total = sum(len(ids) for ids in acknowledged.values())
    assert total > 20, "the senders should have got well going before the kill"
    restarted = await start_server(settings, tmp_path, "restarted")
    try:
        async with httpx.AsyncClient(base_url=restarted.url, timeout=HTTP_TIMEOUT) as client:
            for token, ids in acknowledged.items():
                stored = (
                    await client.get(
                        "/api/v1/widget/messages", headers={"Authorization": f"Bearer {token}"}
                    )
                ).json()["items"]
                stored_ids = [m["client_msg_id"] for m in stored]
                assert ids <= set(stored_ids), "an acknowledged message was lost"
                assert len(stored_ids) == len(set(stored_ids)), "a message was stored twice"
    finally:
        restarted.stop()
