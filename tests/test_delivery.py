"""Visitor → operator → visitor, live over both sockets."""

from __future__ import annotations

from tests.support import Workspace


async def test_visitor_message_reaches_operator_and_reply_reaches_visitor(
    workspace: Workspace,
) -> None:
    agent_sock = await workspace.agent_socket()
    await agent_sock.ready()
    visitor = await workspace.visitor(name="Мария")
    visitor_sock = await visitor.socket()
    await visitor_sock.ready()

    sent = await visitor.say("Здравствуйте, где мой заказ?", client_msg_id="v-1")
    created = await agent_sock.until(lambda f: f.get("type") == "message.created")
    assert created["data"]["message"]["text"] == "Здравствуйте, где мой заказ?"
    assert created["data"]["message"]["client_msg_id"] == "v-1"
    assert created["data"]["conversation"]["contact"]["name"] == "Мария"
    assert created["data"]["conversation"]["unread_count"] == 1
    assert isinstance(created["id"], int)

    conversation_id = sent["conversation_id"]
    reply = await workspace.reply(conversation_id, "Добрый день! Проверяю.")
    heard = await visitor_sock.until(
        lambda f: (
            f.get("type") == "message.created" and f["data"]["message"]["author_type"] == "agent"
        )
    )
    assert heard["data"]["message"]["id"] == reply["id"]
    assert heard["data"]["message"]["text"] == "Добрый день! Проверяю."
    assert heard["data"]["message"]["author_name"] == "Admin"
    assert heard["data"]["message"]["author_id"] is None  # operators' ids stay internal

    history = await visitor.messages()
    assert [m["text"] for m in history] == [
        "Здравствуйте, где мой заказ?",
        "Добрый день! Проверяю.",
    ]
    await agent_sock.close()
    await visitor_sock.close()


async def test_private_note_never_reaches_the_visitor(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    visitor_sock = await visitor.socket()
    await visitor_sock.ready()
    first = await visitor.say("hello")
    await visitor_sock.until(lambda f: f.get("type") == "message.created")

    await workspace.reply(first["conversation_id"], "internal: VIP customer", private=True)
    public = await workspace.reply(first["conversation_id"], "Hi there!")

    frame = await visitor_sock.until(
        lambda f: (
            f.get("type") == "message.created" and f["data"]["message"]["author_type"] == "agent"
        )
    )
    assert frame["data"]["message"]["id"] == public["id"]
    assert all("VIP" not in str(f) for f in visitor_sock.frames)
    assert [m["text"] for m in await visitor.messages()] == ["hello", "Hi there!"]

    # Even a fresh replay from zero of the visitor's stream holds no note.
    replay_sock = await visitor.socket(last_event_id=0)
    await replay_sock.ready()
    assert all("VIP" not in str(f) for f in replay_sock.frames)
    await visitor_sock.close()
    await replay_sock.close()


async def test_typing_indicator_is_relayed_both_ways(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    first = await visitor.say("hi")
    agent_sock = await workspace.agent_socket()
    await agent_sock.ready()
    visitor_sock = await visitor.socket()
    await visitor_sock.ready()

    await visitor_sock.send({"type": "typing", "typing": True})
    seen = await agent_sock.until(lambda f: f.get("type") == "typing")
    assert seen["conversation_id"] == first["conversation_id"]
    assert seen["author_type"] == "contact"
    assert "id" not in seen  # transient: no event id, never replayed

    await agent_sock.send(
        {"type": "typing", "conversation_id": first["conversation_id"], "typing": True}
    )
    shown = await visitor_sock.until(lambda f: f.get("type") == "typing")
    assert shown == {"type": "typing", "author_type": "agent", "name": "Admin", "typing": True}
    await agent_sock.close()
    await visitor_sock.close()
