"""Attachments: upload, send, download, who may see them, and what the browser is told."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from otklik.attachments import sniff
from otklik.attachments.service import prune_unsent, sanitise_filename
from otklik.channels.base import InboundFile, InboundMessage
from otklik.channels.inbound import receive
from otklik.channels.models import Inbox
from otklik.conversations.models import Message
from otklik.core.db import Database
from tests.support import Visitor, Workspace, new_id
from tests.test_channel_base import Relay, relay, relay_inbox, wait_for_job
from tests.test_queries import count_selects

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


def tiny_png() -> bytes:
    """A valid 2×2 red PNG (browsers must be able to draw the preview)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def upload_as_agent(
    workspace: Workspace, conversation_id: int, name: str, data: bytes, mime: str = "image/png"
) -> httpx.Response:
    return await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/attachments",
        headers=workspace.auth(),
        files={"file": (name, data, mime)},
    )


async def upload_as_visitor(
    visitor: Visitor, name: str, data: bytes, mime: str = "image/png"
) -> httpx.Response:
    return await visitor.ws.api.post(
        "/api/v1/widget/attachments", headers=visitor.headers, files={"file": (name, data, mime)}
    )


async def agent_send(
    workspace: Workspace,
    conversation_id: int,
    attachment_ids: list[int],
    *,
    text: str = "",
    private: bool = False,
    client_msg_id: str | None = None,
) -> httpx.Response:
    return await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        headers=workspace.auth(),
        json={
            "client_msg_id": client_msg_id or new_id(),
            "text": text,
            "private": private,
            "attachment_ids": attachment_ids,
        },
    )


