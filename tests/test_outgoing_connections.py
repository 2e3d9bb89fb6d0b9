"""Issue 11, defect 4: channel secrets stay where they were sent, and every outgoing
connection — Telegram's Bot API, IMAP and SMTP servers, like webhooks — passes the one
SSRF policy with its allow-list (``OTKLIK_WEBHOOK_ALLOW_HOSTS``).

Nothing here leaves the machine: the "other hosts" are loopback addresses and ports where
nothing listens, and refused connections are refused before any packet is sent.
"""

from __future__ import annotations

from typing import Any

import pytest

from otklik.channels.base import DeliveryError, OutboundMessage
from otklik.channels.email.connect import imap_client
from otklik.channels.email.send import send as send_mail
from otklik.channels.email.tokens import ReplyTokens
from otklik.channels.telegram.botapi import BotApi
from otklik.config import Settings
from otklik.core import ssrf
from tests.fake_telegram import TOKEN, FakeBotApi
from tests.mailservers import MAILBOX_PASSWORD, MAILBOX_USER, Dovecot, SmtpSink
from tests.support import Workspace
from tests.test_errors import error_code

LOCAL = ssrf.Policy.from_settings(Settings(webhook_allow_hosts=["127.0.0.1/32"]))
STRICT = ssrf.Policy()
#: Loopback, but not allow-listed: a new place a secret must not be sent to.
ELSEWHERE = "127.0.0.9"


