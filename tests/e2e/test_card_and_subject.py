"""The customer card and email subjects in the browser, with the Russian UI: a visitor on a
site page (then another) writes in the widget, and the operator's card shows those pages, the
browser, the system and the visitor's local time; a mail's subject is the conversation's title,
and a reply sent with another subject renames it. One server for the module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from otklik.config import Settings
from tests.e2e.conftest import E2EServer
from tests.e2e.test_settings import Api, login
from tests.e2e.test_settings_channels import Background, customer_mail, wait_until
from tests.e2e.test_widget import open_widget, say, start_chat
from tests.mailservers import MAILBOX_PASSWORD, MAILBOX_USER, Dovecot, SmtpSink

pytestmark = pytest.mark.e2e
LIVE = 60_000


@pytest.fixture
def background() -> Iterator[Background]:
    loop = Background()
    yield loop
    loop.close()


@pytest.fixture
def e2e_settings(tmp_path: Path, background: Background) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        secret_key="e2e-secret-key-0123456789",
        webhook_allow_hosts=["127.0.0.1/32"],
    )


@pytest.fixture
def operator_page(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    yield ctx.new_page()
    ctx.close()


@pytest.fixture
def visitor_page(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(locale="ru-RU", timezone_id="Asia/Yekaterinburg")
    yield ctx.new_page()
    ctx.close()


def test_card_shows_the_visitor_and_mail_subjects_are_titles(
    operator_page: Page,
    visitor_page: Page,
    e2e_server: E2EServer,
    dovecot: Dovecot,
    background: Background,
    request: pytest.FixtureRequest,
) -> None:
    page = operator_page
    login(page, e2e_server)
    api = Api(e2e_server)
    request.addfinalizer(api.close)  # also if a step before its own close fails
    online = api.http.put("/api/v1/agents/me/status", json={"status": "online"})
    assert online.status_code == 200, online.text
    # A visitor looks at two pages of the site, then writes.
    visitor_page.goto(f"{e2e_server.url}/demo?page=catalog")
    expect(visitor_page.get_by_test_id("otklik-launcher")).to_be_visible()
    w = open_widget(visitor_page, f"{e2e_server.url}/demo?page=cart")
    start_chat(w, name="Ольга")
    say(w, "Где мой заказ?")

    page.get_by_test_id("tab-unassigned").click()
    item = page.get_by_test_id("conversation-item").filter(has_text="Где мой заказ?")
    expect(item).to_have_count(1, timeout=LIVE)
    item.click()
    card = page.get_by_test_id("customer-card")
    expect(card.get_by_test_id("visitor-page")).to_have_attribute(
        "href", f"{e2e_server.url}/demo?page=cart", timeout=LIVE
    )
    expect(card.get_by_test_id("visitor-history")).to_contain_text("Предыдущие страницы")
    card.get_by_test_id("visitor-history").locator("summary").click()
    earlier = card.get_by_test_id("visitor-history-page").first
    expect(earlier.locator("a")).to_have_attribute("href", f"{e2e_server.url}/demo?page=catalog")
    expect(earlier).to_contain_text("демо виджета")  # the page's title
    expect(card.get_by_test_id("visitor-browser")).to_contain_text("Chrome")
    expect(card.get_by_test_id("visitor-os")).to_contain_text("Linux")
    expect(card.get_by_test_id("visitor-language")).to_have_text("ru-RU")
    expect(card.get_by_test_id("visitor-local-time")).to_contain_text("(Asia/Yekaterinburg)")
    expect(card).to_contain_text("Местное время")

    # An email conversation: its subject is its title; a reply renames it.
    sink = background.serve(SmtpSink())
    try:
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
    finally:
        api.close()
    background.run(lambda: dovecot.append(customer_mail("Посылки всё нет.", "Заказ 42 опаздывает")))
    mail_item = page.get_by_test_id("conversation-item").filter(has_text="Посылки всё нет.")
    expect(mail_item.get_by_test_id("conversation-subject")).to_have_text(
        "Заказ 42 опаздывает", timeout=LIVE
    )
    mail_item.click()
    expect(page.get_by_test_id("conversation-title")).to_have_text("Заказ 42 опаздывает")
    subject = page.get_by_test_id("reply-subject")
    expect(subject).to_have_value("Re: Заказ 42 опаздывает")
    expect(page.get_by_test_id("reply-subject-field")).to_contain_text("Тема")
    subject.fill("Возврат по заказу 42")
    page.get_by_test_id("reply-box").fill("Вернули деньги.")
    page.get_by_test_id("reply-box").press("Enter")
    wait_until(lambda: len(sink.received) == 1, what="the reply by SMTP")
    assert sink.received[0]["Subject"] == "Возврат по заказу 42"
    expect(page.get_by_test_id("conversation-title")).to_have_text("Возврат по заказу 42")
    expect(subject).to_have_value("Re: Возврат по заказу 42")
