"""The API channel: a bridge posts contacts, conversations and messages with the inbox key
and gets operators' replies on its webhook, signed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from otklik.channels.models import Inbox
from otklik.config import Settings
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.jobs.models import Job
from otklik.webhooks import signing
from tests.receivers import Answer, Receiver
from tests.support import Workspace

BASE = "/api/v1/channels/api"


@pytest.fixture(autouse=True)
def allow_test_receivers(settings: Settings) -> None:
    settings.webhook_allow_hosts = ["127.0.0.2/32"]


@pytest.fixture
async def bridge() -> AsyncIterator[Receiver]:
    live = Receiver("127.0.0.2")
    await live.start()
    yield live
    await live.stop()


async def api_inbox(ws: Workspace, config: dict[str, Any]) -> tuple[dict[str, Any], str]:
    response = await ws.api.post(
        "/api/v1/inboxes",
        headers=ws.auth(),
        json={"name": "WhatsApp bridge", "channel": "api", "config": config},
    )
    assert response.status_code == 201, response.text
    inbox: dict[str, Any] = response.json()
    key = await ws.api.get(f"{BASE}/inboxes/{inbox['id']}/key", headers=ws.auth())
    assert key.status_code == 200, key.text
    return inbox, str(key.json()["api_key"])


async def messages_of(ws: Workspace, conversation_id: int) -> list[dict[str, Any]]:
    response = await ws.api.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=ws.auth()
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def delivered(ws: Workspace, conversation_id: int, message_id: int) -> dict[str, Any]:
    for _ in range(100):
        for message in await messages_of(ws, conversation_id):
            if message["id"] == message_id and message["delivery_status"] != "pending":
                return message
        await asyncio.sleep(0.05)
    raise AssertionError("the reply was not delivered")


async def test_inbox_key_is_generated_sealed_and_revealed_to_admins(
    workspace: Workspace, db: Database
) -> None:
    inbox, key = await api_inbox(workspace, {})
    assert inbox["config"]["api_key"] == "********" and inbox["config"]["webhook_url"] is None
    assert key.startswith("otk_") and len(key) > 40
    async with db.session(write=False) as session:
        stored = await session.get_one(Inbox, inbox["id"])
    assert stored.channel_config["api_key"].startswith("enc:") and key not in str(
        stored.channel_config
    )
    # Changing the webhook keeps the key; the admin can also set a key of their own.
    patched = await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        headers=workspace.auth(),
        json={"config": {"webhook_url": "https://bridge.example/otklik"}},
    )
    assert patched.status_code == 200, patched.text
    again = await workspace.api.get(f"{BASE}/inboxes/{inbox['id']}/key", headers=workspace.auth())
    assert again.json()["api_key"] == key
    mine = "otk_my-own-key-0123456789abcdef"
    await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        headers=workspace.auth(),
        json={"config": {"api_key": mine}},
    )
    old = await workspace.api.post(
        f"{BASE}/contacts", headers={"X-Otklik-Inbox-Key": key}, json={"sender_id": "1"}
    )
    assert old.status_code == 401
    new = await workspace.api.post(
        f"{BASE}/contacts", headers={"X-Otklik-Inbox-Key": mine}, json={"sender_id": "1"}
    )
    assert new.status_code == 201, new.text
    for config in ({"webhook_url": "ftp://x.example/"}, {"api_key": "short"}, {"other": 1}):
        bad = await workspace.api.post(
            "/api/v1/inboxes",
            headers=workspace.auth(),
            json={"name": "Bad", "channel": "api", "config": config},
        )
        assert bad.status_code == 422, (config, bad.text)
    _, agent_token = await workspace.agent("agent@example.com")
    hidden = await workspace.api.get(
        f"{BASE}/inboxes/{inbox['id']}/key", headers=workspace.auth(agent_token)
    )
    assert hidden.status_code == 403
    widget = await workspace.api.get(
        f"{BASE}/inboxes/{workspace.inbox_id}/key", headers=workspace.auth()
    )
    assert widget.status_code == 404


async def test_bridge_creates_contacts_conversations_and_messages(workspace: Workspace) -> None:
    inbox, key = await api_inbox(workspace, {})
    headers = {"X-Otklik-Inbox-Key": key}
    for wrong in ({}, {"X-Otklik-Inbox-Key": "otk_wrong"}, {"X-Otklik-Inbox-Key": ""}):
        refused = await workspace.api.post(
            f"{BASE}/messages",
            headers=wrong,
            json={"external_id": "w1", "sender_id": "79990001122", "text": "hi"},
        )
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"

    contact = await workspace.api.post(
        f"{BASE}/contacts", headers=headers, json={"sender_id": "79990001122", "name": "Анна"}
    )
    assert contact.status_code == 201, contact.text
    renamed = await workspace.api.post(
        f"{BASE}/contacts",
        headers=headers,
        json={"sender_id": "79990001122", "name": "Anna K.", "email": "anna@example.com"},
    )
    assert renamed.status_code == 200
    assert renamed.json()["contact_id"] == contact.json()["contact_id"]
    assert renamed.json()["name"] == "Anna K." and renamed.json()["email"] == "anna@example.com"

    sock = await workspace.agent_socket()
    await sock.ready()
    body = {
        "external_id": "wamid.1",
        "sender_id": "79990001122",
        "text": "Где мой заказ?",
        "data": {"wa_phone": "+7 999 000-11-22"},
    }
    first = await workspace.api.post(f"{BASE}/messages", headers=headers, json=body)
    assert first.status_code == 201, first.text
    posted = first.json()
    assert posted["created"] is True and posted["contact_id"] == contact.json()["contact_id"]
    repeat = await workspace.api.post(f"{BASE}/messages", headers=headers, json=body)
    assert repeat.status_code == 200
    assert repeat.json() == {**posted, "created": False}
    created = await sock.until(lambda f: f.get("type") == "conversation.created")
    assert created["data"]["conversation"]["channel"] == "api"
    assert created["data"]["conversation"]["inbox_id"] == inbox["id"]
    await sock.close()

    follow = await workspace.api.post(
        f"{BASE}/messages",
        headers=headers,
        json={
            "external_id": "wamid.2",
            "sender_id": "79990001122",
            "text": "Ау?",
            "conversation_id": posted["conversation_id"],
        },
    )
    assert follow.status_code == 201
    assert follow.json()["conversation_id"] == posted["conversation_id"]
    fresh = await workspace.api.post(
        f"{BASE}/conversations",
        headers=headers,
        json={"external_id": "wamid.3", "sender_id": "79990001122", "text": "New question"},
    )
    assert fresh.status_code == 201
    assert fresh.json()["conversation_id"] != posted["conversation_id"]
    texts = [m["text"] for m in await messages_of(workspace, posted["conversation_id"])]
    assert texts == ["Где мой заказ?", "Ау?"]

    # Another customer's conversation (or another inbox's) is not reachable.
    stranger = await workspace.api.post(
        f"{BASE}/messages",
        headers=headers,
        json={
            "external_id": "x1",
            "sender_id": "someone-else",
            "text": "hi",
            "conversation_id": posted["conversation_id"],
        },
    )
    assert stranger.status_code == 404
    invalid = await workspace.api.post(
        f"{BASE}/messages", headers=headers, json={"external_id": "x2", "sender_id": "1"}
    )
    assert invalid.status_code == 422
    big = await workspace.api.post(
        f"{BASE}/messages",
        headers=headers,
        json={"external_id": "x3", "sender_id": "1", "text": "hi", "data": {"k": "v" * 9000}},
    )
    assert big.status_code == 422


async def test_replies_reach_the_bridge_signed(
    workspace: Workspace, bridge: Receiver, db: Database
) -> None:
    inbox, key = await api_inbox(workspace, {"webhook_url": f"{bridge.url}/otklik"})
    headers = {"X-Otklik-Inbox-Key": key}
    posted = await workspace.api.post(
        f"{BASE}/messages",
        headers=headers,
        json={"external_id": "vk-1", "sender_id": "id100", "sender_name": "Ivan", "text": "hi"},
    )
    conversation_id = posted.json()["conversation_id"]
    bridge.script = [Answer(200, json.dumps({"external_id": "vk-out-77"}))]
    reply = await workspace.reply(conversation_id, "Hello Ivan, on its way")
    assert reply["delivery_status"] == "pending"
    sent = await delivered(workspace, conversation_id, reply["id"])
    assert sent["delivery_status"] == "sent", sent
    (request,) = bridge.requests
    assert request.path == "/otklik" and request.headers["x-otklik-event"] == "message.reply"
    assert signing.verify(
        key,
        timestamp=request.headers["x-otklik-timestamp"],
        signature=request.headers["x-otklik-signature"],
        body=request.body,
    )
    document = json.loads(request.body)
    assert document["message"]["text"] == "Hello Ivan, on its way"
    assert document["message"]["conversation_id"] == conversation_id
    assert document["recipient"] == {"sender_id": "id100", "name": "Ivan", "email": None}

    # The bridge refuses: a permanent failure, shown on the message.
    bridge.script = [Answer(400, "unknown chat")]
    refused = await workspace.reply(conversation_id, "second")
    failed = await delivered(workspace, conversation_id, refused["id"])
    assert failed["delivery_status"] == "failed"
    assert failed["delivery_error"] == "The bridge refused the reply: 400 unknown chat"

    # Rate limited: the job waits the bridge's Retry-After.
    bridge.script = [Answer(429, "later", {"Retry-After": "90"})]
    await workspace.reply(conversation_id, "third")
    for _ in range(100):
        async with db.session(write=False) as session:
            jobs = list(
                await session.scalars(
                    select(Job).where(Job.name == "channels.deliver").order_by(Job.id)
                )
            )
        if len(jobs) == 3 and jobs[2].attempts == 1 and jobs[2].state == "queued":
            break
        await asyncio.sleep(0.05)
    assert jobs[2].state == "queued" and (jobs[2].run_at - utcnow()).total_seconds() > 60

    # A webhook pointing inside is refused, not called.
    await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        headers=workspace.auth(),
        json={"config": {"webhook_url": "http://127.0.0.1:9/otklik"}},
    )
    inside = await workspace.reply(conversation_id, "fourth")
    blocked = await delivered(workspace, conversation_id, inside["id"])
    assert blocked["delivery_status"] == "failed"
    assert blocked["delivery_error"].startswith("Refused: 127.0.0.1 resolves to 127.0.0.1")
    await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        headers=workspace.auth(),
        json={"config": {"webhook_url": None}},
    )
    nowhere = await workspace.reply(conversation_id, "fifth")
    unset = await delivered(workspace, conversation_id, nowhere["id"])
    assert unset["delivery_error"] == "This API inbox has no webhook_url to deliver replies to."


async def test_a_failed_reply_is_sent_again_on_request(
    workspace: Workspace, bridge: Receiver
) -> None:
    inbox, key = await api_inbox(workspace, {})
    posted = await workspace.api.post(
        f"{BASE}/messages",
        headers={"X-Otklik-Inbox-Key": key},
        json={"external_id": "tg-9", "sender_id": "u9", "text": "where is my parcel?"},
    )
    conversation_id = posted.json()["conversation_id"]
    agent_sock = await workspace.agent_socket()
    await agent_sock.ready()
    reply = await workspace.reply(conversation_id, "It left the warehouse today")
    failed = await delivered(workspace, conversation_id, reply["id"])
    assert failed["delivery_status"] == "failed"
    retry_url = f"/api/v1/conversations/{conversation_id}/messages/{reply['id']}/retry"

    # The admin connects the bridge; the operator sends the reply again.
    await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        headers=workspace.auth(),
        json={"config": {"webhook_url": f"{bridge.url}/hook"}},
    )
    again = await workspace.api.post(retry_url, headers=workspace.auth())
    assert again.status_code == 200, again.text
    assert again.json()["delivery_status"] == "pending"
    assert again.json()["delivery_error"] is None
    sent = await delivered(workspace, conversation_id, reply["id"])
    assert sent["delivery_status"] == "sent"
    (request,) = bridge.requests
    assert json.loads(request.body)["message"]["text"] == "It left the warehouse today"

    def updates() -> list[str]:
        return [
            f["data"]["message"]["delivery_status"]
            for f in agent_sock.frames
            if f.get("type") == "message.updated" and f["data"]["message"]["id"] == reply["id"]
        ]

    while len(updates()) < 3:
        await agent_sock.until(lambda f: f.get("type") == "message.updated")
    assert updates() == ["failed", "pending", "sent"]

    # Only a failed reply can be retried: a sent one, a visitor's, or one elsewhere cannot.
    twice = await workspace.api.post(retry_url, headers=workspace.auth())
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "not_failed"
    customer = (await messages_of(workspace, conversation_id))[0]
    theirs = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/messages/{customer['id']}/retry",
        headers=workspace.auth(),
    )
    assert theirs.status_code == 409
    elsewhere = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id + 1000}/messages/{reply['id']}/retry",
        headers=workspace.auth(),
    )
    assert elsewhere.status_code == 404
    assert len(bridge.requests) == 1
    await agent_sock.close()
