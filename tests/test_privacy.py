"""Personal data (ADR 30): export a contact as a ZIP, erase a contact leaving nothing
personal behind, and the retention that erases old resolved conversations."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from otklik.config import Settings
from otklik.contacts.models import Contact
from otklik.conversations.models import Conversation, Message
from otklik.core.db import Database
from otklik.jobs.registry import enqueue
from otklik.models import Base
from otklik.privacy import service as privacy
from otklik.privacy.personal_data import REDACTED, redact
from tests.auth_support import frozen
from tests.receivers import Receiver
from tests.support import Visitor, Workspace, new_id
from tests.test_attachments import tiny_png, upload_as_agent, upload_as_visitor
from tests.test_webhooks import register, until_deliveries

NAME = "Zinaida Pryanikova"
EMAIL = "zinaida.pryanikova@example.org"
PHONE = "+7 912 555-01-01"
SAID = "My order 4471 never arrived, please call me back"
NOTE = "Pryanikova is a VIP, refund approved"
FILENAME = "passport-scan.png"
# The CRM's fields (issue 15): a second address, a phone (stored as E.164), a contact note,
# and a merged duplicate whose overridden name the merge's audit entry keeps.
SECOND_EMAIL = "z.pryanikova@work.example"
CRM_PHONE = "+79125550202"
CONTACT_NOTE = "Prefers calls after 18:00, lives on Sadovaya 5"


@pytest.fixture(autouse=True)
def allow_test_receivers(settings: Settings) -> None:
    settings.webhook_allow_hosts = ["127.0.0.2/32"]


async def customer(ws: Workspace, db: Database) -> tuple[Visitor, int, bytes, bytes]:
    """A visitor with a name, email and phone, a message with a file, an operator's reply
    with a file and a private note. Returns the visitor, the conversation and both files."""
    response = await ws.api.post(
        "/api/v1/widget/sessions",
        json={"inbox_key": ws.inbox_key, "name": NAME, "email": EMAIL},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    visitor = Visitor(ws, body["visitor_token"], body["contact_id"])
    async with db.session(write=True) as session:
        await session.execute(
            update(Contact)
            .where(Contact.id == visitor.contact_id)
            .values(attributes={"phone": PHONE, "plan": "gold"})
        )
    theirs = tiny_png()
    uploaded = await upload_as_visitor(visitor, FILENAME, theirs)
    assert uploaded.status_code == 201, uploaded.text
    sent = await ws.api.post(
        "/api/v1/widget/messages",
        headers=visitor.headers,
        json={"client_msg_id": new_id(), "text": SAID, "attachment_ids": [uploaded.json()["id"]]},
    )
    assert sent.status_code == 201, sent.text
    conversation_id = int(sent.json()["conversation_id"])
    ours = b"invoice for Zinaida Pryanikova\n"
    reply_file = await upload_as_agent(ws, conversation_id, "invoice.txt", ours, "text/plain")
    assert reply_file.status_code == 201, reply_file.text
    await ws.reply(
        conversation_id, f"Hello {NAME}, we are on it", attachment_ids=[reply_file.json()["id"]]
    )
    await ws.reply(conversation_id, NOTE, private=True)
    await crm_fields(ws, visitor.contact_id)
    return visitor, conversation_id, theirs, ours


async def crm_fields(ws: Workspace, contact_id: int) -> None:
    patched = await ws.api.patch(
        f"/api/v1/contacts/{contact_id}",
        headers=ws.auth(),
        json={"emails": [EMAIL, SECOND_EMAIL], "phones": [CRM_PHONE]},
    )
    assert patched.status_code == 200, patched.text
    noted = await ws.api.post(
        f"/api/v1/contacts/{contact_id}/notes", headers=ws.auth(), json={"text": CONTACT_NOTE}
    )
    assert noted.status_code == 201, noted.text
    duplicate = await ws.api.post(
        "/api/v1/widget/sessions",
        json={"inbox_key": ws.inbox_key, "name": f"{NAME} (old)", "email": "zp@old.example"},
    )
    assert duplicate.status_code == 200, duplicate.text
    old = Visitor(ws, duplicate.json()["visitor_token"], duplicate.json()["contact_id"])
    await old.say("Zinaida again, from my old address")
    merged = await ws.api.post(
        f"/api/v1/contacts/{contact_id}/merge",
        headers=ws.auth(),
        json={"other_id": old.contact_id},
    )
    assert merged.status_code == 200, merged.text


async def until_export_ready(ws: Workspace, export_id: int) -> dict[str, Any]:
    for _ in range(200):
        response = await ws.api.get(f"/api/v1/privacy/exports/{export_id}", headers=ws.auth())
        assert response.status_code == 200, response.text
        if response.json()["state"] != "pending":
            result: dict[str, Any] = response.json()
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("the export was not built")


async def until_erased(db: Database, conversation_id: int) -> None:
    for _ in range(200):
        async with db.session(write=False) as session:
            texts = set(
                await session.scalars(
                    select(Message.text).where(Message.conversation_id == conversation_id)
                )
            )
        if texts == {""}:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the retention job did not erase the conversation")


async def audit_actions(ws: Workspace) -> list[dict[str, Any]]:
    response = await ws.api.get("/api/v1/audit", headers=ws.auth())
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_admin_exports_everything_about_a_contact_as_a_zip(
    workspace: Workspace, db: Database
) -> None:
    visitor, conversation_id, theirs, ours = await customer(workspace, db)
    _, agent_token = await workspace.agent("agent@example.com")
    path = f"/api/v1/contacts/{visitor.contact_id}/privacy/exports"
    refused = await workspace.api.post(path, headers=workspace.auth(agent_token))
    assert refused.status_code == 403
    missing = await workspace.api.post(
        "/api/v1/contacts/999999/privacy/exports", headers=workspace.auth()
    )
    assert missing.status_code == 404

    requested = await workspace.api.post(path, headers=workspace.auth())
    assert requested.status_code == 202, requested.text
    assert requested.json()["state"] == "pending"
    export = await until_export_ready(workspace, requested.json()["id"])
    assert export["state"] == "ready", export
    listed = await workspace.api.get(path, headers=workspace.auth())
    assert [e["id"] for e in listed.json()["items"]] == [export["id"]]

    # Only admins download it.
    as_agent = await workspace.api.get(export["download_url"], headers=workspace.auth(agent_token))
    assert as_agent.status_code == 403
    got = await workspace.api.get(export["download_url"], headers=workspace.auth())
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(got.content))
    document = json.loads(archive.read("contact.json"))
    assert document["contact"]["name"] == NAME
    assert document["contact"]["email"] == EMAIL
    assert document["contact"]["attributes"]["phone"] == PHONE
    # The merged duplicate's address moved here too.
    assert document["contact"]["other_emails"] == [SECOND_EMAIL, "zp@old.example"]
    assert document["contact"]["phones"] == [CRM_PHONE]
    assert [n["text"] for n in document["contact"]["notes"]] == [CONTACT_NOTE]
    # Its own conversation and the merged duplicate's.
    assert len(document["conversations"]) == 2
    [conversation] = [c for c in document["conversations"] if c["id"] == conversation_id]
    texts = [m["text"] for m in conversation["messages"]]
    assert SAID in texts and NOTE in texts  # the operators' notes too
    files = {a["filename"]: a for a in document["attachments"]}
    assert set(files) == {FILENAME, "invoice.txt"}
    assert archive.read(files[FILENAME]["file"]) == theirs
    assert archive.read(files["invoice.txt"]["file"]) == ours

    actions = [(e["action"], e["target_id"]) for e in await audit_actions(workspace)]
    assert ("privacy.export_requested", visitor.contact_id) in actions
    assert ("privacy.export_downloaded", visitor.contact_id) in actions


def _everything(conn: Any) -> list[str]:
    """Every value of every row of every table, as text."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in conn.execute(select(table)):
            for value in row:
                if isinstance(value, dict | list):
                    found.append(json.dumps(value, ensure_ascii=False))
                elif value is not None:
                    found.append(str(value))
    return found


