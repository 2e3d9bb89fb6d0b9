"""Real-world mail layouts through the real paths: Dovecot (IMAP) and SMTP ingress.

The sample mails are the parser fixtures (tests/fixtures/email); here they go through the
poller or the listener into the database and out of the API as an operator sees them.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtplib
from sqlalchemy import select

from otklik.attachments.models import Attachment
from otklik.config import Settings
from otklik.conversations.models import Message
from otklik.core.db import Database
from tests.mailservers import MAILBOX_USER, Dovecot, SmtpSink
from tests.support import Workspace, free_socket
from tests.test_channel_email import email_inbox, messages_of, wait_messages
from tests.test_email_parsing import nested_mail

FIXTURES = Path(__file__).parent / "fixtures" / "email"
#: The reply token the bounce fixtures return (replaced by the real one of the test's reply).
FIXTURE_TOKEN = (
    b"<otk.7.9.0000000000000000000000000000000000000000000000000000000000000000@example.com>"
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


async def files_of(db: Database, message_id: int) -> list[tuple[str, int]]:
    async with db.session(write=False) as session:
        rows = await session.execute(
            select(Attachment.filename, Attachment.size)
            .where(Attachment.message_id == message_id)
            .order_by(Attachment.id)
        )
        return [(name, size) for name, size in rows.all()]


async def api_messages(ws: Workspace, conversation_id: int) -> list[dict[str, Any]]:
    response = await ws.api.get(
        f"/api/v1/conversations/{conversation_id}/messages", headers=ws.auth()
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_real_world_mail_over_imap(
    workspace: Workspace,
    db: Database,
    dovecot: Dovecot,
    sink: SmtpSink,
    settings: Settings,
) -> None:
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]
    inbox = await email_inbox(workspace, dovecot, sink)

    # Apple Mail: alternative → related → the photo and the PDF, all kept, none empty.
    await dovecot.append(fixture("mime/apple_alternative_related.eml"))
    (apple,) = await wait_messages(db, inbox["id"], 1)
    assert apple.text == "The box arrived crushed, photo and the invoice attached."
    assert [name for name, _ in await files_of(db, apple.id)] == ["box.png", "invoice.pdf"]
    assert all(size > 0 for _, size in await files_of(db, apple.id))

    # A forwarded mail: an .eml file, and its sender, subject and text shown inline.
    await dovecot.append(fixture("mime/forwarded_rfc822_ru.eml"))
    found = await wait_messages(db, inbox["id"], 2)
    forwarded = found[-1]
    assert [name for name, _ in await files_of(db, forwarded.id)] == ["Доставка перенесена.eml"]
    (shown,) = [m for m in await api_messages(workspace, forwarded.conversation_id)]
    assert shown["text"] == "Пересылаю письмо от курьерской службы, разберитесь, пожалуйста."
    (inline,) = shown["mail"]["forwarded"]
    assert inline["sender"] == "Курьер <courier@delivery.example>"
    assert inline["subject"] == "Доставка перенесена"
    assert inline["text"] == "Доставка заказа 4711 перенесена на 27 ноября."

    # Outlook in Russian: the quoted header block is hidden, the original one click away.
    await dovecot.append(fixture("quotes/ru_outlook_block.eml"))
    found = await wait_messages(db, inbox["id"], 3)
    (quoted,) = await api_messages(workspace, found[-1].conversation_id)
    assert quoted["text"] == "Отмените, пожалуйста.\n\nИван Петров"
    assert "Хотите отменить заказ целиком?" in quoted["mail"]["original"]

    # A person's mail through a group list is not dropped; a raw cp1251 subject is readable.
    await dovecot.append(fixture("mime/list_person.eml"))
    await dovecot.append(fixture("mime/cp1251_raw_subject.eml"))
    found = await wait_messages(db, inbox["id"], 5)
    assert found[-2].text.startswith("The VPN client says")
    assert found[-1].channel_data["subject"] == "Не работает оплата картой"
    assert found[-1].text == "Оплата картой не проходит, ошибка 05."

    # Our reply bounces: the DSN returns our Message-ID only in its headers part.
    reply = await workspace.reply(apple.conversation_id, "We will send a new one.")
    (sent,) = await sink.wait_for(1)
    our_id = str(sent["Message-ID"]).encode()
    await dovecot.append(fixture("mime/bounce_dsn.eml").replace(FIXTURE_TOKEN, our_id))
    # A "still trying" report for the same reply marks nothing.
    await dovecot.append(fixture("mime/dsn_delayed.eml").replace(FIXTURE_TOKEN, our_id))
    found = await wait_messages(db, inbox["id"], 8)  # the reply and two notes
    notes = [m for m in found if m.author_type == "system"]
    assert len(notes) == 2 and all(n.private for n in notes)
    assert {n.conversation_id for n in notes} == {apple.conversation_id}
    # The notes' headings are data the operator's app words in their language.
    bounce = notes[0].channel_data["automatic_note"]
    assert bounce["kind"] == "bounce" and "550 5.1.1" in bounce["reason"]
    assert notes[1].channel_data["automatic_note"]["kind"] == "automatic"
    async with db.session(write=False) as session:
        failed = await session.get_one(Message, reply["id"])
    assert failed.delivery_status == "failed"
    assert failed.delivery_error == (
        "not delivered: 550 5.1.1 <olga@customer.example>: Recipient address rejected:"
        " User unknown in virtual mailbox table"
    )
    shown_reply = next(
        m for m in await api_messages(workspace, apple.conversation_id) if m["id"] == reply["id"]
    )
    assert shown_reply["delivery_status"] == "failed"
    assert shown_reply["mail"]["not_delivered"].startswith("550 5.1.1")
    assert len(sink.received) == 1  # the bounce was not answered


async def test_real_world_mail_over_smtp_ingress(
    workspace: Workspace, db: Database, dovecot: Dovecot, sink: SmtpSink, settings: Settings
) -> None:
    settings.webhook_allow_hosts = [*settings.webhook_allow_hosts, "127.0.0.1/32"]
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    inbox = await email_inbox(
        workspace,
        dovecot,
        sink,
        config={"imap_enabled": False, "ingress_enabled": True, "ingress_port": port},
    )

    async def deliver(name: str) -> None:
        await aiosmtplib.send(
            fixture(name),
            sender="someone@customer.example",
            recipients=[MAILBOX_USER],
            hostname="127.0.0.1",
            port=port,
            start_tls=False,
            use_tls=False,
        )

    # 250 is answered only once the mail is stored.
    await deliver("mime/mixed_in_mixed.eml")
    (mixed,) = await messages_of(db, inbox["id"])
    assert mixed.text == "Добрый день, документы во вложении."
    assert [n for n, _ in await files_of(db, mixed.id)] == ["договор.pdf", "prices.xlsx"]

    await deliver("mime/pkcs7_encrypted.eml")
    await deliver("mime/mac_cyrillic.eml")
    await deliver("mime/smime_signed_list_wrapped.eml")
    encrypted, mac, signed = (await messages_of(db, inbox["id"]))[1:]
    assert [n for n, _ in await files_of(db, encrypted.id)] == ["smime.p7m"]
    (shown,) = await api_messages(workspace, encrypted.conversation_id)
    assert shown["mail"]["notes"] == ["encrypted"]
    assert mac.text == "Здравствуйте! Не приходит код подтверждения на телефон."
    assert mac.channel_data["subject"] == "Код"
    # The list's footer is not the message; the signature is neither shown nor stored.
    assert signed.text == "Our office printer shows as offline since this morning."
    assert "mailing list" in signed.channel_data["full_text"]
    assert await files_of(db, signed.id) == []
    assert signed.channel_data["notes"] == ["signed"]

    # Opaque S/MIME: the mail inside the signature is read, with its own attachment.
    await deliver("mime/pkcs7_signed_opaque_ru.eml")
    opaque = (await messages_of(db, inbox["id"]))[-1]
    assert opaque.text == "Добрый день! Счёт во вложении, просьба подтвердить получение."
    assert [n for n, _ in await files_of(db, opaque.id)] == ["счёт.csv"]
    (shown,) = await api_messages(workspace, opaque.conversation_id)
    assert shown["mail"]["notes"] == ["signed"]

    # An auto-reply with no reply token of ours: dropped, not a conversation.
    await deliver("mime/auto_reply_ru.eml")
    assert len(await messages_of(db, inbox["id"])) == 5

    # Too deeply nested to read: kept whole as a file, with a note, still from its sender.
    await aiosmtplib.send(
        nested_mail(40),
        sender="tom@customer.example",
        recipients=[MAILBOX_USER],
        hostname="127.0.0.1",
        port=port,
        start_tls=False,
        use_tls=False,
    )
    deep = (await messages_of(db, inbox["id"]))[-1]
    assert deep.text == "Nested"  # the subject
    assert [n for n, _ in await files_of(db, deep.id)] == ["original.eml"]
    (shown,) = await api_messages(workspace, deep.conversation_id)
    assert shown["mail"]["notes"] == ["over_limit"]

    # A 2 MB text: its beginning is the message, the whole mail its original.eml — kept
    # even where files are limited to less (the mail is only whole there).
    settings.max_attachment_bytes = 1024 * 1024
    log = "\n".join(f"Строка журнала {i}: ошибка 05" for i in range(60_000))
    long_mail = EmailMessage()
    long_mail["From"] = "Tom <tom@customer.example>"
    long_mail["Subject"] = "Журнал"
    long_mail["Message-ID"] = "<long-log@customer.example>"
    long_mail.set_content(log)
    raw = long_mail.as_bytes()
    await aiosmtplib.send(
        raw,
        sender="tom@customer.example",
        recipients=[MAILBOX_USER],
        hostname="127.0.0.1",
        port=port,
        start_tls=False,
        use_tls=False,
    )
    long = (await messages_of(db, inbox["id"]))[-1]
    assert long.text.startswith("Строка журнала 0: ошибка 05")
    # The whole mail as it arrived (SMTP turned its line ends into CRLF, the listener may add
    # a Received header): not shorter than what was sent.
    ((name, size),) = await files_of(db, long.id)
    assert name == "original.eml" and size >= len(raw)
    (shown,) = await api_messages(workspace, long.conversation_id)
    assert shown["mail"]["notes"] == ["truncated"]
