"""Channel health: an inbox whose channel fails shows it, in words, to admins; it recovers by
itself when the next attempt works. Against a real Dovecot and the local fake Bot API."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from otklik.channels.email import plugin as email_plugin
from otklik.config import Settings
from tests.fake_telegram import FakeBotApi
from tests.mailservers import Dovecot, SmtpSink
from tests.support import Workspace
from tests.test_channel_email import email_inbox
from tests.test_telegram import telegram_inbox

pytestmark = pytest.mark.usefixtures("fast_telegram_rescans")


@pytest.fixture(autouse=True)
def allow_local_servers(settings: Settings) -> None:
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]


async def health_of(ws: Workspace, inbox_id: int, token: str | None = None) -> Any:
    response = await ws.api.get("/api/v1/inboxes", headers=ws.auth(token))
    assert response.status_code == 200, response.text
    (inbox,) = [i for i in response.json()["items"] if i["id"] == inbox_id]
    return inbox["health"]


def health_frame(inbox_id: int, state: str) -> Any:
    return lambda f: (
        f.get("type") == "channel.health_changed"
        and f["data"]["health"]["inbox_id"] == inbox_id
        and f["data"]["health"]["state"] == state
    )


async def test_a_failing_imap_login_shows_and_recovers_when_fixed(
    workspace: Workspace, dovecot: Dovecot, sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    _, agent_token = await workspace.agent("agent@example.com")
    admin_sock = await workspace.agent_socket()
    await admin_sock.ready()
    agent_sock = await workspace.agent_socket(token=agent_token)
    await agent_sock.ready()
    caplog.set_level(logging.WARNING, logger="otklik")

    inbox = await email_inbox(workspace, dovecot, sink, config={"imap_password": "wrong"})
    assert inbox["health"]["state"] == "connected"  # nothing tried yet
    failing = await admin_sock.until(health_frame(inbox["id"], "failing"))
    health = failing["data"]["health"]
    assert health["last_error"] == "IMAP login failed: authentication failed"
    assert health["failing_since"] is not None
    assert (await health_of(workspace, inbox["id"]))["state"] == "failing"
    # Operators other than admins hear nothing of it and get no details.
    assert await health_of(workspace, inbox["id"], agent_token) is None
    assert not [f for f in await agent_sock.quiet(0.3) if f.get("type") == "channel.health_changed"]
    # One line per failure, with the reason; no traceback.
    lines = [r for r in caplog.records if "IMAP login failed" in r.getMessage()]
    assert lines and all(r.exc_info is None for r in lines)

    fixed = await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        headers=workspace.auth(),
        json={"config": {"imap_password": "mailbox-secret"}},
    )
    assert fixed.status_code == 200, fixed.text
    await email_plugin.refresh()
    await admin_sock.until(health_frame(inbox["id"], "connected"))
    health = await health_of(workspace, inbox["id"])
    assert health["state"] == "connected" and health["failing_since"] is None
    # The last failure is still there to read.
    assert health["last_error"] == "IMAP login failed: authentication failed"

    off = await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}", headers=workspace.auth(), json={"active": False}
    )
    assert off.json()["health"]["state"] == "off"
    await admin_sock.until(health_frame(inbox["id"], "off"))
    await admin_sock.close()
    await agent_sock.close()


async def test_a_revoked_telegram_token_shows_and_recovers(
    bot_api: FakeBotApi, workspace: Workspace
) -> None:
    sock = await workspace.agent_socket()
    await sock.ready()
    good = bot_api.token
    bot_api.token = "revoked"  # the Bot API now answers 401 to the stored token
    inbox = await telegram_inbox(workspace, bot_api)
    failing = await sock.until(health_frame(inbox["id"], "failing"))
    assert (
        failing["data"]["health"]["last_error"]
        == "Telegram rejected the bot token (401 Unauthorized)"
    )
    # The same failure again and again is not a new state: no more frames, no writes.
    assert not [f for f in await sock.quiet(0.5) if f.get("type") == "channel.health_changed"]
    bot_api.token = good
    await sock.until(health_frame(inbox["id"], "connected"))
    assert (await health_of(workspace, inbox["id"]))["state"] == "connected"
    await sock.close()


async def test_a_widget_inbox_is_connected(workspace: Workspace) -> None:
    health = await health_of(workspace, workspace.inbox_id)
    assert health == {
        "inbox_id": workspace.inbox_id,
        "state": "connected",
        "failing_since": None,
        "last_error": None,
        "last_error_at": None,
    }