async def inbox(ws: Workspace, channel: str, config: dict[str, Any]) -> dict[str, Any]:
    response = await ws.api.post(
        "/api/v1/inboxes",
        headers=ws.auth(),
        json={"name": channel, "channel": channel, "config": config},
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    # Turned off: no poller tries the made-up servers while the test changes settings.
    off = await ws.api.patch(
        f"/api/v1/inboxes/{result['id']}", headers=ws.auth(), json={"active": False}
    )
    assert off.status_code == 200, off.text
    return result


async def change(ws: Workspace, inbox_id: int, config: dict[str, Any]) -> Any:
    return await ws.api.patch(
        f"/api/v1/inboxes/{inbox_id}", headers=ws.auth(), json={"config": config}
    )


async def stored(ws: Workspace, inbox_id: int) -> dict[str, Any]:
    items = (await ws.api.get("/api/v1/inboxes", headers=ws.auth())).json()["items"]
    config: dict[str, Any] = next(i for i in items if i["id"] == inbox_id)["config"]
    return config


async def test_a_kept_bot_token_does_not_follow_a_new_api_base(workspace: Workspace) -> None:
    ws = workspace
    bot = await inbox(ws, "telegram", {"bot_token": TOKEN, "api_base": "http://127.0.0.1:9"})
    moved = await change(ws, bot["id"], {"api_base": f"http://{ELSEWHERE}:9"})
    assert moved.status_code == 422, moved.text
    assert error_code(moved) == "secret_required"
    assert "bot_token" in moved.json()["error"]["message"]
    masked = await change(
        ws, bot["id"], {"api_base": f"http://{ELSEWHERE}:9", "bot_token": "********"}
    )
    assert masked.status_code == 422 and error_code(masked) == "secret_required"
    assert (await stored(ws, bot["id"]))["api_base"] == "http://127.0.0.1:9"

    # Other settings keep the token; typing the token again allows the move.
    kept = await change(ws, bot["id"], {"poll_timeout": 3})
    assert kept.status_code == 200, kept.text
    again = await change(ws, bot["id"], {"api_base": f"http://{ELSEWHERE}:9", "bot_token": TOKEN})
    assert again.status_code == 200, again.text
    assert again.json()["config"]["api_base"] == f"http://{ELSEWHERE}:9"


@pytest.mark.parametrize(
    ("moved", "secret"),
    [
        ({"imap_host": ELSEWHERE}, "imap_password"),
        ({"imap_port": 1143}, "imap_password"),
        ({"imap_username": "someone@else.example"}, "imap_password"),
        ({"imap_ssl": False}, "imap_password"),
        ({"smtp_host": ELSEWHERE}, "smtp_password"),
        ({"smtp_port": 2526}, "smtp_password"),
        ({"smtp_username": "someone@else.example"}, "smtp_password"),
        ({"smtp_security": "none"}, "smtp_password"),
    ],
)
async def test_a_kept_mail_password_does_not_follow_a_new_server(
    workspace: Workspace, moved: dict[str, Any], secret: str
) -> None:
    ws = workspace
    mail = await inbox(
        ws,
        "email",
        {
            "address": "help@example.com",
            "imap_host": "127.0.0.1",
            "imap_port": 9,
            "imap_username": "help@example.com",
            "imap_password": "imap-secret",
            "smtp_host": "127.0.0.1",
            "smtp_port": 9,
            "smtp_username": "help@example.com",
            "smtp_password": "smtp-secret",
        },
    )
    response = await change(ws, mail["id"], moved)
    assert response.status_code == 422, response.text
    assert error_code(response) == "secret_required"
    assert secret in response.json()["error"]["message"]
    config = await stored(ws, mail["id"])
    assert {k: config[k] for k in moved} != moved  # nothing changed

    unrelated = await change(ws, mail["id"], {"poll_seconds": 30, "from_name": "Support"})
    assert unrelated.status_code == 200, unrelated.text
    retyped = await change(ws, mail["id"], {**moved, secret: "the-new-secret"})
    assert retyped.status_code == 200, retyped.text
    assert {k: retyped.json()["config"][k] for k in moved} == moved


async def test_the_bot_api_is_held_to_the_policy(bot_api: FakeBotApi) -> None:
    async with BotApi(TOKEN, api_base=bot_api.url, policy=STRICT) as bot:
        with pytest.raises(ssrf.RefusedRequest, match="non-public"):
            await bot.get_me()
    async with BotApi(TOKEN, api_base="http://169.254.169.254", policy=LOCAL) as bot:
        with pytest.raises(ssrf.RefusedRequest):
            await bot.get_me()
    assert bot_api.calls == []
    async with BotApi(TOKEN, api_base=bot_api.url, policy=LOCAL) as bot:
        assert (await bot.get_me())["is_bot"] is True
    assert bot_api.calls == ["getMe"]


async def test_imap_servers_are_held_to_the_policy(dovecot: Dovecot) -> None:
    for host in ("127.0.0.1", "169.254.169.254", "10.0.0.1", "[::1]"):
        with pytest.raises(ssrf.Refused):
            await imap_client(
                host=host, port=dovecot.port, use_ssl=False, io_seconds=5, policy=STRICT
            )
    client = await imap_client(
        host="127.0.0.1", port=dovecot.port, use_ssl=False, io_seconds=5, policy=LOCAL
    )
    try:
        await client.wait_hello_from_server()
        login = await client.login(MAILBOX_USER, MAILBOX_PASSWORD)
        assert login.result == "OK"
    finally:
        await client.logout()
        # As the poller does (channels/email/imap.py): aioimaplib leaves the transport open.
        if client.protocol.transport is not None:
            client.protocol.transport.close()


def reply_to(config: dict[str, Any]) -> OutboundMessage:
    return OutboundMessage(
        message_id=1,
        conversation_id=1,
        text="Hello",
        recipient_id="customer@example.com",
        recipient_name="Customer",
        recipient_email="customer@example.com",
        author_name="Olga",
        config=config,
        thread=[],
    )


async def test_smtp_servers_are_held_to_the_policy(sink: SmtpSink) -> None:
    config = {
        "address": "help@example.com",
        "imap_enabled": False,
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port,
        "smtp_security": "none",
    }
    tokens = ReplyTokens("secret")
    with pytest.raises(DeliveryError, match="Refused"):
        await send_mail(reply_to(config), tokens, STRICT)
    assert sink.received == []
    await send_mail(reply_to(config), tokens, LOCAL)
    [mail] = await sink.wait_for(1)
    assert mail["To"] == "Customer <customer@example.com>"
