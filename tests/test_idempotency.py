"""A retried send never makes a duplicate, even when the retries race each other."""

from __future__ import annotations

import asyncio

from tests.support import Workspace


async def test_visitor_retries_in_parallel_store_one_message(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    body = {"client_msg_id": "same-id", "text": "hello once"}
    responses = await asyncio.gather(
        *(
            workspace.api.post("/api/v1/widget/messages", headers=visitor.headers, json=body)
            for _ in range(8)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert [m["text"] for m in await visitor.messages()] == ["hello once"]


async def test_first_messages_racing_open_one_conversation(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    sent = await asyncio.gather(*(visitor.say(f"part {i}") for i in range(6)))
    assert len({m["conversation_id"] for m in sent}) == 1
    listed = await workspace.api.get("/api/v1/conversations", headers=workspace.auth())
    assert listed.json()["counts"]["all"] == 1


async def test_operator_retries_in_parallel_store_one_message(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    conversation_id = (await visitor.say("hi"))["conversation_id"]
    url = f"/api/v1/conversations/{conversation_id}/messages"
    body = {"client_msg_id": "op-1", "text": "Hello!"}
    responses = await asyncio.gather(
        *(workspace.api.post(url, headers=workspace.auth(), json=body) for _ in range(8))
    )
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    page = (await workspace.api.get(url, headers=workspace.auth())).json()
    assert [m["text"] for m in page["items"]] == ["hi", "Hello!"]


async def test_repeat_sends_one_event(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    sock = await workspace.agent_socket()
    await sock.ready()
    for _ in range(3):
        await visitor.say("just once", client_msg_id="dup")
    await visitor.say("marker")
    await sock.until(
        lambda f: f.get("type") == "message.created" and f["data"]["message"]["text"] == "marker"
    )
    texts = [f["data"]["message"]["text"] for f in sock.events() if f["type"] == "message.created"]
    assert texts == ["just once", "marker"]
    await sock.close()


async def test_same_client_id_in_another_conversation_is_a_new_message(
    workspace: Workspace,
) -> None:
    first = await (await workspace.visitor("A")).say("a")
    second = await (await workspace.visitor("B")).say("b")
    url = "/api/v1/conversations/{}/messages"
    body = {"client_msg_id": "shared", "text": "reply"}
    one = await workspace.api.post(
        url.format(first["conversation_id"]), headers=workspace.auth(), json=body
    )
    two = await workspace.api.post(
        url.format(second["conversation_id"]), headers=workspace.auth(), json=body
    )
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["id"] != two.json()["id"]
