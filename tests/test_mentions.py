"""@mentions in private notes: the mentioned operator hears of it live, finds it in their
list after a reload, marks it read; nobody reads mentions of conversations they may not see."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from otklik.conversations.mentions import find_mentioned
from otklik.conversations.models import Mention
from otklik.core.db import Database
from tests.support import Workspace, new_id

PEOPLE = [(1, "Анна"), (2, "Анна Петрова"), (3, "Boris Ivanov"), (4, "Ян")]


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("@Анна Петрова, посмотри", [2]),  # the longest name that fits
        ("@анна, и @boris ivanov!", [1, 3]),  # any case
        ("@Анна @Анна", [1]),  # once each
        ("write to anna@Анна.ru", []),  # an address mentions nobody
        ("@Янина", []),  # a name ends where a word ends
        ("(@Ян)", [4]),
        ("no mention", []),
    ],
)
def test_who_a_note_mentions(text: str, ids: list[int]) -> None:
    assert find_mentioned(text, PEOPLE) == ids


async def _note(ws: Workspace, conversation_id: int, text: str, token: str | None = None) -> None:
    response = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        headers=ws.auth(token),
        json={"client_msg_id": new_id(), "text": text, "private": True},
    )
    assert response.status_code == 201, response.text


async def _mentions(ws: Workspace, token: str, **params: Any) -> dict[str, Any]:
    response = await ws.api.get("/api/v1/mentions", headers=ws.auth(token), params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_mention_is_heard_live_listed_and_read(workspace: Workspace) -> None:
    ws = workspace
    anna_id, anna_token = await ws.agent("anna@example.com", name="Анна Петрова")
    _, boris_token = await ws.agent("boris@example.com", name="Boris")
    conversation_id = int((await (await ws.visitor("Клиент")).say("помогите"))["conversation_id"])
    anna_socket = await ws.agent_socket(token=anna_token)
    await anna_socket.ready()

    await _note(ws, conversation_id, "@Анна Петрова, глянь счёт. @Boris тоже.")
    frame = await anna_socket.until(
        lambda f: f.get("type") == "mention.created" and f["data"]["mention"]["agent_id"] == anna_id
    )
    mention = frame["data"]["mention"]
    assert mention["conversation_id"] == conversation_id
    assert mention["message"]["text"].startswith("@Анна Петрова") and mention["read_at"] is None
    await anna_socket.close()

    # A reply (not a note) and an address mention nobody.
    response = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        headers=ws.auth(),
        json={"client_msg_id": new_id(), "text": "@Анна Петрова hi", "private": False},
    )
    assert response.status_code == 201
    await _note(ws, conversation_id, "mail anna@Анна Петрова")

    listed = await _mentions(ws, anna_token)
    assert [m["id"] for m in listed["items"]] == [mention["id"]] and listed["unread"] == 1
    assert (await _mentions(ws, boris_token))["unread"] == 1
    assert (await _mentions(ws, ws.token))["items"] == []  # the author mentioned nobody else

    read = await ws.api.post(f"/api/v1/mentions/{mention['id']}/read", headers=ws.auth(anna_token))
    assert read.status_code == 200 and read.json() == {"unread": 0}
    after = await _mentions(ws, anna_token)
    assert after["unread"] == 0 and after["items"][0]["read_at"] is not None
    assert (await _mentions(ws, anna_token, unread="true"))["items"] == []
    # Someone else's mention is not theirs to mark: 404, like one that does not exist.
    theirs = await ws.api.post(
        f"/api/v1/mentions/{mention['id']}/read", headers=ws.auth(boris_token)
    )
    assert theirs.status_code == 404
    everything = await ws.api.post("/api/v1/mentions/read", headers=ws.auth(boris_token), json={})
    assert everything.json() == {"unread": 0}
    bad = await ws.api.post(
        "/api/v1/mentions/read", headers=ws.auth(boris_token), json={"ids": [0]}
    )
    assert bad.status_code == 422


async def test_mentions_of_a_conversation_out_of_scope_are_not_readable(
    workspace: Workspace, db: Database
) -> None:
    ws = workspace
    agent_id, agent_token = await ws.agent("vera@example.com", name="Вера")
    response = await ws.api.post(
        "/api/v1/inboxes", headers=ws.auth(), json={"name": "VIP", "channel": "widget"}
    )
    assert response.status_code == 201, response.text
    vip_id, vip_key = int(response.json()["id"]), str(response.json()["public_key"])
    response = await ws.api.put(
        f"/api/v1/inboxes/{vip_id}/members", headers=ws.auth(), json={"agent_ids": [ws.admin_id]}
    )
    assert response.status_code == 200, response.text
    hidden = int((await (await ws.visitor("VIP", inbox_key=vip_key)).say("hi"))["conversation_id"])
    seen = int((await (await ws.visitor("Обычный")).say("hi"))["conversation_id"])
    socket = await ws.agent_socket(token=agent_token)
    await socket.ready()

    await _note(ws, hidden, "@Вера, секретный клиент")
    await _note(ws, seen, "@Вера, обычный клиент")
    await socket.until(
        lambda f: (
            f.get("type") == "mention.created" and f["data"]["mention"]["conversation_id"] == seen
        )
    )
    heard = [f for f in socket.events() if f.get("type") == "mention.created"]
    assert [f["data"]["mention"]["conversation_id"] for f in heard] == [seen]
    await socket.close()

    listed = await _mentions(ws, agent_token)
    assert [m["conversation_id"] for m in listed["items"]] == [seen] and listed["unread"] == 1
    # The hidden one exists but is not hers to read.
    admin_view = await ws.api.get("/api/v1/mentions", headers=ws.auth())
    assert admin_view.json()["items"] == []  # the admin was not mentioned
    hidden_ids = await _mention_ids(db, agent_id)
    hidden_ids.remove(listed["items"][0]["id"])
    assert len(hidden_ids) == 1
    refused = await ws.api.post(
        f"/api/v1/mentions/{hidden_ids[0]}/read", headers=ws.auth(agent_token)
    )
    assert refused.status_code == 404
    assert (await _mentions(ws, agent_token))["unread"] == 1  # nothing was marked

    # Once Vera may see the VIP inbox, the mention is hers to read.
    response = await ws.api.put(
        f"/api/v1/inboxes/{vip_id}/members",
        headers=ws.auth(),
        json={"agent_ids": [ws.admin_id, agent_id]},
    )
    assert response.status_code == 200
    assert {m["conversation_id"] for m in (await _mentions(ws, agent_token))["items"]} == {
        seen,
        hidden,
    }


async def _mention_ids(db: Database, agent_id: int) -> list[int]:
    """Every mention of the operator, readable by them or not (straight from the table)."""
    async with db.session(write=False) as session:
        rows = await session.scalars(select(Mention.id).where(Mention.agent_id == agent_id))
        return sorted(rows)
