"""Telegram: webhook and long polling against a local fake Bot API, replies, limits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from otklik.channels.models import Inbox
from otklik.channels.telegram import plugin as telegram
from otklik.channels.telegram.botapi import split_text
from otklik.channels.telegram.parse import parse_update
from otklik.config import Settings
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.jobs.models import Job
from tests.fake_telegram import TOKEN, FakeBotApi
from tests.support import WAIT, Workspace
from tests.test_attachments import stored_files, tiny_png, upload_as_agent

USER = {
    "id": 555001,
    "is_bot": False,
    "first_name": "Мария",
    "last_name": "Петрова",
    "username": "masha_p",
    "language_code": "ru",
}
CHAT = {"id": 555001, "type": "private", "first_name": "Мария"}
pytestmark = pytest.mark.usefixtures("fast_telegram_rescans")


@pytest.fixture(autouse=True)
def allow_local_servers(settings: Settings) -> None:
    # The stand-in servers listen on 127.0.0.1, and every connection Otklik makes out
    # passes the SSRF policy: the test allow-lists them as an admin would a LAN server.
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]


async def telegram_inbox(ws: Workspace, fake: FakeBotApi, **config: Any) -> dict[str, Any]:
    response = await ws.api.post(
        "/api/v1/inboxes",
        headers=ws.auth(),
        json={
            "name": "Telegram",
            "channel": "telegram",
            "config": {"bot_token": TOKEN, "api_base": fake.url, "poll_timeout": 1, **config},
        },
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def eventually(check: Callable[[], Any], within: float = WAIT) -> Any:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def conversations_of(ws: Workspace, inbox_id: int) -> list[dict[str, Any]]:
    response = await ws.api.get("/api/v1/conversations", headers=ws.auth())
    assert response.status_code == 200, response.text
    return [c for c in response.json()["items"] if c["inbox_id"] == inbox_id]


async def messages_of(ws: Workspace, conversation_id: int) -> list[dict[str, Any]]:
    response = await ws.api.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=ws.auth()
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def text_message(message_id: int, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "from": USER,
        "chat": CHAT,
        "date": 1700000000,
        "text": text,
        **extra,
    }


async def test_config_is_validated_and_secrets_are_masked(
    bot_api: FakeBotApi, workspace: Workspace, db: Database
) -> None:
    inbox = await telegram_inbox(workspace, bot_api)
    assert inbox["config"]["bot_token"] == "********"
    assert inbox["config"]["webhook_secret"] == "********"
    assert inbox["config"]["mode"] == "polling"
    async with db.session(write=False) as session:
        stored = await session.get_one(Inbox, inbox["id"])
    assert TOKEN not in str(stored.channel_config)
    for config in (
        {"bot_token": "not-a-token"},
        {"bot_token": TOKEN, "mode": "webhook"},  # no public_url
        {"bot_token": TOKEN, "mode": "carrier"},
        {"bot_token": TOKEN, "api_base": "ftp://x"},
    ):
        bad = await workspace.api.post(
            "/api/v1/inboxes",
            headers=workspace.auth(),
            json={"name": "T", "channel": "telegram", "config": config},
        )
        assert bad.status_code == 422, (config, bad.text)
        if config.get("mode") == "webhook":  # a check of the whole config names no field
            assert bad.json()["error"]["message"] == (
                "config: webhook mode needs public_url (Otklik's address as Telegram sees it)"
            )


async def test_webhook_mode_sets_the_webhook_and_takes_updates(
    bot_api: FakeBotApi, workspace: Workspace
) -> None:
    inbox = await telegram_inbox(
        workspace, bot_api, mode="webhook", public_url=workspace.server.url + "/"
    )
    hook = f"{workspace.server.url}/api/v1/channels/telegram/{inbox['id']}/webhook"
    webhook = await eventually(lambda: bot_api.webhook)
    assert webhook["url"] == hook
    assert webhook["allowed_updates"] == ["message", "edited_message", "callback_query"]
    secret = webhook["secret_token"]
    assert len(secret) >= 32

    update = {"update_id": 1, "message": text_message(10, "Здравствуйте! Где посылка?")}
    for wrong in ({}, {"X-Telegram-Bot-Api-Secret-Token": "nope"}):
        refused = await workspace.api.post(hook, json=update, headers=wrong)
        assert refused.status_code == 401
    accepted = await workspace.api.post(
        hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )
    assert accepted.status_code == 200 and accepted.json() == {"ok": True}
    # Telegram re-delivering the same update changes nothing.
    again = await workspace.api.post(
        hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )
    assert again.status_code == 200
    (conversation,) = await eventually(lambda: conversations_of(workspace, inbox["id"]))
    assert conversation["channel"] == "telegram"
    assert conversation["contact"]["name"] == "Мария Петрова"

    edited = {
        "update_id": 2,
        "edited_message": text_message(10, "Здравствуйте! Где заказ 42?", edit_date=1700000100),
    }
    await workspace.api.post(hook, json=edited, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
    messages = await eventually(lambda: _with_count(messages_of(workspace, conversation["id"]), 2))
    assert [m["text"] for m in messages] == [
        "Здравствуйте! Где посылка?",
        "✎ Здравствуйте! Где заказ 42?",
    ]
    not_json = await workspace.api.post(
        hook, content=b"{", headers={"X-Telegram-Bot-Api-Secret-Token": secret}
    )
    assert not_json.status_code == 400
    other = await workspace.api.post(
        f"/api/v1/channels/telegram/{workspace.inbox_id}/webhook",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": secret},
    )
    assert other.status_code == 404  # a widget inbox has no Telegram webhook


async def _with_count(items: Any, count: int) -> list[dict[str, Any]] | None:
    got: list[dict[str, Any]] = await items
    return got if len(got) >= count else None


async def test_polling_mode_receives_and_replies(
    bot_api: FakeBotApi, workspace: Workspace, db: Database
) -> None:
    bot_api.webhook = {"url": "https://old.example/hook"}  # polling removes a stale webhook
    inbox = await telegram_inbox(workspace, bot_api)
    bot_api.push(text_message(1, "Привет"))
    (conversation,) = await eventually(lambda: conversations_of(workspace, inbox["id"]))
    assert "deleteWebhook" in bot_api.calls and bot_api.webhook is None
    await eventually(lambda: not bot_api.updates)  # the offset confirmed the update
    async with db.session(write=False) as session:
        identity_inbox = await session.get_one(Inbox, inbox["id"])
    assert identity_inbox.channel == "telegram"
    (first,) = await messages_of(workspace, conversation["id"])
    bot_api.push(text_message(2, "Ещё вопрос"))
    await eventually(lambda: _with_count(messages_of(workspace, conversation["id"]), 2))

    # A short reply, then a long one split at Telegram's 4096-character limit.
    reply = await workspace.reply(conversation["id"], "Добрый день!")
    await eventually(lambda: len(bot_api.sent) == 1)
    assert bot_api.sent[0]["chat"]["id"] == USER["id"]
    assert bot_api.sent[0]["text"] == "Добрый день!"
    delivered = await eventually(
        lambda: _delivered(messages_of(workspace, conversation["id"]), reply["id"])
    )
    assert delivered["delivery_status"] == "sent"
    paragraph = ("слово " * 150).strip()  # 899 characters
    long_text = "\n\n".join([paragraph] * 10)  # 9008 characters
    await workspace.reply(conversation["id"], long_text)
    await eventually(lambda: len(bot_api.sent) == 4)
    pieces = [m["text"] for m in bot_api.sent[1:]]
    assert all(len(p) <= 4096 for p in pieces)
    assert "\n\n".join(pieces) == long_text  # cut at paragraph breaks, nothing lost

    # Flood control: the Bot API's retry_after re-schedules the delivery job.
    bot_api.send_errors = [(429, "Too Many Requests: retry after 42", 42)]
    await workspace.reply(conversation["id"], "later")

    async def rescheduled() -> Job | None:
        async with db.session(write=False) as session:
            jobs = list(
                await session.scalars(
                    select(Job).where(Job.name == "channels.deliver").order_by(Job.id)
                )
            )
        last = jobs[-1]
        return last if last.attempts == 1 and last.state == "queued" else None

    job = await eventually(rescheduled)
    assert 30 < (job.run_at - utcnow()).total_seconds() <= 42
    assert job.last_error is not None and "retry in 42 s" in job.last_error

    # The customer blocked the bot: a permanent failure, shown on the message.
    bot_api.send_errors = [(403, "Forbidden: bot was blocked by the user", None)]
    blocked = await workspace.reply(conversation["id"], "are you there?")
    failed = await eventually(
        lambda: _delivered(messages_of(workspace, conversation["id"]), blocked["id"])
    )
    assert failed["delivery_status"] == "failed"
    assert failed["delivery_error"] == "Forbidden: bot was blocked by the user"


async def _delivered(items: Any, message_id: int) -> dict[str, Any] | None:
    for message in await items:
        if message["id"] == message_id and message["delivery_status"] != "pending":
            return dict(message)
    return None


async def test_photos_and_documents_become_attachments(
    bot_api: FakeBotApi, workspace: Workspace
) -> None:
    inbox = await telegram_inbox(workspace, bot_api)
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
    bot_api.add_file("photo-big", "photos/file_1.png", png)
    bot_api.add_file("doc-1", "documents/file_2.txt", b"order 42\n")
    bot_api.push(
        {
            **text_message(5, ""),
            "text": None,
            "caption": "Вот чек",
            "photo": [
                {"file_id": "photo-small", "file_unique_id": "s", "width": 1, "height": 1},
                {"file_id": "photo-big", "file_unique_id": "b", "width": 90, "height": 90},
            ],
        }
    )
    bot_api.push(
        {
            **text_message(6, ""),
            "text": None,
            "document": {"file_id": "doc-1", "file_unique_id": "d", "file_name": "order.txt"},
        }
    )
    (conversation,) = await eventually(lambda: conversations_of(workspace, inbox["id"]))
    messages = await eventually(lambda: _with_count(messages_of(workspace, conversation["id"]), 2))
    assert messages[0]["text"] == "Вот чек"
    assert [a["filename"] for a in messages[0]["attachments"]] == ["photo-5.jpg"]
    assert messages[1]["text"] == ""
    assert [a["filename"] for a in messages[1]["attachments"]] == ["order.txt"]
    assert "getFile" in bot_api.calls


async def test_replies_send_photos_and_files_back(
    bot_api: FakeBotApi, workspace: Workspace
) -> None:
    inbox = await telegram_inbox(workspace, bot_api)
    bot_api.push(text_message(7, "Пришлите, пожалуйста, счёт"))
    (conversation,) = await eventually(lambda: conversations_of(workspace, inbox["id"]))
    conversation_id = conversation["id"]

    async def upload(name: str, data: bytes, mime: str) -> int:
        response = await upload_as_agent(workspace, conversation_id, name, data, mime)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    png = tiny_png()
    invoice = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    photo_id = await upload("receipt.png", png, "image/png")
    pdf_id = await upload("invoice.pdf", invoice, "application/pdf")

    # A short text rides on the first file as its caption.
    reply = await workspace.reply(
        conversation_id, "Счёт и чек во вложении", attachment_ids=[photo_id, pdf_id]
    )
    delivered = await eventually(
        lambda: _delivered(messages_of(workspace, conversation_id), reply["id"])
    )
    assert delivered["delivery_status"] == "sent", delivered
    photo, document = bot_api.sent
    assert photo["caption"] == "Счёт и чек во вложении" and "photo" in photo
    assert document["document"]["file_name"] == "invoice.pdf" and document["caption"] is None
    assert [(u.filename, u.data) for u in bot_api.uploads] == [
        ("receipt.png", png),
        ("invoice.pdf", invoice),
    ]
    assert bot_api.uploads[1].content_type == "application/pdf"

    # A text too long for a caption goes first, on its own; a file alone needs no text.
    long_text = "подробности " * 100  # 1,200 characters
    notes_id = await upload("notes.txt", b"line one\n", "text/plain")
    await workspace.reply(conversation_id, long_text, attachment_ids=[notes_id])
    await eventually(lambda: len(bot_api.sent) == 4)
    assert bot_api.sent[2]["text"] == long_text.strip()
    assert bot_api.sent[3]["document"]["file_name"] == "notes.txt"
    assert bot_api.sent[3]["caption"] is None
    alone_id = await upload("photo.png", png, "image/png")
    alone = await workspace.reply(conversation_id, "", attachment_ids=[alone_id])
    await eventually(lambda: len(bot_api.sent) == 5)
    assert "photo" in bot_api.sent[4] and bot_api.sent[4]["caption"] is None
    sent = await eventually(
        lambda: _delivered(messages_of(workspace, conversation_id), alone["id"])
    )
    assert sent["delivery_status"] == "sent"


async def test_a_reply_whose_file_vanished_from_storage_fails_visibly(
    bot_api: FakeBotApi, workspace: Workspace
) -> None:
    inbox = await telegram_inbox(workspace, bot_api)
    bot_api.push(text_message(8, "файл?"))
    (conversation,) = await eventually(lambda: conversations_of(workspace, inbox["id"]))
    uploaded = await upload_as_agent(workspace, conversation["id"], "a.png", tiny_png())
    for path in stored_files(workspace):
        path.unlink()  # a restored backup without the attachments folder, say
    reply = await workspace.reply(
        conversation["id"], "держите", attachment_ids=[uploaded.json()["id"]]
    )
    failed = await eventually(
        lambda: _delivered(messages_of(workspace, conversation["id"]), reply["id"])
    )
    assert failed["delivery_status"] == "failed"
    assert failed["delivery_error"].startswith("An attachment is missing from storage")
    assert bot_api.sent == []


async def test_a_new_bot_starts_at_once_not_at_the_next_scan(
    bot_api: FakeBotApi, workspace: Workspace
) -> None:
    telegram.rescan_seconds = 60.0
    await asyncio.sleep(0.3)  # the supervisor made its first scan and sleeps for a minute
    inbox = await telegram_inbox(workspace, bot_api)
    bot_api.push(text_message(9, "Здравствуйте"))
    (conversation,) = await eventually(lambda: conversations_of(workspace, inbox["id"]))
    assert conversation["last_message"]["text"] == "Здравствуйте"


def test_split_text_respects_the_limit() -> None:
    assert split_text("short") == ["short"]
    assert split_text("") == [""]
    words = " ".join(["abcdefghi"] * 1000)  # 9999 characters
    pieces = split_text(words)
    assert all(len(p) <= 4096 for p in pieces) and " ".join(pieces) == words
    solid = "x" * 5000
    assert split_text(solid) == ["x" * 4096, "x" * 904]
    emoji = "😀" * 3000  # 2 UTF-16 units each: 6000 units
    assert [len(p) for p in split_text(emoji)] == [2048, 952]


def test_updates_outside_private_chats_are_ignored() -> None:
    group = {
        "update_id": 1,
        "message": {**text_message(1, "hi"), "chat": {"id": -100, "type": "group"}},
    }
    assert parse_update(group) is None
    sticker = {"update_id": 2, "message": {**text_message(2, ""), "text": None, "sticker": {}}}
    assert parse_update(sticker) is None
    parsed = parse_update({"update_id": 3, "message": text_message(3, "hi")})
    assert parsed is not None and parsed.external_id == "555001:3"
    assert parsed.channel_data["telegram"]["username"] == "masha_p"