def _needles() -> list[str]:
    return [
        NAME,
        "Zinaida",
        "Pryanikova",
        EMAIL,
        PHONE,
        SAID,
        NOTE,
        FILENAME,
        "passport-scan",
        SECOND_EMAIL,
        CRM_PHONE,
        "9125550202",
        CONTACT_NOTE,
        "zp@old.example",
    ]


async def test_erasing_a_contact_leaves_no_personal_data_behind(
    workspace: Workspace, db: Database, receiver: Receiver, settings: Settings
) -> None:
    endpoint = await register(workspace, f"{receiver.url}/hook")
    visitor, conversation_id, theirs, _ = await customer(workspace, db)
    await until_deliveries(
        workspace,
        endpoint["id"],
        lambda items: len(items) >= 3 and all(d["state"] == "success" for d in items),
    )
    export = await workspace.api.post(
        f"/api/v1/contacts/{visitor.contact_id}/privacy/exports", headers=workspace.auth()
    )
    await until_export_ready(workspace, export.json()["id"])
    files_before = [p for p in (settings.data_dir / "attachments").rglob("*") if p.is_file()]
    assert len(files_before) == 2
    async with db.session(write=False) as session:
        messages_before = len(
            (
                await session.scalars(
                    select(Message.id)
                    .join(Conversation, Conversation.id == Message.conversation_id)
                    .where(Conversation.contact_id == visitor.contact_id)
                )
            ).all()
        )

    # A job that carries the contact's words (as a Telegram update does), not run yet.
    async with db.session(write=True) as session:
        await enqueue(
            session,
            name="tests.never_run",
            payload={"update": {"from": {"first_name": NAME}, "text": SAID}},
            run_at=datetime(2999, 1, 1, tzinfo=UTC),
        )

    path = f"/api/v1/contacts/{visitor.contact_id}/privacy/erase"
    _, supervisor = await workspace.agent("lead@example.com", role="supervisor")
    denied = await workspace.api.post(
        path, headers=workspace.auth(supervisor), json={"confirm_contact_id": visitor.contact_id}
    )
    assert denied.status_code == 403
    unconfirmed = await workspace.api.post(
        path, headers=workspace.auth(), json={"confirm_contact_id": visitor.contact_id + 1}
    )
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["error"]["code"] == "not_confirmed"

    erased = await workspace.api.post(
        path, headers=workspace.auth(), json={"confirm_contact_id": visitor.contact_id}
    )
    assert erased.status_code == 200, erased.text
    result = erased.json()
    assert result["counts"]["attachments"] == 2
    assert result["counts"]["messages"] == messages_before
    assert result["counts"]["jobs"] >= 1

    # Nothing personal in any table (search terms, event payloads, webhook deliveries, the
    # audit log, jobs included).
    async with db.read_engine.connect() as conn:
        values = await conn.run_sync(_everything)
    leaks = [(n, v[:120]) for v in values for n in _needles() if n.casefold() in v.casefold()]
    assert leaks == []
    # The files are gone from the disk (the attachments and the export).
    # (The SQLite file and its WAL are the database's own pages, checked above by rows.)
    left = [
        p
        for p in settings.data_dir.rglob("*")
        if p.is_file() and not p.name.startswith("otklik.db")
    ]
    for item in left:
        data = item.read_bytes()
        assert theirs not in data and b"Zinaida" not in data, item
    assert not any(p.is_file() for p in (settings.data_dir / "attachments").rglob("*"))

    # The search index finds nothing either.
    for q in ("Pryanikova", "4471", EMAIL):
        found = await workspace.api.get("/api/v1/search", headers=workspace.auth(), params={"q": q})
        assert found.status_code == 200, found.text
        assert all(g["hits"] == [] for g in found.json()["groups"]), (q, found.json())
    if db.is_sqlite:
        async with db.read_engine.connect() as conn:
            hits = await conn.execute(
                text("SELECT rowid FROM messages_fts WHERE messages_fts MATCH 'pryanikova'")
            )
            assert hits.all() == []

    # The messages stay, anonymised, on the anonymous placeholder: statistics still count.
    conversation = await workspace.api.get(
        f"/api/v1/conversations/{conversation_id}", headers=workspace.auth()
    )
    assert conversation.status_code == 200
    assert conversation.json()["contact"]["id"] == result["placeholder_id"]
    async with db.session(write=False) as session:
        kept = (
            await session.scalars(
                select(Message)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Conversation.contact_id == result["placeholder_id"])
            )
        ).all()
    assert len(kept) == messages_before
    assert {m.text for m in kept} == {""}
    gone = await workspace.api.get(
        f"/api/v1/contacts/{visitor.contact_id}", headers=workspace.auth()
    )
    assert gone.status_code == 404
    again = await workspace.api.post(
        path, headers=workspace.auth(), json={"confirm_contact_id": visitor.contact_id}
    )
    assert again.status_code == 404  # nothing half-written by a second erase

    # The audit entry: who, when, which contact — and counts only.
    [entry] = [e for e in await audit_actions(workspace) if e["action"] == "privacy.contact_erased"]
    assert entry["actor_id"] == workspace.admin_id
    assert entry["target_id"] == visitor.contact_id
    # The visitor's old token sees nothing and can no longer write.
    after = await workspace.api.get("/api/v1/widget/messages", headers=visitor.headers)
    assert after.json()["items"] == []
    said = await workspace.api.post(
        "/api/v1/widget/messages",
        headers=visitor.headers,
        json={"client_msg_id": new_id(), "text": "again"},
    )
    assert said.status_code == 401