def stored_files(workspace: Workspace) -> list[Path]:
    root = workspace.server.settings.data_dir / "attachments"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_operator_uploads_sends_and_both_sides_download(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    conversation_id = (await visitor.say("hello"))["conversation_id"]
    png = tiny_png()
    uploaded = await upload_as_agent(workspace, conversation_id, "screen shot.png", png)
    assert uploaded.status_code == 201, uploaded.text
    attachment: dict[str, Any] = uploaded.json()
    assert attachment["filename"] == "screen shot.png"
    assert attachment["content_type"] == "image/png" and attachment["inline"] is True
    assert attachment["size"] == len(png)
    assert attachment["url"] == f"/api/v1/attachments/{attachment['id']}"

    sock = await visitor.socket()
    await sock.ready()
    client_msg_id = new_id()
    sent = await agent_send(
        workspace, conversation_id, [attachment["id"]], client_msg_id=client_msg_id
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["text"] == "" and sent.json()["attachments"] == [attachment]
    event = await sock.until(lambda f: f.get("type") == "message.created")
    assert event["data"]["message"]["attachments"] == [attachment]
    await sock.close()
    # A retry of the same send is the same message, with its attachment.
    again = await agent_send(
        workspace, conversation_id, [attachment["id"]], client_msg_id=client_msg_id
    )
    assert again.status_code == 200 and again.json()["attachments"] == [attachment]

    page = await workspace.api.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=workspace.auth()
    )
    assert page.json()["items"][-1]["attachments"] == [attachment]
    assert (await visitor.messages())[-1]["attachments"] == [attachment]

    for headers in (workspace.auth(), visitor.headers):
        got = await workspace.api.get(attachment["url"], headers=headers)
        assert got.status_code == 200, got.text
        assert got.content == png
        assert got.headers["content-type"] == "image/png"
        assert got.headers["content-disposition"].startswith("inline;")
        assert got.headers["x-content-type-options"] == "nosniff"
    anonymous = await workspace.api.get(attachment["url"])
    assert anonymous.status_code == 401


async def test_visitor_uploads_before_the_first_message(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    uploaded = await upload_as_visitor(visitor, "report.pdf", b"%PDF-1.7\n...", "image/png")
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()
    # The type comes from the bytes, not from what the browser claimed.
    assert attachment["content_type"] == "application/pdf" and attachment["inline"] is False
    # Their own upload, not sent yet: the visitor may see it (a preview before sending).
    own = await workspace.api.get(attachment["url"], headers=visitor.headers)
    assert own.status_code == 200
    stranger = await workspace.visitor("Stranger")
    assert (await workspace.api.get(attachment["url"], headers=stranger.headers)).status_code == 404
    sent = await visitor.ws.api.post(
        "/api/v1/widget/messages",
        headers=visitor.headers,
        json={"client_msg_id": new_id(), "attachment_ids": [attachment["id"]]},
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["attachments"] == [attachment]
    conversation_id = sent.json()["conversation_id"]
    page = await workspace.api.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=workspace.auth()
    )
    assert page.json()["items"][0]["attachments"] == [attachment]
    got = await workspace.api.get(attachment["url"], headers=workspace.auth())
    assert got.status_code == 200 and got.content == b"%PDF-1.7\n..."
    assert got.headers["content-disposition"].startswith("attachment;")


async def test_visitors_see_only_their_public_attachments(workspace: Workspace) -> None:
    alice = await workspace.visitor("Alice")
    bob = await workspace.visitor("Bob")
    alice_conversation = (await alice.say("hi"))["conversation_id"]
    await bob.say("hi")
    public = (await upload_as_agent(workspace, alice_conversation, "a.png", tiny_png())).json()
    note = (await upload_as_agent(workspace, alice_conversation, "n.png", tiny_png())).json()
    unsent = (await upload_as_agent(workspace, alice_conversation, "u.png", tiny_png())).json()
    assert (await agent_send(workspace, alice_conversation, [public["id"]])).status_code == 201
    private = await agent_send(workspace, alice_conversation, [note["id"]], private=True)
    assert private.status_code == 201
    assert all(m["private"] is False for m in await alice.messages())

    assert (await workspace.api.get(public["url"], headers=alice.headers)).status_code == 200
    for who, attachment in ((bob, public), (alice, note), (alice, unsent)):
        response = await workspace.api.get(attachment["url"], headers=who.headers)
        assert response.status_code == 404, (who.contact_id, attachment)
        assert response.json()["error"]["code"] == "not_found"
    # Operators see everything, the private note's file too.
    assert (await workspace.api.get(note["url"], headers=workspace.auth())).status_code == 200


@pytest.mark.parametrize("program", [ELF, PE], ids=["elf", "pe"])
async def test_an_executable_is_never_served_inline(workspace: Workspace, program: bytes) -> None:
    visitor = await workspace.visitor()
    uploaded = await upload_as_visitor(visitor, "photo.png", program)
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()
    assert attachment["content_type"] == "application/octet-stream"
    assert attachment["inline"] is False
    sent = await visitor.ws.api.post(
        "/api/v1/widget/messages",
        headers=visitor.headers,
        json={"client_msg_id": new_id(), "text": "see", "attachment_ids": [attachment["id"]]},
    )
    assert sent.status_code == 201
    got = await workspace.api.get(attachment["url"], headers=workspace.auth())
    assert got.status_code == 200 and got.content == program
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert 'filename="photo.png"' in got.headers["content-disposition"]
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in got.headers["content-security-policy"]


async def test_over_the_limit_is_413_and_nothing_is_stored(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    conversation_id = (await visitor.say("hi"))["conversation_id"]
    limit = workspace.server.settings.max_attachment_bytes
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (limit - 7)
    response = await upload_as_agent(workspace, conversation_id, "big.png", big)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "too_large"
    response = await upload_as_visitor(visitor, "big.png", big)
    assert response.status_code == 413
    # Far beyond the limit: refused on the announced length, before reading the body.
    response = await upload_as_visitor(visitor, "huge.bin", b"x" * (limit + 200_000))
    assert response.status_code == 413
    assert stored_files(workspace) == []
    # Exactly at the limit is fine.
    ok = await upload_as_visitor(visitor, "max.png", big[:limit])
    assert ok.status_code == 201 and ok.json()["size"] == limit
    assert len(stored_files(workspace)) == 1


async def test_bad_uploads_and_sends(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    other = await workspace.visitor("Other")
    conversation_id = (await visitor.say("hi"))["conversation_id"]
    not_multipart = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/attachments",
        headers=workspace.auth(),
        content=b"raw",
    )
    assert not_multipart.status_code == 415
    no_file = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/attachments",
        headers=workspace.auth(),
        data={"note": "x"},
        files={"other": ("a.txt", b"abc", "text/plain")},
    )
    assert no_file.status_code == 422
    empty = await upload_as_agent(workspace, conversation_id, "e.txt", b"")
    assert empty.status_code == 422
    missing = await upload_as_agent(workspace, 999_999, "a.png", tiny_png())
    assert missing.status_code == 404
    unauthenticated = await workspace.api.post(
        "/api/v1/widget/attachments", files={"file": ("a.png", tiny_png(), "image/png")}
    )
    assert unauthenticated.status_code == 401
    assert stored_files(workspace) == []

    agents_file = (await upload_as_agent(workspace, conversation_id, "a.png", tiny_png())).json()
    others_file = (await upload_as_visitor(other, "o.png", tiny_png())).json()
    for ident in (agents_file["id"], others_file["id"], 999_999):
        response = await visitor.ws.api.post(
            "/api/v1/widget/messages",
            headers=visitor.headers,
            json={"client_msg_id": new_id(), "attachment_ids": [ident]},
        )
        assert response.status_code == 422, response.text
    # Nothing to send at all.
    nothing = await agent_send(workspace, conversation_id, [])
    assert nothing.status_code == 422
    # Once sent, an upload cannot travel on a second message.
    assert (await agent_send(workspace, conversation_id, [agents_file["id"]])).status_code == 201
    assert (await agent_send(workspace, conversation_id, [agents_file["id"]])).status_code == 422
    # An agent's upload for one conversation cannot be sent into another.
    elsewhere = (await other.say("hello"))["conversation_id"]
    foreign = (await upload_as_agent(workspace, conversation_id, "f.png", tiny_png())).json()
    assert (await agent_send(workspace, elsewhere, [foreign["id"]])).status_code == 422


async def test_names_are_sanitised_and_quoted(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    conversation_id = (await visitor.say("hi"))["conversation_id"]
    uploaded = await upload_as_agent(
        workspace, conversation_id, "../../etc/сч\u202eёт.txt", "привет".encode(), "text/html"
    )
    attachment = uploaded.json()
    assert attachment["filename"] == "счёт.txt"
    assert attachment["content_type"] == "text/plain"
    got = await workspace.api.get(attachment["url"], headers=workspace.auth())
    disposition = got.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%D1%81%D1%87%D1%91%D1%82.txt" in disposition
    assert got.headers["content-type"].startswith("text/plain")


async def test_message_list_with_attachments_is_four_queries(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    conversation_id = (await visitor.say("start"))["conversation_id"]
    for index in range(6):
        ids = [
            (
                await upload_as_agent(workspace, conversation_id, f"{index}-{n}.png", tiny_png())
            ).json()["id"]
            for n in range(2)
        ]
        assert (await agent_send(workspace, conversation_id, ids)).status_code == 201
    url = f"/api/v1/conversations/{conversation_id}/messages"
    with count_selects(workspace) as statements:
        response = await workspace.api.get(url, headers=workspace.auth())
    items = response.json()["items"]
    assert [len(m["attachments"]) for m in items] == [0] + [2] * 6
    assert len(statements) == 4, statements


def test_sniffing() -> None:
    assert sniff.sniff(tiny_png()) == "image/png"
    assert sniff.sniff(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert sniff.sniff(b"GIF89a\x01\x00") == "image/gif"
    assert sniff.sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff.sniff(b"%PDF-1.4") == "application/pdf"
    assert sniff.sniff(b"PK\x03\x04....[Content_Types].xml....word/document.xml").endswith(
        "wordprocessingml.document"
    )
    assert sniff.sniff(b"PK\x03\x04 plain zip") == "application/zip"
    assert sniff.sniff(b"just words") == "text/plain"
    assert sniff.sniff(b'<svg onload="alert(1)"/>') == "text/plain"
    for program in (ELF, PE, b"#!/bin/sh\nrm -rf /", b"\xcf\xfa\xed\xfe\x07\x00"):
        assert sniff.sniff(program) == "application/octet-stream"
    assert sniff.sniff(b"\x00\x01\x02") == "application/octet-stream"
    assert not sniff.is_inline("image/svg+xml") and sniff.is_inline("image/webp")


def test_sanitise_filename() -> None:
    assert sanitise_filename("C:\\Users\\me\\photo.jpg") == "photo.jpg"
    assert sanitise_filename("../../") == "file"
    assert sanitise_filename(None) == "file"
    assert sanitise_filename("a\u202egnp.exe") == "agnp.exe"
    long = sanitise_filename("x" * 300 + ".jpeg")
    assert len(long) <= 200 and long.endswith(".jpeg")


async def test_unsent_uploads_are_pruned(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    conversation_id = (await visitor.say("hi"))["conversation_id"]
    sent = (await upload_as_agent(workspace, conversation_id, "s.png", tiny_png())).json()
    unsent = (await upload_as_agent(workspace, conversation_id, "u.png", tiny_png())).json()
    assert (await agent_send(workspace, conversation_id, [sent["id"]])).status_code == 201
    assert len(stored_files(workspace)) == 2
    db = workspace.server.app.state.db
    async with db.session(write=True) as session:
        pruned = await prune_unsent(
            session, settings=workspace.server.settings, older_than=timedelta(0)
        )
    assert pruned == 1
    assert len(stored_files(workspace)) == 1
    assert (await workspace.api.get(unsent["url"], headers=workspace.auth())).status_code == 404
    assert (await workspace.api.get(sent["url"], headers=workspace.auth())).status_code == 200


async def test_channels_store_inbound_files_and_get_reply_files(workspace: Workspace) -> None:
    inbox = await relay_inbox(workspace)
    db: Database = workspace.server.app.state.db
    settings = workspace.server.settings
    sock = await workspace.agent_socket()
    await sock.ready()
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 100
    message = InboundMessage(
        external_id="mail-1",
        sender_id="user-9",
        text="",
        files=(
            InboundFile(filename="photo.jpg", data=jpeg),
            InboundFile(filename="huge.iso", data=b"\x00" * (settings.max_attachment_bytes + 1)),
        ),
    )
    async with db.session(write=True) as session:
        stored_inbox = await session.get_one(Inbox, inbox["id"])
        posted = await receive(
            session, inbox=stored_inbox, message=message, max_chars=10_000, settings=settings
        )
        again = await receive(
            session, inbox=stored_inbox, message=message, max_chars=10_000, settings=settings
        )
    assert posted.created and not again.created
    [photo] = posted.message.attachments
    assert photo.filename == "photo.jpg" and photo.content_type == "image/jpeg" and photo.inline
    assert again.message.attachments == posted.message.attachments
    async with db.session(write=False) as session:
        stored = await session.get_one(Message, posted.message.id)
    assert stored.channel_data["skipped_files"] == ["huge.iso"]
    assert len(stored_files(workspace)) == 1  # the repeat's copy was discarded
    created = await sock.until(lambda f: f.get("type") == "message.created")
    assert created["data"]["message"]["attachments"] == [photo.model_dump(mode="json")]
    await sock.close()

    conversation_id = posted.message.conversation_id
    upload = await upload_as_agent(workspace, conversation_id, "invoice.pdf", b"%PDF-1.7 bill")
    plugin = cast(Relay, relay)
    plugin.sent.clear()
    plugin.failures_left = 0
    reply = await agent_send(workspace, conversation_id, [upload.json()["id"]], text="Attached")
    assert reply.status_code == 201
    await wait_for_job(db, lambda j: j.state == "done")
    (sent,) = plugin.sent
    (file,) = sent.files
    assert (file.filename, file.content_type, file.size) == ("invoice.pdf", "application/pdf", 13)
    assert file.path.read_bytes() == b"%PDF-1.7 bill"


async def test_files_keep_one_order_in_the_answer_the_event_and_the_history(
    workspace: Workspace,
) -> None:
    visitor = await workspace.visitor()
    conversation_id = (await visitor.say("two files please"))["conversation_id"]
    first = (await upload_as_agent(workspace, conversation_id, "a.png", tiny_png())).json()
    second = (await upload_as_agent(workspace, conversation_id, "b.txt", b"b", "text/plain")).json()
    sock = await workspace.agent_socket()
    await sock.ready()
    # Named in the other order (as a browser may, when the second upload finished first).
    sent = await agent_send(workspace, conversation_id, [second["id"], first["id"]], text="both")
    assert sent.status_code == 201, sent.text
    event = await sock.until(lambda f: f.get("type") == "message.created")
    page = await workspace.api.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=workspace.auth()
    )
    names = ["a.png", "b.txt"]
    assert [a["filename"] for a in sent.json()["attachments"]] == names
    assert [a["filename"] for a in event["data"]["message"]["attachments"]] == names
    assert [a["filename"] for a in page.json()["items"][-1]["attachments"]] == names
    await sock.close()
