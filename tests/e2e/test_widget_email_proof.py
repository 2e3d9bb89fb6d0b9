"""In a real browser: a visitor on a new device gets their earlier chat into the widget by
typing the code mailed to their address (an aiosmtpd server stands in for the mail server)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from playwright.sync_api import Page, expect

from otklik.config import Settings
from tests.e2e.conftest import E2EServer
from tests.e2e.test_widget import Operator, bubbles, open_widget, say, start_chat, widget
from tests.support import HTTP_TIMEOUT, free_socket

pytestmark = pytest.mark.e2e
ANNA = "anna@example.com"


class Mailbox:
    """Keeps the mails Otklik sends (the SMTP server runs in its own thread)."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        mail = message_from_bytes(envelope.original_content or b"", policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.mails.append(mail)
        self.arrived.set()
        return "250 2.0.0 Queued"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    sock = free_socket()
    port = sock.getsockname()[1]
    sock.close()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


@pytest.fixture
def e2e_settings(tmp_path: Path) -> Settings:
    # The mail server listens on 127.0.0.1: allowed as an admin would a LAN mail server.
    return Settings(
        data_dir=tmp_path / "data",
        secret_key="e2e-secret-key-0123456789",
        webhook_allow_hosts=["127.0.0.1/32"],
        public_url="https://support.example.test",
    )


def test_a_mailed_code_brings_the_earlier_chat_into_the_widget(
    page: Page, e2e_server: E2EServer, mailbox: tuple[Mailbox, int]
) -> None:
    box, port = mailbox
    op = Operator(e2e_server)
    try:
        op.set_status("online")
        made = op.http.post(
            "/api/v1/inboxes",
            json={
                "name": "Support mail",
                "channel": "email",
                "config": {
                    "address": "support@example.com",
                    "imap_enabled": False,
                    "smtp_host": "127.0.0.1",
                    "smtp_port": port,
                    "smtp_security": "none",
                },
            },
        )
        assert made.status_code == 201, made.text
    finally:
        op.close()
    # Anna chatted from her laptop last week.
    with httpx.Client(base_url=e2e_server.url, timeout=HTTP_TIMEOUT) as visitor:
        laptop = visitor.post(
            "/api/v1/widget/sessions",
            json={"inbox_key": e2e_server.inbox_key, "name": "Anna", "email": ANNA},
        ).json()
        sent = visitor.post(
            "/api/v1/widget/messages",
            headers={"Authorization": f"Bearer {laptop['visitor_token']}"},
            json={"client_msg_id": "laptop-1", "text": "My order 42 never came"},
        )
        assert sent.status_code == 201, sent.text

    # Now on her phone: a new visitor, who sees none of it.
    w = open_widget(page, e2e_server.url + "/demo")
    start_chat(w, name="Anna", email=ANNA)
    say(w, "Where is my order?")
    expect(w.locator('[data-testid="message"][data-state="sent"]')).to_have_count(1)
    assert bubbles(w) == ["Where is my order?"]

    w.get_by_test_id("history-open").click()
    w.get_by_test_id("history-email").fill(ANNA)
    w.get_by_test_id("history-submit").click()
    expect(w.get_by_test_id("history-code-form")).to_contain_text(ANNA)
    assert box.arrived.wait(15), "no mail arrived"
    found = re.search(r"code into the chat: (\d{6})", box.mails[0].get_content())
    assert found is not None, box.mails[0].get_content()
    code = found.group(1)

    w.get_by_test_id("history-code").fill("000000" if code != "000000" else "111111")
    w.get_by_test_id("history-submit").click()
    expect(w.get_by_test_id("history-error")).to_contain_text("The code is not right")
    w.get_by_test_id("history-code").fill(code)
    w.get_by_test_id("history-submit").click()
    expect(w.get_by_test_id("history-done")).to_be_visible()
    expect(w.locator('[data-testid="message"]')).to_have_count(2)
    assert bubbles(w) == ["My order 42 never came", "Where is my order?"]
    # It stays so after a reload (the widget keeps the joined contact's token).
    page.reload()
    expect(widget(page).locator('[data-testid="message"]')).to_have_count(2)
