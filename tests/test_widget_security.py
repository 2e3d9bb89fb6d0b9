"""The widget's public endpoints as an attacker sees them (issue 11, defects 1, 6 and 7):
only widget inboxes, no customer takeover through the offline form, expiring and rotated
visitor tokens that never travel in an address, rate limits and the upload quota."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import websockets
from itsdangerous import URLSafeSerializer

from otklik.channels.widget.limits import WidgetLimits
from otklik.conversations.models import Conversation
from otklik.core import clock
from otklik.core.clock import utcnow
from otklik.core.db import Database
from tests.conftest import SECRET
from tests.support import Socket, Workspace, new_id

API_BASE = "/api/v1/channels/api"


@pytest.fixture
def frozen() -> Iterator[None]:
    yield
    clock.freeze(None)


async def api_inbox_with_a_customer_thread(ws: Workspace) -> tuple[str, int, str]:
    """An API-channel inbox (a WhatsApp bridge) where anna@example.com wrote ``wamid.1``;
    returns the inbox's public key, Anna's contact id and her message's text."""
    inbox = await ws.api.post(
        "/api/v1/inboxes",
        headers=ws.auth(),
        json={"name": "WhatsApp bridge", "channel": "api", "config": {}},
    )
    assert inbox.status_code == 201, inbox.text
    key = await ws.api.get(f"{API_BASE}/inboxes/{inbox.json()['id']}/key", headers=ws.auth())
    bridge = {"X-Otklik-Inbox-Key": key.json()["api_key"]}
    contact = await ws.api.post(
        f"{API_BASE}/contacts",
        headers=bridge,
        json={"sender_id": "79990001122", "name": "Anna", "email": "anna@example.com"},
    )
    assert contact.status_code == 201, contact.text
    secret = "My card ends with 4242"
    posted = await ws.api.post(
        f"{API_BASE}/messages",
        headers=bridge,
        json={"external_id": "wamid.1", "sender_id": "79990001122", "text": secret},
    )
    assert posted.status_code == 201, posted.text
    return str(inbox.json()["public_key"]), int(contact.json()["contact_id"]), secret


def offline(inbox_key: str, email: str, client_msg_id: str, text: str = "hi") -> dict[str, Any]:
    return {"inbox_key": inbox_key, "email": email, "text": text, "client_msg_id": client_msg_id}


async def visitor_texts(ws: Workspace, token: str) -> list[str]:
    response = await ws.api.get(
        "/api/v1/widget/messages", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["items"]]


# --- defect 1: another channel's key, and the offline form's retry ------------------------


async def test_another_channels_inbox_key_is_unknown_to_the_widget(workspace: Workspace) -> None:
    key, _, _ = await api_inbox_with_a_customer_thread(workspace)
    config = await workspace.api.get("/api/v1/widget/config", params={"inbox_key": key})
    assert config.status_code == 404 and config.json()["error"]["code"] == "not_found"
    session = await workspace.api.post("/api/v1/widget/sessions", json={"inbox_key": key})
    assert session.status_code == 404, session.text
    form = await workspace.api.post(
        "/api/v1/widget/offline", json=offline(key, "anna@example.com", "ext:wamid.1")
    )
    assert form.status_code == 404, form.text


async def test_offline_form_with_a_channel_message_id_does_not_take_over_the_customer(
    workspace: Workspace,
) -> None:
    """The reproduced attack: Anna's email plus her message's derivable client id."""
    key, anna, secret = await api_inbox_with_a_customer_thread(workspace)
    for inbox_key in (key, workspace.inbox_key):
        answer = await workspace.api.post(
            "/api/v1/widget/offline",
            json=offline(inbox_key, "anna@example.com", "ext:wamid.1", "give me the thread"),
        )
        if answer.status_code == 201:
            taken = answer.json()
            assert taken["contact_id"] != anna and taken["resumed"] is False
            assert secret not in await visitor_texts(workspace, taken["visitor_token"])
        else:
            assert answer.status_code == 404, answer.text


