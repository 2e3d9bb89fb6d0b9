"""The channel plugin interface: inbound messages, delivery as a job, secrets at rest."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from otklik.channels import base
from otklik.channels.base import DeliveryError, DeliveryResult, InboundMessage, OutboundMessage
from otklik.channels.inbound import receive
from otklik.channels.models import Inbox
from otklik.core.db import Database
from otklik.jobs.models import Job
from tests.support import Workspace


class RelayConfig(BaseModel):
    endpoint: str
    token: str


class Relay:
    """A channel that records what it would send (a stand-in for a real bridge)."""

    name = "test-relay"
    config_model = RelayConfig
    secret_fields = frozenset({"token"})

    def __init__(self) -> None:
        self.sent: list[OutboundMessage] = []
        self.failures_left = 0

    async def send(self, message: OutboundMessage) -> DeliveryResult:
        if "bounce" in message.text:
            raise DeliveryError("recipient unknown")
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("relay unreachable")
        self.sent.append(message)
        return DeliveryResult(
            external_id=f"relay-{len(self.sent)}", channel_data={"n": len(self.sent)}
        )

    def routers(self) -> list[APIRouter]:
        return []


relay = base.register(Relay())


async def relay_inbox(ws: Workspace) -> dict[str, Any]:
    response = await ws.api.post(
        "/api/v1/inboxes",
        headers=ws.auth(),
        json={
            "name": "Relay",
            "channel": "test-relay",
            "config": {"endpoint": "https://relay.example/send", "token": "s3cret-token"},
        },
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def wait_for_job(db: Database, done: Callable[[Job], bool]) -> Job:
    """The delivery job, once ``done`` holds (the server's runner polls every 0.1 s)."""
    for _ in range(100):
        async with db.session(write=False) as session:
            job = await session.scalar(select(Job).where(Job.name == "channels.deliver"))
        if job is not None and done(job):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("the delivery job did not get there")


async def test_channel_secrets_are_sealed_and_masked(workspace: Workspace) -> None:
    inbox = await relay_inbox(workspace)
    assert inbox["config"] == {"endpoint": "https://relay.example/send", "token": "********"}
    db: Database = workspace.server.app.state.db
    async with db.session(write=False) as session:
        stored = await session.get(Inbox, inbox["id"])
        assert stored is not None
        assert stored.channel_config["token"].startswith("enc:")
        assert "s3cret-token" not in str(stored.channel_config)
    # Changing another key keeps the secret; a bad config is a 422.
    patched = await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        headers=workspace.auth(),
        json={"config": {"endpoint": "https://relay.example/v2", "token": "********"}},
    )
    assert patched.status_code == 200
    bad = await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}", headers=workspace.auth(), json={"config": {"endpoint": 5}}
    )
    assert bad.status_code == 422
    unknown = await workspace.api.post(
        "/api/v1/inboxes", headers=workspace.auth(), json={"name": "X", "channel": "carrier-pigeon"}
    )
    assert unknown.status_code == 422


async def test_inbound_messages_thread_and_deduplicate(workspace: Workspace) -> None:
    inbox = await relay_inbox(workspace)
    db: Database = workspace.server.app.state.db
    sock = await workspace.agent_socket()
    await sock.ready()
    message = InboundMessage(
        external_id="m-1", sender_id="user-42", sender_name="Pavel", text="Hello from the relay"
    )
    async with db.session(write=True) as session:
        stored_inbox = await session.get_one(Inbox, inbox["id"])
        first = await receive(session, inbox=stored_inbox, message=message, max_chars=10_000)
        again = await receive(session, inbox=stored_inbox, message=message, max_chars=10_000)
        follow = await receive(
            session,
            inbox=stored_inbox,
            message=InboundMessage(external_id="m-2", sender_id="user-42", text="me again"),
            max_chars=10_000,
        )
    assert first.created and not again.created
    assert again.message.id == first.message.id
    assert follow.message.conversation_id == first.message.conversation_id
    created = await sock.until(lambda f: f.get("type") == "message.created")
    assert created["data"]["conversation"]["channel"] == "test-relay"
    assert created["data"]["conversation"]["contact"]["name"] == "Pavel"
    await sock.close()


async def test_replies_are_delivered_by_a_job_with_status_and_retries(
    workspace: Workspace,
) -> None:
    inbox = await relay_inbox(workspace)
    db: Database = workspace.server.app.state.db
    async with db.session(write=True) as session:
        stored_inbox = await session.get_one(Inbox, inbox["id"])
        posted = await receive(
            session,
            inbox=stored_inbox,
            message=InboundMessage(external_id="in-1", sender_id="user-7", text="Where is it?"),
            max_chars=10_000,
        )
    conversation_id = posted.message.conversation_id
    sock = await workspace.agent_socket()
    await sock.ready()
    relay.sent.clear()
    relay.failures_left = 1
    reply = await workspace.reply(conversation_id, "On its way!")
    assert reply["delivery_status"] == "pending"
    # The server's own job runner makes the first attempt: the relay is down.
    job = await wait_for_job(db, lambda j: j.attempts == 1 and j.state == "queued")
    assert job.last_error == "ConnectionError: relay unreachable"
    assert relay.sent == []
    async with db.session(write=True) as session:
        stored = await session.get_one(Job, job.id)
        stored.run_at = stored.created_at  # skip the back-off in a test
    await wait_for_job(db, lambda j: j.state == "done")
    (sent,) = relay.sent
    assert sent.text == "On its way!" and sent.recipient_id == "user-7"
    assert sent.config == {"endpoint": "https://relay.example/send", "token": "s3cret-token"}
    updated = await sock.until(
        lambda f: (
            f.get("type") == "message.updated" and f["data"]["message"]["delivery_status"] == "sent"
        )
    )
    assert updated["data"]["message"]["id"] == reply["id"]

    bounced = await workspace.reply(conversation_id, "this will bounce")
    failed = await sock.until(
        lambda f: f.get("type") == "message.updated" and f["data"]["message"]["id"] == bounced["id"]
    )
    assert failed["data"]["message"]["delivery_status"] == "failed"
    assert failed["data"]["message"]["delivery_error"] == "recipient unknown"
    note = await workspace.reply(conversation_id, "internal", private=True)
    assert note["delivery_status"] is None  # notes never leave Otklik
    await asyncio.sleep(0)
    await sock.close()
