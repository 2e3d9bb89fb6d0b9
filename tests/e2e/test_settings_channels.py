"""Channels and outgoing webhooks set up in the browser by an admin, against real servers:
Dovecot and an aiosmtpd sink for email, a local Bot API double for Telegram, a local HTTP
receiver for the API channel's replies and for webhooks.

The helper servers run in an event loop of their own thread (the sync Playwright API keeps
one busy in the test's thread); the Otklik server is a real ``otklik run`` process.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Page, expect

from otklik.config import Settings
from tests.e2e.conftest import E2EServer
from tests.e2e.test_settings import Api, login, open_section
from tests.e2e.visitors import Visitor, new_visitor
from tests.fake_telegram import TOKEN, FakeBotApi
from tests.mailservers import MAILBOX_PASSWORD, MAILBOX_USER, Dovecot, SmtpSink
from tests.receivers import Receiver
from tests.support import HTTP_TIMEOUT

pytestmark = pytest.mark.e2e
T = TypeVar("T")
S = TypeVar("S", Receiver, FakeBotApi, SmtpSink)
MASK = "********"
#: Channel pollers, the job runner and the log's own refresh take a few seconds.
LIVE = 60_000
CUSTOMER = "olga@customer.example"


class Background:
    """An event loop in a thread for one test's helper servers. They are stopped when it
    closes — after the Otklik server (``e2e_settings`` depends on this), so no request of
    Otklik's is cut off half-way — and whatever they still run is awaited, then cancelled."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._stops: list[Callable[[], Coroutine[Any, Any, None]]] = []

    def run(self, make: Callable[[], Coroutine[Any, Any, T]], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(make(), self.loop).result(timeout)

    def serve(self, server: S) -> S:
        """Start a helper server (``start()``/``stop()``) here; it stops when this closes."""
        self.run(server.start)
        self._stops.append(server.stop)
        return server

    def close(self) -> None:
        for stop in reversed(self._stops):
            self.run(stop)
        self.run(self._drain)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    @staticmethod
    async def _drain() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=5)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def wait_until(check: Callable[[], bool], within: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def background() -> Iterator[Background]:
    loop = Background()
    yield loop
    loop.close()


@pytest.fixture
def e2e_settings(tmp_path: Path, background: Background) -> Settings:
    # The webhook receivers listen on 127.0.0.2, the fake Bot API and mail servers on
    # 127.0.0.1 (every outgoing connection passes the SSRF policy); the rest of the
    # loopback range, like everything else that is not public, stays refused.
    return Settings(
        data_dir=tmp_path / "data",
        secret_key="e2e-secret-key-0123456789",
        webhook_allow_hosts=["127.0.0.2/32", "127.0.0.1/32"],
    )


@pytest.fixture
def receiver(background: Background) -> Receiver:
    return background.serve(Receiver("127.0.0.2"))


@pytest.fixture
def bot_api(background: Background) -> FakeBotApi:
    return background.serve(FakeBotApi())


@pytest.fixture
def sink(background: Background) -> SmtpSink:
    return background.serve(SmtpSink())


@pytest.fixture
def api(e2e_server: E2EServer) -> Iterator[Api]:
    client = Api(e2e_server)
    try:
        yield client
    finally:
        client.close()


# --- helpers ---------------------------------------------------------------------------------


def start_new_inbox(page: Page, name: str, channel: str) -> Any:
    open_section(page, "inboxes")
    page.get_by_test_id("inbox-new").click()
    form = page.get_by_test_id("inbox-create-form")
    form.get_by_test_id("inbox-create-name").fill(name)
    form.get_by_test_id("inbox-create-channel").select_option(channel)
    return form


def created_form(page: Page, channel: str) -> Any:
    """The settings form of the inbox just created (the list selects it)."""
    form = page.locator(f'[data-testid="inbox-form"][data-channel="{channel}"]')
    expect(form).to_be_visible()
    return form


def inbox_named(api: Api, name: str) -> dict[str, Any]:
    return next(i for i in api.get("/inboxes")["items"] if i["name"] == name)


def open_unassigned(page: Page, server: E2EServer) -> None:
    page.goto(server.url + "/app/")
    expect(page.get_by_test_id("workspace")).to_be_visible()
    page.get_by_test_id("tab-unassigned").click()


def reply_in(page: Page, item: Any, text: str) -> None:
    item.click()
    expect(page.get_by_test_id("reply-box")).to_be_visible()
    page.get_by_test_id("reply-box").fill(text)
    page.get_by_test_id("reply-box").press("Enter")


def customer_mail(text: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Olga <{CUSTOMER}>"
    message["To"] = MAILBOX_USER
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="customer.example")
    message.set_content(text)
    return message


# --- email ------------------------------------------------------------------------------------


def test_email_inbox_set_up_in_the_browser_reads_dovecot_and_replies_by_smtp(
    page: Page,
    e2e_server: E2EServer,
    api: Api,
    dovecot: Dovecot,
    sink: SmtpSink,
    background: Background,
) -> None:
    today = datetime.now(UTC).date().isoformat()
    login(page, e2e_server)
    form = start_new_inbox(page, "Support mail", "email")
    form.get_by_test_id("email-address").fill(MAILBOX_USER)
    form.get_by_test_id("email-from-name").fill("Example Support")
    form.get_by_test_id("email-imap-host").fill("127.0.0.1")
    form.get_by_test_id("email-imap-port").fill(str(dovecot.port))
    form.get_by_test_id("email-imap-ssl").uncheck()
    form.get_by_test_id("email-imap-username").fill(MAILBOX_USER)
    form.get_by_test_id("email-imap-password-input").fill(MAILBOX_PASSWORD)
    expect(form.get_by_test_id("email-imap-folder")).to_have_value("INBOX")
    form.get_by_test_id("email-imap-since").fill(today)
    form.get_by_test_id("email-poll-seconds").fill("2")
    form.get_by_test_id("email-smtp-host").fill("127.0.0.1")
    form.get_by_test_id("email-smtp-port").fill(str(sink.port))
    form.get_by_test_id("email-smtp-security").select_option("none")
    form.get_by_test_id("inbox-create-submit").click()
    settings = created_form(page, "email")
    expect(page.get_by_test_id("inbox-create-form")).to_have_count(0)

    inbox = inbox_named(api, "Support mail")
    config = inbox["config"]
    assert inbox["channel"] == "email"
    assert config["imap_password"] == MASK
    assert config["smtp_password"] == ""  # never set: nothing to mask
    assert config["imap_since"] == today
    assert (config["imap_port"], config["imap_ssl"], config["poll_seconds"]) == (
        dovecot.port,
        False,
        2,
    )
    assert (config["smtp_port"], config["smtp_security"]) == (sink.port, "none")
    # widget-only fields are not offered for email
    expect(settings.get_by_test_id("inbox-color")).to_have_count(0)
    expect(settings.get_by_test_id("embed-snippet")).to_have_count(0)

    # after a reload: the password is shown as stored, not as text; saving keeps it
    page.reload()
    open_section(page, "inboxes")
    page.locator(f'[data-testid="inbox-item"][data-inbox-id="{inbox["id"]}"]').click()
    settings = created_form(page, "email")
    password = settings.get_by_test_id("email-imap-password-input")
    expect(password).to_have_value("")
    expect(password).to_have_attribute("placeholder", "••••••••")
    expect(settings.get_by_test_id("email-imap-password-stored")).to_be_visible()
    expect(settings.get_by_test_id("email-imap-since")).to_have_value(today)
    settings.get_by_test_id("email-from-name").fill("Example Help Desk")
    settings.get_by_test_id("inbox-save").click()
    expect(settings.get_by_test_id("inbox-save-message")).to_have_text("Saved.")
    config = inbox_named(api, "Support mail")["config"]
    assert config["from_name"] == "Example Help Desk"
    assert config["imap_password"] == MASK
    assert config["imap_since"] == today

    # the server reads new inboxes every 30 s, and at once when it starts
    e2e_server.restart()
    background.run(lambda: dovecot.append(customer_mail("My parcel is late.", "Order 42")))
    open_unassigned(page, e2e_server)  # the session outlives the restart
    item = page.get_by_test_id("conversation-item").filter(has_text="My parcel is late.")
    expect(item).to_have_count(1, timeout=LIVE)

    reply_in(page, item, "Sorry, it ships today.")
    wait_until(lambda: len(sink.received) == 1, what="the reply by SMTP")
    sent = sink.received[0]
    assert sent["To"] == f"Olga <{CUSTOMER}>"
    assert sent["From"] == f"Example Help Desk <{MAILBOX_USER}>"
    assert sent["Subject"] == "Re: Order 42"
    assert "Sorry, it ships today." in sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    # the poller's progress is shown read-only
    open_section(page, "inboxes")
    page.locator(f'[data-testid="inbox-item"][data-inbox-id="{inbox["id"]}"]').click()
    expect(created_form(page, "email").get_by_test_id("email-imap-state")).to_contain_text("UID 1")


# --- Telegram ---------------------------------------------------------------------------------


def test_telegram_webhook_mode_without_public_url_is_refused_and_nothing_is_created(
    page: Page, e2e_server: E2EServer, api: Api
) -> None:
    before = len(api.get("/inboxes")["items"])
    login(page, e2e_server)
    form = start_new_inbox(page, "Bot", "telegram")
    form.get_by_test_id("telegram-token-input").fill(TOKEN)
    form.get_by_test_id("telegram-mode").select_option("webhook")
    expect(form.get_by_test_id("telegram-public-url")).to_be_visible()
    form.get_by_test_id("inbox-create-submit").click()
    expect(form.get_by_test_id("inbox-create-error")).to_contain_text("public_url")
    assert len(api.get("/inboxes")["items"]) == before
    expect(page.get_by_test_id("inbox-item")).to_have_count(before)
    # what was typed stays; polling needs no public URL
    expect(form.get_by_test_id("telegram-token-input")).to_have_value(TOKEN)
    form.get_by_test_id("telegram-mode").select_option("polling")
    expect(form.get_by_test_id("telegram-public-url")).to_have_count(0)


def test_telegram_inbox_against_the_fake_bot_api_brings_a_message_into_the_workspace(
    page: Page, e2e_server: E2EServer, api: Api, bot_api: FakeBotApi
) -> None:
    login(page, e2e_server)
    form = start_new_inbox(page, "Telegram", "telegram")
    form.get_by_test_id("telegram-token-input").fill(TOKEN)
    expect(form.get_by_test_id("telegram-mode")).to_have_value("polling")
    form.get_by_test_id("telegram-advanced").locator("summary").click()
    form.get_by_test_id("telegram-api-base").fill(bot_api.url)
    form.get_by_test_id("inbox-create-submit").click()
    settings = created_form(page, "telegram")
    expect(settings.get_by_test_id("telegram-token-stored")).to_be_visible()

    config = inbox_named(api, "Telegram")["config"]
    assert config["bot_token"] == MASK
    assert (config["mode"], config["api_base"]) == ("polling", bot_api.url)

    bot_api.push(
        {
            "message_id": 1,
            "from": {"id": 555001, "is_bot": False, "first_name": "Мария", "language_code": "ru"},
            "chat": {"id": 555001, "type": "private", "first_name": "Мария"},
            "date": int(time.time()),
            "text": "Здравствуйте, где мой заказ?",
        }
    )
    open_unassigned(page, e2e_server)
    # the server looks for new Telegram inboxes every 10 s
    item = page.get_by_test_id("conversation-item").filter(has_text="где мой заказ?")
    expect(item).to_have_count(1, timeout=LIVE)
    expect(item.get_by_test_id("conversation-name")).to_have_text("Мария")

    reply_in(page, item, "Уже едет!")
    wait_until(lambda: any(m["text"] == "Уже едет!" for m in bot_api.sent), what="sendMessage")
    assert next(m for m in bot_api.sent if m["text"] == "Уже едет!")["chat"]["id"] == 555001


# --- API channel ------------------------------------------------------------------------------


def test_api_inbox_key_is_revealed_and_lets_a_bridge_post_and_get_replies(
    page: Page, e2e_server: E2EServer, api: Api, receiver: Receiver
) -> None:
    login(page, e2e_server)
    form = start_new_inbox(page, "WhatsApp", "api")
    form.get_by_test_id("api-webhook-url").fill(f"{receiver.url}/otklik")
    form.get_by_test_id("inbox-create-submit").click()
    settings = created_form(page, "api")

    key_box = settings.get_by_test_id("api-key")
    expect(key_box).to_have_attribute("type", "password")
    expect(key_box).not_to_have_value("")
    settings.get_by_test_id("api-key-reveal").click()
    expect(key_box).to_have_attribute("type", "text")
    expect(key_box).to_have_value(re.compile(r"^otk_"))
    key = key_box.input_value()
    inbox = inbox_named(api, "WhatsApp")
    assert inbox["config"]["api_key"] == MASK
    assert inbox["config"]["webhook_url"] == f"{receiver.url}/otklik"
    expect(settings.get_by_test_id("api-endpoints")).to_contain_text(
        f"POST {e2e_server.url}/api/v1/channels/api/messages"
    )

    with httpx.Client(base_url=e2e_server.url, timeout=HTTP_TIMEOUT) as bridge:
        refused = bridge.post(
            "/api/v1/channels/api/messages",
            headers={"X-Otklik-Inbox-Key": "otk_wrong-key-0123456789abcdef"},
            json={"external_id": "wa-0", "sender_id": "79990001122", "text": "x"},
        )
        assert refused.status_code == 401, refused.text
        posted = bridge.post(
            "/api/v1/channels/api/messages",
            headers={"X-Otklik-Inbox-Key": key},
            json={
                "external_id": "wa-1",
                "sender_id": "79990001122",
                "sender_name": "Anna",
                "text": "Hello from WhatsApp",
            },
        )
    assert posted.status_code == 201, posted.text

    open_unassigned(page, e2e_server)
    item = page.get_by_test_id("conversation-item").filter(has_text="Hello from WhatsApp")
    expect(item).to_have_count(1, timeout=LIVE)
    reply_in(page, item, "Hi Anna!")
    wait_until(lambda: len(receiver.requests) == 1, what="the reply at the bridge's webhook")
    reply = json.loads(receiver.requests[0].body)
    assert reply["event"] == "message.reply"
    assert reply["message"]["text"] == "Hi Anna!"
    assert reply["recipient"]["sender_id"] == "79990001122"


# --- outgoing webhooks ------------------------------------------------------------------------


def test_webhook_created_in_the_ui_delivers_and_resends_from_the_log(
    page: Page,
    e2e_server: E2EServer,
    api: Api,
    receiver: Receiver,
    visitors: list[Visitor],
) -> None:
    login(page, e2e_server)
    open_section(page, "webhooks")
    expect(page.get_by_test_id("webhook-empty")).to_be_visible()

    page.get_by_test_id("webhook-new").click()
    editor = page.get_by_test_id("webhook-editor")
    events = editor.get_by_test_id("webhook-event")
    expect(events).to_have_count(5)
    # a loopback address that is not allow-listed is refused by the server, shown in place
    editor.get_by_test_id("webhook-url").fill("http://127.0.0.9:9/hook")
    editor.get_by_test_id("webhook-description").fill("CRM")
    editor.locator('[data-testid="webhook-event"][value="message.created"]').check()
    editor.get_by_test_id("webhook-save").click()
    expect(editor.get_by_test_id("webhook-error")).to_contain_text("not a public address")
    assert api.get("/webhooks")["items"] == []

    editor.get_by_test_id("webhook-url").fill(f"{receiver.url}/hook")
    editor.get_by_test_id("webhook-save").click()
    expect(page.get_by_test_id("webhook-editor")).to_have_count(0)
    secret = page.get_by_test_id("webhook-secret-value").input_value()
    assert len(secret) >= 16
    row = page.get_by_test_id("webhook-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("webhook-row-url")).to_have_text(f"{receiver.url}/hook")
    expect(row.get_by_test_id("webhook-row-events")).to_have_text("message.created")
    expect(row.get_by_test_id("webhook-row-active")).to_have_text("Enabled")
    (endpoint,) = api.get("/webhooks")["items"]
    assert (endpoint["events"], endpoint["active"], endpoint["description"]) == (
        ["message.created"],
        True,
        "CRM",
    )
    page.get_by_test_id("webhook-secret-dismiss").click()
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)

    new_visitor(e2e_server, visitors, "Vera").say("Is the shop open?")
    wait_until(lambda: len(receiver.requests) == 1, what="the webhook delivery")

    row.get_by_test_id("webhook-log").click()
    log = page.get_by_test_id("delivery-log")
    deliveries = log.get_by_test_id("delivery-row")
    expect(deliveries).to_have_count(1)
    expect(deliveries.first.get_by_test_id("delivery-status")).to_have_text("200", timeout=LIVE)
    expect(deliveries.first).to_contain_text("message.created")
    expect(deliveries.first.get_by_test_id("delivery-attempts")).to_have_text("1")

    deliveries.first.get_by_test_id("delivery-resend").click()
    expect(deliveries).to_have_count(2)
    expect(deliveries.first).to_contain_text("resent from #")
    expect(deliveries.first.get_by_test_id("delivery-status")).to_have_text("200", timeout=LIVE)
    wait_until(lambda: len(receiver.requests) == 2, what="the re-sent delivery")

    # both carry the same event, each signed with the secret shown once
    first, second = (json.loads(r.body) for r in receiver.requests)
    assert first["event"] == second["event"] == "message.created"
    assert first["event_id"] == second["event_id"]
    assert first["data"]["message"]["text"] == "Is the shop open?"
    for request in receiver.requests:
        timestamp = request.headers["x-otklik-timestamp"]
        expected = hmac.new(
            secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
        ).hexdigest()
        assert hmac.compare_digest(expected, request.headers["x-otklik-signature"])

    # switched off in the editor, then deleted after a confirmation
    row.get_by_test_id("webhook-edit").click()
    page.get_by_test_id("webhook-active").uncheck()
    page.get_by_test_id("webhook-save").click()
    expect(row.get_by_test_id("webhook-row-active")).to_have_text("Disabled")
    row.get_by_test_id("webhook-delete").click()
    row.get_by_test_id("webhook-delete-confirm").click()
    expect(page.get_by_test_id("webhook-empty")).to_be_visible()
    expect(page.get_by_test_id("delivery-log")).to_have_count(0)
    assert api.get("/webhooks")["items"] == []