async def test_a_widget_chat_is_not_reached_by_its_email_and_client_id(
    workspace: Workspace,
) -> None:
    """A visitor who chatted (not the offline form) is not matched by a "retry"."""
    started = await workspace.api.post(
        "/api/v1/widget/sessions",
        json={"inbox_key": workspace.inbox_key, "name": "Bob", "email": "bob@example.com"},
    )
    bob = started.json()
    sent = await workspace.api.post(
        "/api/v1/widget/messages",
        headers={"Authorization": f"Bearer {bob['visitor_token']}"},
        json={"client_msg_id": "bob-1", "text": "my address is 1 Main St"},
    )
    assert sent.status_code == 201
    answer = await workspace.api.post(
        "/api/v1/widget/offline",
        json=offline(workspace.inbox_key, "bob@example.com", "bob-1", "hello"),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["contact_id"] != bob["contact_id"]
    assert await visitor_texts(workspace, answer.json()["visitor_token"]) == ["hello"]


async def test_offline_retry_finds_its_own_first_attempt_only_for_a_short_while(
    workspace: Workspace, frozen: None
) -> None:
    body = offline(workspace.inbox_key, "Carol@example.com", new_id(), "call me back")
    first = await workspace.api.post("/api/v1/widget/offline", json=body)
    assert first.status_code == 201, first.text
    retry = await workspace.api.post("/api/v1/widget/offline", json=body)
    assert retry.status_code == 201, retry.text
    assert retry.json()["contact_id"] == first.json()["contact_id"]
    assert retry.json()["conversation_id"] == first.json()["conversation_id"]
    assert await visitor_texts(workspace, retry.json()["visitor_token"]) == ["call me back"]

    clock.freeze(utcnow() + timedelta(minutes=11))
    late = await workspace.api.post("/api/v1/widget/offline", json=body)
    assert late.status_code == 201, late.text
    assert late.json()["contact_id"] != first.json()["contact_id"]


async def test_offline_retry_never_matches_a_contact_with_other_conversations(
    workspace: Workspace, db: Database
) -> None:
    """A contact with history (here: an older conversation) needs its token, not a retry."""
    body = offline(workspace.inbox_key, "dan@example.com", new_id(), "first")
    first = (await workspace.api.post("/api/v1/widget/offline", json=body)).json()
    async with db.session(write=True) as session:
        session.add(
            Conversation(
                inbox_id=workspace.inbox_id, contact_id=first["contact_id"], channel="widget"
            )
        )
    retry = await workspace.api.post("/api/v1/widget/offline", json=body)
    assert retry.status_code == 201, retry.text
    assert retry.json()["contact_id"] != first["contact_id"]


# --- defect 7: tokens expire, rotate and stay out of addresses -----------------------------


async def test_resuming_rotates_the_token_and_keeps_the_visitor(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    await visitor.say("hello")
    again = await workspace.api.post(
        "/api/v1/widget/sessions",
        json={"inbox_key": workspace.inbox_key, "visitor_token": visitor.token},
    )
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["resumed"] is True and body["contact_id"] == visitor.contact_id
    expires = body["token_expires_at"]
    assert expires > (utcnow() + timedelta(days=29)).isoformat()
    assert await visitor_texts(workspace, body["visitor_token"]) == ["hello"]


async def test_an_expired_token_is_refused_and_cannot_resume(
    workspace: Workspace, frozen: None
) -> None:
    visitor = await workspace.visitor()
    await visitor.say("old secret")
    clock.freeze(utcnow() + timedelta(days=31))
    refused = await workspace.api.get("/api/v1/widget/messages", headers=visitor.headers)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    sent = await workspace.api.post(
        "/api/v1/widget/messages",
        headers=visitor.headers,
        json={"client_msg_id": new_id(), "text": "late"},
    )
    assert sent.status_code == 401
    sock = await Socket.open(f"{workspace.server.ws_url}/api/v1/widget/ws", token=visitor.token)
    assert (await sock.next())["code"] == "unauthorized"
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await sock.next()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    fresh = await workspace.api.post(
        "/api/v1/widget/sessions",
        json={"inbox_key": workspace.inbox_key, "visitor_token": visitor.token},
    )
    assert fresh.status_code == 200
    assert fresh.json()["resumed"] is False and fresh.json()["contact_id"] != visitor.contact_id
    assert await visitor_texts(workspace, fresh.json()["visitor_token"]) == []


async def test_a_token_without_an_issue_time_is_refused(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    legacy = URLSafeSerializer(SECRET, salt="otklik.visitor").dumps(
        [workspace.inbox_id, visitor.contact_id]
    )
    refused = await workspace.api.get(
        "/api/v1/widget/messages", headers={"Authorization": f"Bearer {legacy}"}
    )
    assert refused.status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/widget/ws", "/api/v1/ws"])
async def test_a_token_in_the_socket_address_is_refused(workspace: Workspace, path: str) -> None:
    visitor = await workspace.visitor()
    token = visitor.token if "widget" in path else workspace.token
    sock = await Socket.open(f"{workspace.server.ws_url}{path}?token={token}", hello=False)
    frame = await sock.next()
    assert frame["type"] == "error" and "hello" in frame["message"]
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await sock.next()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400
    # The same token in the first frame is the way in.
    good = await Socket.open(f"{workspace.server.ws_url}{path}", token=token)
    await good.ready()
    await good.close()


async def test_a_socket_without_a_token_is_refused(workspace: Workspace) -> None:
    for path in ("/api/v1/widget/ws", "/api/v1/ws"):
        sock = await Socket.open(f"{workspace.server.ws_url}{path}")
        assert (await sock.next())["code"] == "unauthorized"


# --- defect 6: rate limits and the upload quota --------------------------------------------


def limit(ws: Workspace, **changes: int) -> None:
    """Rebuild the running server's limits with ``changes`` to its settings."""
    settings = ws.server.settings.model_copy(update=changes)
    ws.server.app.state.widget_limits = WidgetLimits.from_settings(settings)


def assert_rate_limited(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1


async def test_new_sessions_from_one_address_are_limited(workspace: Workspace) -> None:
    limit(workspace, widget_sessions_per_minute_per_ip=3)
    body = {"inbox_key": workspace.inbox_key}
    for _ in range(3):
        assert (await workspace.api.post("/api/v1/widget/sessions", json=body)).status_code == 200
    assert_rate_limited(await workspace.api.post("/api/v1/widget/sessions", json=body))
    form = offline(workspace.inbox_key, "eve@example.com", new_id())
    assert_rate_limited(await workspace.api.post("/api/v1/widget/offline", json=form))


async def test_a_visitors_messages_are_limited_and_others_still_write(
    workspace: Workspace,
) -> None:
    limit(workspace, widget_messages_per_minute=2)
    flooder, other = await workspace.visitor(), await workspace.visitor()
    await flooder.say("one")
    await flooder.say("two")
    refused = await workspace.api.post(
        "/api/v1/widget/messages",
        headers=flooder.headers,
        json={"client_msg_id": new_id(), "text": "three"},
    )
    assert_rate_limited(refused)
    await other.say("I am not the flooder")
    assert await visitor_texts(workspace, flooder.token) == ["one", "two"]


async def test_visitor_uploads_are_limited_per_visitor(workspace: Workspace) -> None:
    limit(workspace, widget_uploads_per_hour=2)
    visitor = await workspace.visitor()
    for _ in range(2):
        ok = await upload(workspace, visitor.headers, b"x" * 100)
        assert ok.status_code == 201, ok.text
    assert_rate_limited(await upload(workspace, visitor.headers, b"x" * 100))


async def upload(ws: Workspace, headers: dict[str, str], data: bytes) -> Any:
    return await ws.api.post(
        "/api/v1/widget/attachments",
        headers=headers,
        files={"file": ("notes.txt", data, "text/plain")},
    )


async def test_the_inbox_quota_refuses_visitor_files_with_413(workspace: Workspace) -> None:
    workspace.server.settings.widget_upload_quota_mb = 1
    first, second = await workspace.visitor(), await workspace.visitor()
    assert (await upload(workspace, first.headers, b"a" * 600_000)).status_code == 201
    full = await upload(workspace, second.headers, b"b" * 600_000)
    assert full.status_code == 413, full.text
    assert full.json()["error"]["code"] == "quota_exceeded"
    assert (await upload(workspace, second.headers, b"c" * 448_576)).status_code == 201
    # Exactly full (1 MB): refused before the file is even read.
    assert (await upload(workspace, second.headers, b"d")).status_code == 413
    # Operators' files do not count against visitors' room.
    visitor_conv = (await second.say("see my files"))["conversation_id"]
    agent = await workspace.api.post(
        f"/api/v1/conversations/{visitor_conv}/attachments",
        headers=workspace.auth(),
        files={"file": ("reply.txt", b"e" * 600_000, "text/plain")},
    )
    assert agent.status_code == 201, agent.text
