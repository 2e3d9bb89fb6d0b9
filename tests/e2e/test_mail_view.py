"""Real-world mail in the operator's browser (Russian UI): a forwarded mail shown inline next to
its ``.eml`` file, a quoted Outlook reply shown without its quote with the full original one
click away, and a reply the customer's server bounced marked "not delivered" with the reason.

The mails are the parser fixtures (tests/fixtures/email), put into a real Dovecot mailbox.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import test_card_and_subject as card
from tests.e2e.conftest import E2EServer
from tests.e2e.test_settings import Api, login
from tests.e2e.test_settings_channels import Background, wait_until
from tests.mailservers import MAILBOX_PASSWORD, MAILBOX_USER, Dovecot, SmtpSink
from tests.test_email_real_world import FIXTURE_TOKEN, fixture

pytestmark = pytest.mark.e2e
LIVE = 60_000

# The same settings, background loop and Russian operator browser as the card's test.
e2e_settings = card.e2e_settings
background = card.background
operator_page = card.operator_page


def mail_inbox(api: Api, dovecot: Dovecot, sink: SmtpSink) -> None:
    api.post(
        "/inboxes",
        {
            "name": "Почта",
            "channel": "email",
            "config": {
                "address": MAILBOX_USER,
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
            },
        },
        status=201,
    )


def test_forwarded_mail_full_original_and_a_bounced_reply(
    operator_page: Page, e2e_server: E2EServer, dovecot: Dovecot, background: Background
) -> None:
    page = operator_page
    sink = background.serve(SmtpSink())
    api = Api(e2e_server)
    try:
        mail_inbox(api, dovecot, sink)
    finally:
        api.close()
    background.run(lambda: dovecot.append(fixture("mime/forwarded_rfc822_ru.eml")))
    background.run(lambda: dovecot.append(fixture("quotes/ru_outlook_block.eml")))
    login(page, e2e_server)
    page.get_by_test_id("tab-unassigned").click()

    # A forwarded mail: its sender, subject and text inline, the mail itself a file.
    item = page.get_by_test_id("conversation-item").filter(has_text="Пересылаю письмо")
    expect(item).to_have_count(1, timeout=LIVE)
    item.click()
    message = page.get_by_test_id("message-item").filter(has_text="Пересылаю письмо")
    forwarded = message.get_by_test_id("mail-forwarded")
    expect(forwarded).to_contain_text("Пересланное письмо")
    expect(forwarded.get_by_test_id("forwarded-from")).to_have_text(
        "Курьер <courier@delivery.example>"
    )
    expect(forwarded.get_by_test_id("forwarded-subject")).to_have_text("Доставка перенесена")
    expect(forwarded.get_by_test_id("forwarded-text")).to_have_text(
        "Доставка заказа 4711 перенесена на 27 ноября."
    )
    expect(message.get_by_test_id("attachment-name")).to_have_text(["Доставка перенесена.eml"])

    # Outlook's quoted header block is hidden; the whole mail is one click away.
    item = page.get_by_test_id("conversation-item").filter(has_text="Отмените, пожалуйста.")
    expect(item).to_have_count(1, timeout=LIVE)
    item.click()
    message = page.get_by_test_id("message-item").filter(has_text="Отмените, пожалуйста.")
    expect(message.get_by_test_id("message-text")).to_have_text(
        "Отмените, пожалуйста.\n\nИван Петров"
    )
    expect(message).not_to_contain_text("Хотите отменить заказ целиком?")
    toggle = message.get_by_test_id("mail-original-toggle")
    expect(toggle).to_have_text("Показать письмо целиком")
    toggle.click()
    expect(message.get_by_test_id("mail-original")).to_contain_text(
        "Хотите отменить заказ целиком?"
    )
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(message.get_by_test_id("mail-original")).to_have_count(0)

    # Our reply bounces: the DSN names it only in the returned headers.
    page.get_by_test_id("reply-box").fill("Заказ отменён.")
    page.get_by_test_id("reply-box").press("Enter")
    wait_until(lambda: len(sink.received) == 1, what="the reply by SMTP")
    our_id = str(sink.received[0]["Message-ID"]).encode()
    bounce = fixture("mime/bounce_dsn.eml").replace(FIXTURE_TOKEN, our_id)
    background.run(lambda: dovecot.append(bounce))
    reply = page.get_by_test_id("message-item").filter(has_text="Заказ отменён.")
    expect(reply.get_by_test_id("mail-not-delivered")).to_contain_text(
        "Не доставлено: 550 5.1.1", timeout=LIVE
    )
    expect(reply.get_by_test_id("channel-delivery")).to_have_attribute("data-state", "failed")
    # The bounce itself is a system note in the same conversation, not a customer's message.
    note = page.get_by_test_id("message-item").filter(has_text="550 5.1.1")
    expect(note.get_by_test_id("system-label")).to_have_text("Системная заметка")
    # Its heading in the operator's language.
    expect(note.get_by_test_id("automatic-mail-heading")).to_contain_text(
        re.compile(r"Ответ не доставлен \(mailer-daemon@mx\.customer\.example\): 550 5\.1\.1", re.I)
    )
