"""Old state + the events since == a fresh fetch (the contract every client relies on)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support import Workspace

STATUSES = ("open", "pending", "snoozed", "resolved")


async def fetch_state(ws: Workspace) -> tuple[dict[int, dict[str, Any]], dict[int, list[int]]]:
    conversations: dict[int, dict[str, Any]] = {}
    for status in STATUSES:
        cursor = None
        while True:
            params: dict[str, Any] = {"status": status, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = (
                await ws.api.get("/api/v1/conversations", headers=ws.auth(), params=params)
            ).json()
            conversations.update({c["id"]: c for c in page["items"]})
            cursor = page["next_cursor"]
            if not cursor:
                break
    messages = {}
    for conversation_id in conversations:
        page = (
            await ws.api.get(
                f"/api/v1/conversations/{conversation_id}/messages",
                headers=ws.auth(),
                params={"limit": 200},
            )
        ).json()
        messages[conversation_id] = [m["id"] for m in page["items"]]
    return conversations, messages


async def test_old_state_plus_events_equals_fresh_fetch(workspace: Workspace) -> None:
    agent_id, _ = await workspace.agent("second@example.com")
    alice = await workspace.visitor("Alice")
    first = await alice.say("before the snapshot")

    sock = await workspace.agent_socket()
    await sock.ready()
    conversations, messages = await fetch_state(workspace)

    bob = await workspace.visitor("Bob")
    bob_first = await bob.say("new conversation after the snapshot")
    await alice.say("alice again")
    await workspace.reply(first["conversation_id"], "reply to alice")
    await workspace.reply(first["conversation_id"], "a note", private=True)
    await workspace.api.post(
        f"/api/v1/conversations/{bob_first['conversation_id']}/assign",
        headers=workspace.auth(),
        json={"agent_id": agent_id},
    )
    await workspace.api.post(
        f"/api/v1/conversations/{bob_first['conversation_id']}/read", headers=workspace.auth()
    )
    until = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    await workspace.api.post(
        f"/api/v1/conversations/{first['conversation_id']}/status",
        headers=workspace.auth(),
        json={"status": "snoozed", "snooze_until": until},
    )
    await asyncio.gather(bob.say("bob 2"), alice.say("alice wakes it up"))
    await workspace.api.post(
        f"/api/v1/conversations/{bob_first['conversation_id']}/status",
        headers=workspace.auth(),
        json={"status": "resolved"},
    )
    marker = await (await workspace.visitor("Marker")).say("marker")
    await sock.until(
        lambda f: f.get("type") == "message.created" and f["data"]["message"]["id"] == marker["id"]
    )

    for event in sock.events():
        data = event["data"]
        if "conversation" in data:
            conversations[data["conversation"]["id"]] = data["conversation"]
        if event["type"] == "message.created":
            ids = messages.setdefault(data["message"]["conversation_id"], [])
            if data["message"]["id"] not in ids:
                ids.append(data["message"]["id"])

    fresh_conversations, fresh_messages = await fetch_state(workspace)
    assert conversations == fresh_conversations
    assert messages == fresh_messages
    await sock.close()
