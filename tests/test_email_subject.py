"""Email subjects: the first mail's subject is the conversation's title; a reply goes with
"Re: <subject>" or the subject the operator gives, which becomes the title. Real servers."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from otklik.config import Settings
from otklik.conversations.subjects import bare
from otklik.core.db import Database
from tests.mailservers import Dovecot, SmtpSink
from tests.support import Workspace, new_id
from tests.test_channel_email import email_inbox, mail, wait_messages


@pytest.fixture(autouse=True)
def allow_local_servers(settings: Settings) -> None:
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]


async def send(ws: Workspace, conversation_id: int, text: str, **extra: Any) -> Any:
    return await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        headers=ws.auth(),
        json={"client_msg_id": new_id(), "text": text, **extra},
    )


async def conversation(ws: Workspace, conversation_id: int) -> Any:
    response = await ws.api.get(f"/api/v1/conversations/{conversation_id}", headers=ws.auth())
    assert response.status_code == 200, response.text
    return response.json()


async def delivered(sink: SmtpSink, count: int) -> Any:
    for _ in range(300):
        if len(sink.received) >= count:
            return sink.received[count - 1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"{len(sink.received)} mails sent, expected {count}")


async def test_subject_is_the_title_and_replies_can_change_it(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink
) -> None:
    inbox = await email_inbox(workspace, dovecot, sink)
    sock = await workspace.agent_socket()
    await sock.ready()
    await dovecot.append(mail("Where is it?", subject="Re: Order 42 is late"))
    (stored,) = await wait_messages(db, inbox["id"], 1)
    conversation_id = stored.conversation_id
    assert (await conversation(workspace, conversation_id))["subject"] == "Order 42 is late"
    listed = await workspace.api.get("/api/v1/conversations", headers=workspace.auth())
    (item,) = [c for c in listed.json()["items"] if c["id"] == conversation_id]
    assert item["subject"] == "Order 42 is late"

    # The default: "Re: <subject>".
    assert (await send(workspace, conversation_id, "Looking into it.")).status_code == 201
    assert (await delivered(sink, 1))["Subject"] == "Re: Order 42 is late"

    # The operator's own subject goes with the mail and becomes the title, live.
    reply = await send(workspace, conversation_id, "Refund sent.", subject="Refund for order 42")
    assert reply.status_code == 201, reply.text
    assert (await delivered(sink, 2))["Subject"] == "Refund for order 42"
    renamed = await sock.until(
        lambda f: (
            f.get("type") == "message.created"
            and f["data"]["conversation"]["subject"] == "Refund for order 42"
        )
    )
    assert renamed["data"]["message"]["id"] == reply.json()["id"]
    assert (await conversation(workspace, conversation_id))["subject"] == "Refund for order 42"
    assert (await send(workspace, conversation_id, "Anything else?")).status_code == 201
    assert (await delivered(sink, 3))["Subject"] == "Re: Refund for order 42"

    # Refused: a subject on a note, an empty or multi-line one.
    for extra in (
        {"subject": "x", "private": True},
        {"subject": "Re:"},
        {"subject": "one\r\nBcc: someone@else.example"},
        {"subject": ""},
    ):
        refused = await send(workspace, conversation_id, "no", **extra)
        assert refused.status_code == 422, (extra, refused.text)
    await sock.close()


async def test_a_widget_conversation_has_no_subject(workspace: Workspace) -> None:
    said = await (await workspace.visitor("Olga")).say("Hello")
    conversation_id = said["conversation_id"]
    assert (await conversation(workspace, conversation_id))["subject"] is None
    refused = await send(workspace, conversation_id, "Hi", subject="Re: Hello")
    assert refused.status_code == 422
    assert "email" in refused.json()["error"]["message"]


def test_bare_subjects() -> None:
    assert bare("Re: RE[2]: Fwd:  Order  42 ") == "Order 42"
    assert bare("Отв: Заказ") == "Заказ"
    assert bare("Re:") is None and bare(None) is None
