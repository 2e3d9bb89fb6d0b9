"""The email channel against real servers: Dovecot (IMAP) and an aiosmtpd sink (SMTP)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiosmtplib
import pytest
from sqlalchemy import func, select

from otklik.attachments.models import Attachment
from otklik.channels.email import plugin
from otklik.channels.email.parse import parse_mail, strip_quotes
from otklik.channels.email.tokens import ReplyTokens
from otklik.channels.models import Inbox
from otklik.config import Settings
from otklik.conversations.models import Conversation, Message
from otklik.core.db import Database
from otklik.jobs.models import Job
from tests.conftest import SECRET
from tests.mailservers import MAILBOX_PASSWORD, MAILBOX_USER, Dovecot, SmtpSink
from tests.support import Workspace, free_socket


@pytest.fixture(autouse=True)
def allow_local_servers(settings: Settings) -> None:
    # The stand-in servers listen on 127.0.0.1, and every connection Otklik makes out
    # passes the SSRF policy: the test allow-lists them as an admin would a LAN server.
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]


CUSTOMER = "olga@customer.example"


def mail(
    text: str,
    *,
    subject: str = "Order 42 is late",
    sender: str = CUSTOMER,
    reply_to: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Olga <{sender}>"
    message["To"] = MAILBOX_USER
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="customer.example")
    message["Date"] = "Tue, 24 Nov 2026 09:00:00 +0000"
    if reply_to is not None:
        message["In-Reply-To"] = reply_to
        message["References"] = reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    return message


async def email_inbox(
    ws: Workspace, dovecot: Dovecot, sink: SmtpSink, **extra: Any
) -> dict[str, Any]:
    config = {
        "address": MAILBOX_USER,
        "from_name": "Example Support",
        "imap_host": "127.0.0.1",
        "imap_port": dovecot.port,
        "imap_ssl": False,
        "imap_username": MAILBOX_USER,
        "imap_password": MAILBOX_PASSWORD,
        "imap_since": datetime.now(UTC).date().isoformat(),
        "poll_seconds": 2,
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port,
        "smtp_security": "none",
        **extra.pop("config", {}),
    }
    response = await ws.api.post(
        "/api/v1/inboxes",
        headers=ws.auth(),
        json={"name": "Support mail", "channel": "email", "config": config, **extra},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    assert body["config"]["imap_password"] == "********"
    await plugin.refresh()  # the server's supervisor would find it within rescan_seconds
    return body


async def messages_of(db: Database, inbox_id: int) -> list[Message]:
    async with db.session(write=False) as session:
        rows = await session.execute(
            select(Message)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.inbox_id == inbox_id)
            .order_by(Message.id)
        )
        return list(rows.scalars().all())


async def wait_messages(
    db: Database, inbox_id: int, count: int, within: float = 15.0
) -> list[Message]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        found = await messages_of(db, inbox_id)
        if len(found) >= count:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{len(found)} messages stored, expected {count}")
        await asyncio.sleep(0.1)


async def conversation_count(db: Database, inbox_id: int) -> int:
    async with db.session(write=False) as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(Conversation)
                .where(Conversation.inbox_id == inbox_id)
            )
            or 0
        )


async def wait_for_job(db: Database, done: Callable[[Job], bool]) -> Job:
    for _ in range(200):
        async with db.session(write=False) as session:
            job = await session.scalar(select(Job).where(Job.name == "channels.deliver"))
        if job is not None and done(job):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError("the delivery job did not get there")


async def test_mail_threads_by_signed_reply_tokens(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink
) -> None:
    inbox = await email_inbox(workspace, dovecot, sink)
    first = mail("Hello,\nmy order 42 has not arrived.\n\n-- \nOlga, ACME")
    await dovecot.append(first)
    (stored,) = await wait_messages(db, inbox["id"], 1)
    assert stored.author_type == "contact"
    assert stored.text == "Hello,\nmy order 42 has not arrived."  # the signature is stripped
    assert stored.channel_data["message_id"] == first["Message-ID"]
    assert stored.channel_data["full_text"].endswith("Olga, ACME")
    conversation_id = stored.conversation_id

    # The operator answers: the mail is threaded under the customer's.
    reply = await workspace.reply(conversation_id, "We are on it.")
    (sent,) = await sink.wait_for(1)
    assert sink.envelopes[0][1] == [CUSTOMER]
    assert sent["Subject"] == "Re: Order 42 is late"
    assert sent["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in str(sent["References"])
    assert sent["Reply-To"] == MAILBOX_USER
    assert sent["Auto-Submitted"] is None  # an operator wrote it
    our_id = str(sent["Message-ID"])
    assert re.fullmatch(
        rf"<otk\.{conversation_id}\.{reply['id']}\.[0-9a-f]{{64}}@example\.com>", our_id
    )
    assert sent.get_content().strip() == "We are on it."

    # A reply with a file: the mail carries it as an attachment.
    upload = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/attachments",
        headers=workspace.auth(),
        files={"file": ("label.pdf", b"%PDF-1.4 shipping label", "application/pdf")},
    )
    assert upload.status_code == 201, upload.text
    with_file = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/messages",
        headers=workspace.auth(),
        json={
            "client_msg_id": "with-file",
            "text": "The label is attached.",
            "attachment_ids": [upload.json()["id"]],
        },
    )
    assert with_file.status_code == 201, with_file.text
    second = (await sink.wait_for(2))[1]
    (attached,) = list(second.iter_attachments())
    assert attached.get_filename() == "label.pdf"
    assert attached.get_content() == b"%PDF-1.4 shipping label"
    assert second["In-Reply-To"] == first["Message-ID"]

    # The customer answers our mail (quoting it): it joins the same conversation.
    answer = mail(
        "Thanks! Any tracking number?\n\nOn Tue, Support wrote:\n> We are on it.",
        subject="Re: Order 42 is late",
        reply_to=our_id,
    )
    await dovecot.append(answer)
    found = await wait_messages(db, inbox["id"], 4)
    assert found[-1].conversation_id == conversation_id
    assert found[-1].text == "Thanks! Any tracking number?"

    # A forged token (right shape, wrong signature) threads nothing: a new conversation.
    forged_id = (
        our_id[: our_id.index(".", our_id.index(".", 5) + 1) + 1] + "0" * 64 + "@example.com>"
    )
    assert forged_id != our_id and forged_id.startswith(f"<otk.{conversation_id}.")
    await dovecot.append(mail("Let me in", subject="Re: Order 42 is late", reply_to=forged_id))
    found = await wait_messages(db, inbox["id"], 5)
    assert found[-1].conversation_id != conversation_id

    # A valid token from someone else is not enough either: their own new conversation.
    await dovecot.append(mail("I am a colleague", sender="boris@customer.example", reply_to=our_id))
    found = await wait_messages(db, inbox["id"], 6)
    assert found[-1].conversation_id not in (conversation_id, found[-2].conversation_id)
    assert found[-1].channel_data["thread_refused"]
    # A new subject with no token from the same customer starts another conversation.
    await dovecot.append(mail("Another question", subject="Invoice for May"))
    found = await wait_messages(db, inbox["id"], 7)
    assert found[-1].conversation_id not in {m.conversation_id for m in found[:-1]}
    assert await conversation_count(db, inbox["id"]) == 4


async def test_a_restart_neither_loses_nor_repeats_mail(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink
) -> None:
    inbox = await email_inbox(workspace, dovecot, sink)
    await dovecot.append(mail("one"))
    await wait_messages(db, inbox["id"], 1)
    await plugin.stop()
    fetched_before = len(plugin.fetched)
    await dovecot.append(mail("two", subject="Second"))
    await dovecot.append(mail("three", subject="Third"))
    await asyncio.sleep(0.3)
    assert len(await messages_of(db, inbox["id"])) == 1  # nobody polls while stopped
    await plugin.start(db=workspace.server.app.state.db, settings=workspace.server.settings)
    await plugin.refresh()
    found = await wait_messages(db, inbox["id"], 3)
    await asyncio.sleep(0.5)  # give a repeat the chance to show
    found = await messages_of(db, inbox["id"])
    assert [m.text for m in found] == ["one", "two", "three"]
    # After the restart the poller asked only for the two new UIDs: nothing fetched twice.
    assert list(plugin.fetched)[fetched_before:] == [(inbox["id"], 2), (inbox["id"], 3)]
    async with db.session(write=False) as session:
        stored = await session.get_one(Inbox, inbox["id"])
    assert stored.channel_config["imap_state"]["last_uid"] == 3
    assert stored.channel_config["imap_password"].startswith("enc:")


async def test_auto_replies_and_bounces_are_never_answered(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink
) -> None:
    inbox = await email_inbox(
        workspace, dovecot, sink, settings={"greeting_message": "Thanks, we got your mail."}
    )
    await dovecot.append(mail("Where is my parcel?"))
    await wait_messages(db, inbox["id"], 2)  # the mail and the bot's greeting
    (greeting,) = await sink.wait_for(1)
    assert greeting["Auto-Submitted"] == "auto-replied"  # our own automatic mail says so
    assert greeting.get_content().strip() == "Thanks, we got your mail."

    # The customer's out-of-office answers our greeting: a private note, no answer, no loop.
    ooo = mail(
        "I am on vacation until Monday.",
        subject="Automatic reply: Re: Order 42 is late",
        reply_to=str(greeting["Message-ID"]),
        headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
    )
    await dovecot.append(ooo)
    found = await wait_messages(db, inbox["id"], 3)
    note = found[-1]
    assert note.author_type == "system" and note.private
    assert note.conversation_id == found[0].conversation_id
    assert "vacation" in note.text

    # A bounce with no token of ours, and a bulk mail: dropped, no conversation, no greeting.
    bounce = mail("Delivery failed", sender="MAILER-DAEMON@mx.customer.example")
    await dovecot.append(bounce)
    await dovecot.append(mail("Big sale!", subject="Sale", headers={"Precedence": "bulk"}))
    # A copy of our own greeting filed in the inbox (some servers do): not a customer mail.
    await dovecot.append(greeting)
    await dovecot.append(mail("after", subject="Last one"))  # a marker: all before it are read
    found = await wait_messages(db, inbox["id"], 5)  # the marker and its greeting
    assert [m.text for m in found][-2:] == ["after", "Thanks, we got your mail."]
    assert await conversation_count(db, inbox["id"]) == 2
    await sink.wait_for(2)  # the marker's greeting
    await asyncio.sleep(0.5)
    assert len(sink.received) == 2  # nothing went to the out-of-office, the bounce or the list


async def test_smtp_550_marks_the_reply_failed(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink
) -> None:
    inbox = await email_inbox(workspace, dovecot, sink)
    await dovecot.append(mail("Hi", sender="blocked@customer.example"))
    (stored,) = await wait_messages(db, inbox["id"], 1)
    sock = await workspace.agent_socket()
    await sock.ready()
    reply = await workspace.reply(stored.conversation_id, "Hello there")
    failed = await sock.until(
        lambda f: (
            f.get("type") == "message.updated"
            and f["data"]["message"]["id"] == reply["id"]
            and f["data"]["message"]["delivery_status"] == "failed"
        ),
    )
    assert failed["data"]["message"]["delivery_error"].startswith("550")
    assert sink.received == []
    await sock.close()


async def test_a_temporary_smtp_failure_is_retried(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink
) -> None:
    inbox = await email_inbox(workspace, dovecot, sink)
    await dovecot.append(mail("Hi", sender="busy@customer.example"))
    (stored,) = await wait_messages(db, inbox["id"], 1)
    reply = await workspace.reply(stored.conversation_id, "Hello there")
    job = await wait_for_job(db, lambda j: j.attempts == 1 and j.state == "queued")
    assert job.last_error is not None and "451" in job.last_error
    async with db.session(write=False) as session:
        message = await session.get_one(Message, reply["id"])
    assert message.delivery_status == "pending"  # not failed: the job tries again later
    assert sink.received == []


async def test_smtp_ingress_takes_forwarded_mail(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink
) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    inbox = await email_inbox(
        workspace,
        dovecot,
        sink,
        config={"imap_enabled": False, "ingress_enabled": True, "ingress_port": port},
    )
    forwarded = mail("Forwarded to you", subject="Via the relay")
    forwarded.add_attachment(
        b"%PDF-1.4 invoice", maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    await aiosmtplib.send(
        forwarded, hostname="127.0.0.1", port=port, start_tls=False, use_tls=False
    )
    # 250 is answered only once the mail is stored.
    (stored,) = await messages_of(db, inbox["id"])
    assert stored.text == "Forwarded to you"
    async with db.session(write=False) as session:
        (file,) = (
            await session.execute(select(Attachment).where(Attachment.message_id == stored.id))
        ).scalars()
    assert (file.filename, file.size) == ("invoice.pdf", len(b"%PDF-1.4 invoice"))
    assert stored.channel_data["attachments"][0]["filename"] == "invoice.pdf"
    await aiosmtplib.send(
        forwarded, hostname="127.0.0.1", port=port, start_tls=False, use_tls=False
    )
    assert len(await messages_of(db, inbox["id"])) == 1  # the same Message-ID twice: once


def test_parsing_html_quotes_and_attachments() -> None:
    message = EmailMessage()
    message["From"] = "Ivan <IVAN@Example.org>"
    message["Subject"] = "Re: Счёт"
    message["Message-ID"] = "<abc@example.org>"
    message.set_content(
        "<html><body><p>Добрый день!</p><p>Счёт <b>оплачен</b>.</p>"
        "<script>alert(1)</script>"
        "<blockquote>старое письмо</blockquote></body></html>",
        subtype="html",
    )
    message.add_attachment(
        b"%PDF-1.4 data", maintype="application", subtype="pdf", filename="a.pdf"
    )
    parsed = parse_mail(message.as_bytes())
    assert parsed.from_address == "ivan@example.org"
    assert parsed.text == "Добрый день!\n\nСчёт оплачен."
    assert parsed.html is not None and "<script>" not in parsed.html
    assert parsed.attachments == [
        {"filename": "a.pdf", "content_type": "application/pdf", "size": 13}
    ]
    assert parsed.automatic is None
    assert strip_quotes("Да.\n\n12.05.2026, Поддержка пишет:\n> Вопрос?") == "Да."


def test_reply_tokens_are_signed() -> None:
    tokens = ReplyTokens(SECRET)
    value = tokens.message_id(conversation_id=7, message_id=9, host="example.com")
    assert tokens.conversation_of(value) == 7
    assert ReplyTokens("another-secret").conversation_of(value) is None
    tampered = value.replace("otk.7.", "otk.8.")
    assert tokens.is_token(tampered) and tokens.conversation_of(tampered) is None
    assert tokens.conversation_of("<otk.7.9.abc@example.com>") is None


async def test_a_new_uidvalidity_rereads_the_mailbox_without_duplicates(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink
) -> None:
    inbox = await email_inbox(workspace, dovecot, sink)
    await dovecot.append(mail("before the rebuild"))
    await wait_messages(db, inbox["id"], 1)
    await plugin.stop()
    async with db.session(write=True) as session:
        stored = await session.get_one(Inbox, inbox["id"])
        real_validity = stored.channel_config["imap_state"]["uidvalidity"]
        # As if the server had rebuilt the mailbox: our UIDs now belong to another era.
        stored.channel_config = {
            **stored.channel_config,
            "imap_state": {**stored.channel_config["imap_state"], "uidvalidity": 1},
        }
    await dovecot.append(mail("after the rebuild", subject="Next"))
    fetched_before = len(plugin.fetched)
    await plugin.start(db=workspace.server.app.state.db, settings=workspace.server.settings)
    await plugin.refresh()
    await wait_messages(db, inbox["id"], 2)
    await asyncio.sleep(0.5)
    assert [m.text for m in await messages_of(db, inbox["id"])] == [
        "before the rebuild",
        "after the rebuild",
    ]
    # Both were read again; the first was recognised by its Message-ID.
    assert list(plugin.fetched)[fetched_before:] == [(inbox["id"], 1), (inbox["id"], 2)]
    async with db.session(write=False) as session:
        stored = await session.get_one(Inbox, inbox["id"])
    assert stored.channel_config["imap_state"]["uidvalidity"] == real_validity
    assert stored.channel_config["imap_state"]["last_uid"] == 2


async def test_a_new_import_date_brings_in_older_mail_once(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink
) -> None:
    await dovecot.append(mail("written before the inbox existed", subject="Old question"))
    inbox = await email_inbox(workspace, dovecot, sink, config={"imap_since": None})
    for _ in range(100):  # the poller's first look: from now on only
        async with db.session(write=False) as session:
            if (await session.get_one(Inbox, inbox["id"])).channel_config.get("imap_state"):
                break
        await asyncio.sleep(0.1)
    await dovecot.append(mail("a new question", subject="New question"))
    await wait_messages(db, inbox["id"], 1)
    await asyncio.sleep(0.3)
    assert [m.text for m in await messages_of(db, inbox["id"])] == ["a new question"]

    # The admin picks a date in the settings: mail since then is imported, nothing twice.
    today = datetime.now(UTC).date().isoformat()
    changed = await workspace.api.patch(
        f"/api/v1/inboxes/{inbox['id']}",
        headers=workspace.auth(),
        json={"config": {"imap_since": today}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["config"]["imap_since"] == today
    await plugin.refresh()
    await wait_messages(db, inbox["id"], 2)
    await asyncio.sleep(0.5)  # give a repeat the chance to show
    texts = [m.text for m in await messages_of(db, inbox["id"])]
    assert texts == ["a new question", "written before the inbox existed"]
    assert await conversation_count(db, inbox["id"]) == 2
    async with db.session(write=False) as session:
        stored = await session.get_one(Inbox, inbox["id"])
    state = stored.channel_config["imap_state"]
    assert state["since"] == today and state["last_uid"] == 2

    # Mail keeps arriving as before; a restart does not import again.
    await dovecot.append(mail("and one more", subject="Third"))
    await wait_messages(db, inbox["id"], 3)
    fetched_before = len(plugin.fetched)
    await plugin.stop()
    await plugin.start(db=workspace.server.app.state.db, settings=workspace.server.settings)
    await plugin.refresh()
    await asyncio.sleep(0.5)
    assert list(plugin.fetched)[fetched_before:] == []
    assert len(await messages_of(db, inbox["id"])) == 3
