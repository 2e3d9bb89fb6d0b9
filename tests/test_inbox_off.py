"""An inbox an admin turns off takes nothing new on any channel; its history stays, its
conversations can still be answered, and turning it on again brings it back."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from otklik.channels.email import plugin as email_plugin
from otklik.config import Settings
from tests.fake_telegram import FakeBotApi
from tests.mailservers import Dovecot, SmtpSink
from tests.support import Workspace, new_id
from tests.test_api_channel import BASE, api_inbox
from tests.test_channel_email import email_inbox, mail, wait_messages
from tests.test_telegram import conversations_of, eventually, telegram_inbox, text_message

pytestmark = pytest.mark.usefixtures("fast_telegram_rescans")


@pytest.fixture(autouse=True)
def allow_local_servers(settings: Settings) -> None:
    # The stand-in servers listen on 127.0.0.1, and every connection Otklik makes out
    # passes the SSRF policy: the test allow-lists them as an admin would a LAN server.
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]


async def switch(ws: Workspace, inbox_id: int, active: bool) -> dict[str, Any]:
    response = await ws.api.patch(
        f"/api/v1/inboxes/{inbox_id}", headers=ws.auth(), json={"active": active}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["active"] is active
    return body


async def test_a_widget_inbox_turned_off_refuses_visitors(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    first = await visitor.say("before")
    await switch(workspace, workspace.inbox_id, False)

    config = await workspace.api.get(
        "/api/v1/widget/config", params={"inbox_key": workspace.inbox_key}
    )
    assert config.status_code == 403 and config.json()["error"]["code"] == "inbox_off"
    session = await workspace.api.post(
        "/api/v1/widget/sessions", json={"inbox_key": workspace.inbox_key, "name": "New"}
    )
    assert session.status_code == 403
    refused = await workspace.api.post(
        "/api/v1/widget/messages",
        headers=visitor.headers,
        json={"client_msg_id": new_id(), "text": "after"},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "inbox_off"

    # Operators still read and answer what came before.
    reply = await workspace.reply(first["conversation_id"], "We are closing this chat, bye")
    assert reply["text"] == "We are closing this chat, bye"
    history = await workspace.api.get(
        f"/api/v1/conversations/{first['conversation_id']}/messages", headers=workspace.auth()
    )
    assert [m["text"] for m in history.json()["items"]] == [
        "before",
        "We are closing this chat, bye",
    ]

    await switch(workspace, workspace.inbox_id, True)
    assert (await visitor.say("back again"))["conversation_id"] == first["conversation_id"]


async def test_an_api_inbox_turned_off_refuses_the_bridge(workspace: Workspace) -> None:
    inbox, key = await api_inbox(workspace, {})
    body = {"external_id": "m1", "sender_id": "u1", "text": "hello"}
    headers = {"X-Otklik-Inbox-Key": key}
    accepted = await workspace.api.post(f"{BASE}/messages", headers=headers, json=body)
    assert accepted.status_code == 201, accepted.text
    await switch(workspace, inbox["id"], False)
    refused = await workspace.api.post(
        f"{BASE}/messages", headers=headers, json={**body, "external_id": "m2"}
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "inbox_off"
    wrong = await workspace.api.post(
        f"{BASE}/messages", headers={"X-Otklik-Inbox-Key": "otk_" + "x" * 40}, json=body
    )
    assert wrong.status_code == 401  # a wrong key learns nothing about the inbox


async def test_a_telegram_bot_turned_off_stops_polling(
    bot_api: FakeBotApi, workspace: Workspace
) -> None:
    inbox = await telegram_inbox(workspace, bot_api)
    bot_api.push(text_message(1, "первое"))
    await eventually(lambda: conversations_of(workspace, inbox["id"]))
    await switch(workspace, inbox["id"], False)
    await asyncio.sleep(1.5)  # a long poll under way ends (poll_timeout 1 s)
    polls = bot_api.calls.count("getUpdates")
    bot_api.push(text_message(2, "второе"))
    await asyncio.sleep(1.0)
    assert bot_api.calls.count("getUpdates") == polls
    assert bot_api.updates  # nobody took it
    await switch(workspace, inbox["id"], True)
    await eventually(lambda: not bot_api.updates)


async def test_a_webhook_bot_turned_off_loses_its_webhook(
    bot_api: FakeBotApi, workspace: Workspace
) -> None:
    inbox = await telegram_inbox(
        workspace, bot_api, mode="webhook", public_url=workspace.server.url
    )
    webhook = await eventually(lambda: bot_api.webhook)
    await switch(workspace, inbox["id"], False)
    await eventually(lambda: bot_api.webhook is None)
    # What Telegram still had in flight is taken and dropped.
    late = await workspace.api.post(
        webhook["url"],
        json={"update_id": 5, "message": text_message(5, "late")},
        headers={"X-Telegram-Bot-Api-Secret-Token": webhook["secret_token"]},
    )
    assert late.status_code == 200
    await asyncio.sleep(0.5)
    assert await conversations_of(workspace, inbox["id"]) == []
    await switch(workspace, inbox["id"], True)
    again = await eventually(lambda: bot_api.webhook)
    assert again["url"] == webhook["url"]


async def test_a_mailbox_turned_off_is_not_read(
    workspace: Workspace, dovecot: Dovecot, sink: SmtpSink
) -> None:
    db = workspace.server.app.state.db
    inbox = await email_inbox(workspace, dovecot, sink)
    await dovecot.append(mail("one"))
    await wait_messages(db, inbox["id"], 1)
    await switch(workspace, inbox["id"], False)
    await email_plugin.refresh()
    await dovecot.append(mail("two", subject="Second"))
    await asyncio.sleep(1.0)
    assert [m.text for m in await wait_messages(db, inbox["id"], 1)] == ["one"]
    await switch(workspace, inbox["id"], True)
    await email_plugin.refresh()
    assert [m.text for m in await wait_messages(db, inbox["id"], 2)] == ["one", "two"]
