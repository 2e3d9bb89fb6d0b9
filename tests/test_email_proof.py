"""A widget visitor joins an existing contact only with a one-time code or link mailed to
its address (issue 11, defect 1's second half): without it no history, with it the
history; a used or expired proof is refused with a clear 4xx."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from otklik.channels.widget.models import VisitorEmailProof
from otklik.channels.widget.proof import PROOF_MAIL_JOB
from otklik.config import Settings
from otklik.core import clock
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.jobs.models import Job
from tests.mailservers import SmtpSink
from tests.support import Workspace

ANNA = "anna@example.com"
PUBLIC_URL = "https://support.example.test"


@pytest.fixture(autouse=True)
def mail_settings(settings: Settings) -> None:
    # The sink listens on 127.0.0.1: allowed as an admin would allow a LAN mail server.
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]
    settings.public_url = PUBLIC_URL


@pytest.fixture
def frozen() -> Iterator[None]:
    yield
    clock.freeze(None)


async def mail_inbox(ws: Workspace, sink: SmtpSink) -> None:
    response = await ws.api.post(
        "/api/v1/inboxes",
        headers=ws.auth(),
        json={
            "name": "Support mail",
            "channel": "email",
            "config": {
                "address": "support@example.com",
                "from_name": "Example Support",
                "imap_enabled": False,
                "smtp_host": "127.0.0.1",
                "smtp_port": sink.port,
                "smtp_security": "none",
            },
        },
    )
    assert response.status_code == 201, response.text


async def start(ws: Workspace, email: str, token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"inbox_key": ws.inbox_key, "name": "Anna", "email": email}
    if token:
        body["visitor_token"] = token
    response = await ws.api.post("/api/v1/widget/sessions", json=body)
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def texts(ws: Workspace, token: str) -> list[str]:
    response = await ws.api.get("/api/v1/widget/messages", headers=bearer(token))
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["items"]]


async def say(ws: Workspace, token: str, text: str, client_msg_id: str) -> None:
    response = await ws.api.post(
        "/api/v1/widget/messages",
        headers=bearer(token),
        json={"client_msg_id": client_msg_id, "text": text},
    )
    assert response.status_code == 201, response.text


async def anna_then_a_stranger(ws: Workspace) -> tuple[dict[str, Any], dict[str, Any]]:
    """Anna chatted from her laptop; someone (Anna on her phone, or not) now gives her
    address in the pre-chat form of a new session."""
    anna = await start(ws, ANNA)
    await say(ws, anna["visitor_token"], "My order 42 never came", "anna-1")
    stranger = await start(ws, ANNA)
    assert stranger["contact_id"] != anna["contact_id"] and stranger["resumed"] is False
    await say(ws, stranger["visitor_token"], "Where is my order?", "phone-1")
    return anna, stranger


async def ask(ws: Workspace, token: str, email: str = ANNA) -> Any:
    return await ws.api.post(
        "/api/v1/widget/identity/email",
        headers=bearer(token),
        json={"email": email, "language": "en"},
    )


async def confirm(ws: Workspace, token: str, code: str) -> Any:
    return await ws.api.post(
        "/api/v1/widget/identity/confirm", headers=bearer(token), json={"code": code}
    )


def code_and_link(mail: EmailMessage) -> tuple[str, str]:
    body = mail.get_content()
    code = re.search(r"code into the chat: (\d{6})", body)
    link = re.search(r"open this link: (\S+)", body)
    assert code is not None and link is not None, body
    return code.group(1), link.group(1)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_without_the_code_a_known_email_gives_no_history(
    workspace: Workspace, sink: SmtpSink
) -> None:
    await mail_inbox(workspace, sink)
    _, stranger = await anna_then_a_stranger(workspace)
    assert await texts(workspace, stranger["visitor_token"]) == ["Where is my order?"]
    asked = await ask(workspace, stranger["visitor_token"])
    assert asked.status_code == 202, asked.text
    code, _ = code_and_link((await sink.wait_for(1))[0])
    guessed = await confirm(workspace, stranger["visitor_token"], other_code(code))
    assert guessed.status_code == 422 and guessed.json()["error"]["code"] == "invalid_code"
    assert await texts(workspace, stranger["visitor_token"]) == ["Where is my order?"]


async def test_the_mailed_code_joins_the_visitor_to_the_contact_once(
    workspace: Workspace, sink: SmtpSink
) -> None:
    await mail_inbox(workspace, sink)
    anna, phone = await anna_then_a_stranger(workspace)
    assert (await ask(workspace, phone["visitor_token"])).status_code == 202
    mail = (await sink.wait_for(1))[0]
    assert sink.envelopes[0][1] == [ANNA] and "support@example.com" in str(mail["From"])
    code, link = code_and_link(mail)
    assert link.startswith(f"{PUBLIC_URL}/widget/verify?t=")

    joined = await confirm(workspace, phone["visitor_token"], code)
    assert joined.status_code == 200, joined.text
    session = joined.json()
    assert session["contact_id"] == anna["contact_id"] and session["resumed"] is True
    history = await texts(workspace, session["visitor_token"])
    assert history == ["My order 42 never came", "Where is my order?"]
    # Anna's own laptop keeps working, with the phone's message in the same history.
    assert await texts(workspace, anna["visitor_token"]) == history

    again = await confirm(workspace, phone["visitor_token"], code)
    assert again.status_code == 410 and again.json()["error"]["code"] == "proof_used"

    log = await workspace.api.get(
        "/api/v1/audit",
        headers=workspace.auth(),
        params={"action": "contact.joined_by_email_proof"},
    )
    [entry] = log.json()["items"]
    assert entry["actor_type"] == "visitor" and entry["actor_id"] == phone["contact_id"]
    assert entry["target_id"] == anna["contact_id"] and entry["data"]["email"] == ANNA


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    workspace: Workspace, sink: SmtpSink, db: Database
) -> None:
    await mail_inbox(workspace, sink)
    visitor = await start(workspace, "nobody@example.com")
    asked = await ask(workspace, visitor["visitor_token"], "nobody@example.com")
    assert asked.status_code == 202 and set(asked.json()) == {"expires_at"}
    async with db.session(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(VisitorEmailProof)) == 0
        # No mail was queued (other jobs — the periodic housekeeping — may be, on a slow run).
        mails = select(func.count()).select_from(Job).where(Job.name == PROOF_MAIL_JOB)
        assert await session.scalar(mails) == 0
    refused = await confirm(workspace, visitor["visitor_token"], "123456")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_code"


async def test_an_expired_code_and_link_are_refused(
    workspace: Workspace, sink: SmtpSink, frozen: None
) -> None:
    await mail_inbox(workspace, sink)
    _, phone = await anna_then_a_stranger(workspace)
    assert (await ask(workspace, phone["visitor_token"])).status_code == 202
    code, link = code_and_link((await sink.wait_for(1))[0])
    clock.freeze(utcnow() + timedelta(minutes=16))
    late = await confirm(workspace, phone["visitor_token"], code)
    assert late.status_code == 410 and late.json()["error"]["code"] == "proof_expired"
    path = urlsplit(link)
    page = await workspace.api.post(f"{path.path}?{path.query}")
    assert page.status_code == 410 and "verify-refused" in page.text
    assert await texts(workspace, phone["visitor_token"]) == ["Where is my order?"]


async def test_the_link_joins_the_visitor_once_and_its_page_alone_uses_nothing(
    workspace: Workspace, sink: SmtpSink
) -> None:
    await mail_inbox(workspace, sink)
    anna, phone = await anna_then_a_stranger(workspace)
    assert (await ask(workspace, phone["visitor_token"])).status_code == 202
    _, link = code_and_link((await sink.wait_for(1))[0])
    path = urlsplit(link)
    address = f"{path.path}?{path.query}"

    for _ in range(2):  # a mail scanner opening the link uses nothing
        shown = await workspace.api.get(address)
        assert shown.status_code == 200 and 'data-testid="verify-confirm"' in shown.text
        assert ANNA in shown.text
        assert "form-action 'self'" in shown.headers["Content-Security-Policy"]
    assert await texts(workspace, phone["visitor_token"]) == ["Where is my order?"]

    used = await workspace.api.post(address)
    assert used.status_code == 200 and "verify-done" in used.text
    # The phone's widget still holds its old token: a send is refused (its contact is gone)…
    refused = await workspace.api.post(
        "/api/v1/widget/messages",
        headers=bearer(phone["visitor_token"]),
        json={"client_msg_id": "phone-2", "text": "Hello?"},
    )
    assert refused.status_code == 401, refused.text
    # …and the resume that follows makes it Anna, with her history.
    resumed = await start(workspace, ANNA, token=phone["visitor_token"])
    assert resumed["resumed"] is True and resumed["contact_id"] == anna["contact_id"]
    assert await texts(workspace, resumed["visitor_token"]) == [
        "My order 42 never came",
        "Where is my order?",
    ]

    reused = await workspace.api.post(address)
    assert reused.status_code == 410 and "verify-refused" in reused.text
    tampered = await workspace.api.get(
        "/widget/verify", params={"t": parse_qs(path.query)["t"][0] + "x"}
    )
    assert tampered.status_code == 404


async def test_five_wrong_codes_spend_the_proof(workspace: Workspace, sink: SmtpSink) -> None:
    await mail_inbox(workspace, sink)
    _, phone = await anna_then_a_stranger(workspace)
    assert (await ask(workspace, phone["visitor_token"])).status_code == 202
    code, _ = code_and_link((await sink.wait_for(1))[0])
    answers = [
        (await confirm(workspace, phone["visitor_token"], other_code(code))).status_code
        for _ in range(5)
    ]
    assert answers == [422, 422, 422, 422, 410]
    spent = await confirm(workspace, phone["visitor_token"], code)
    assert spent.status_code == 410 and spent.json()["error"]["code"] == "proof_spent"
    assert await texts(workspace, phone["visitor_token"]) == ["Where is my order?"]


async def test_without_an_email_inbox_no_code_can_be_sent(workspace: Workspace) -> None:
    _, phone = await anna_then_a_stranger(workspace)
    refused = await ask(workspace, phone["visitor_token"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "email_unavailable"


async def test_the_code_needs_the_visitor_token(workspace: Workspace) -> None:
    refused = await workspace.api.post("/api/v1/widget/identity/confirm", json={"code": "1"})
    assert refused.status_code == 401


async def test_the_mailed_code_never_joins_a_verified_contact(
    workspace: Workspace, sink: SmtpSink, db: Database
) -> None:
    """A verified contact's address is the site's word, not proven (ADR 27): only a signature
    of its user id reaches it, never a mailed code."""
    ws = workspace
    await mail_inbox(ws, sink)
    patched = await ws.api.patch(
        f"/api/v1/inboxes/{ws.inbox_id}",
        headers=ws.auth(),
        json={"settings": {"identity_verification": "optional"}},
    )
    assert patched.status_code == 200, patched.text
    secret = (
        await ws.api.get(f"/api/v1/inboxes/{ws.inbox_id}/identity-secret", headers=ws.auth())
    ).json()["secret"]
    now = int(time.time())
    signed = hmac.new(secret.encode(), f"42{now}".encode(), hashlib.sha256).hexdigest()
    identity = {"user_id": "42", "timestamp": now, "hmac": signed, "email": ANNA}
    anna = await ws.api.post(
        "/api/v1/widget/sessions", json={"inbox_key": ws.inbox_key, "identity": identity}
    )
    assert anna.status_code == 200, anna.text

    stranger = await start(ws, "someone@example.com")
    asked = await ask(ws, stranger["visitor_token"], ANNA)
    assert asked.status_code == 202, asked.text  # the same answer as for any address
    async with db.session(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(VisitorEmailProof)) == 0
        mails = select(func.count()).select_from(Job).where(Job.name == PROOF_MAIL_JOB)
        assert await session.scalar(mails) == 0