async def test_retention_erases_resolved_conversations_past_the_period(
    workspace: Workspace, db: Database, settings: Settings
) -> None:
    path = "/api/v1/privacy/settings"
    got = await workspace.api.get(path, headers=workspace.auth())
    assert got.json() == {"retention_months": None}  # off by default
    for bad in (0, -1, 121, "six"):
        refused = await workspace.api.put(
            path, headers=workspace.auth(), json={"retention_months": bad}
        )
        assert refused.status_code == 422, bad
    _, agent_token = await workspace.agent("agent@example.com")
    as_agent = await workspace.api.put(
        path, headers=workspace.auth(agent_token), json={"retention_months": 6}
    )
    assert as_agent.status_code == 403

    start = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    with frozen(start) as clock:
        old = await workspace.visitor("Old Customer")
        old_said = await old.say("old secret question 1122")
        old_id = int(old_said["conversation_id"])
        still_open = await workspace.visitor("Open Customer")
        open_id = int((await still_open.say("still waiting 3344"))["conversation_id"])
        resolved = await workspace.api.post(
            f"/api/v1/conversations/{old_id}/status",
            headers=workspace.auth(),
            json={"status": "resolved"},
        )
        assert resolved.status_code == 200, resolved.text

        clock.advance(days=200)
        recent = await workspace.visitor("Recent Customer")
        recent_id = int((await recent.say("recent question 5566"))["conversation_id"])
        await workspace.api.post(
            f"/api/v1/conversations/{recent_id}/status",
            headers=workspace.auth(),
            json={"status": "resolved"},
        )

        # Off: nothing is erased, however old.
        clock.advance(days=100)
        async with db.session(write=True) as session:
            assert await privacy.apply_retention(session, settings=settings) == 0

        saved = await workspace.api.put(
            path, headers=workspace.auth(), json={"retention_months": 6}
        )
        assert saved.status_code == 200 and saved.json() == {"retention_months": 6}
        # Now 2026-11-27: six months back is 2026-05-27; the recent one was resolved 08-19.
        # The server's hourly ``privacy.retention`` job does it (a new hour: a new slot).
        clock.advance(hours=1)
        await until_erased(db, old_id)
        async with db.session(write=True) as session:  # done once: nothing left to do
            assert await privacy.apply_retention(session, settings=settings) == 0

    async with db.session(write=False) as session:
        rows = (await session.execute(select(Message.conversation_id, Message.text))).all()
    texts: dict[int, set[str]] = {}
    for conversation, said in rows:
        texts.setdefault(conversation, set()).add(said)
    assert texts[old_id] == {""}
    assert "still waiting 3344" in texts[open_id]
    assert "recent question 5566" in texts[recent_id]
    actions = [e["action"] for e in await audit_actions(workspace)]
    assert "privacy.retention_erased" in actions and "settings.retention_changed" in actions


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    at = datetime(2026, 3, 31, 8, 30, tzinfo=UTC)
    assert privacy.months_before(at, 1) == datetime(2026, 2, 28, 8, 30, tzinfo=UTC)
    assert privacy.months_before(at, 3) == datetime(2025, 12, 31, 8, 30, tzinfo=UTC)
    assert privacy.months_before(at, 24) - at == timedelta(days=-730)


def test_redaction_keeps_structure_and_finds_personal_strings() -> None:
    needles = {"Zinaida Pryanikova", "open", "123456789", "4471", SAID}
    payload = {
        "conversation": {"id": 4471, "status": "open", "contact_id": 9},
        "message": {"text": "open", "created_at": "2026-12-04T14:12:34.123456"},
        "contact": {"name": "zinaida pryanikova", "note": "tg 123456789 wrote"},
        "preview": SAID[:30] + "…",
        "other": "order 44712 is unrelated",  # short digits are matched whole only
        "list": ["ok", "Dear Zinaida Pryanikova,"],
    }
    redacted, changed = redact(payload, needles)
    assert changed
    assert redacted["conversation"] == payload["conversation"]  # ids and statuses stay
    assert redacted["message"] == {"text": REDACTED, "created_at": "2026-12-04T14:12:34.123456"}
    assert redacted["contact"] == {"name": REDACTED, "note": REDACTED}
    assert redacted["preview"] == REDACTED
    assert redacted["other"] == payload["other"]
    assert redacted["list"] == ["ok", REDACTED]
    assert redact({"text": "hello"}, needles) == ({"text": "hello"}, False)
