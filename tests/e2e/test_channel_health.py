"""Channel health in the browser, with the Russian UI: a mailbox whose IMAP login fails
(a real Dovecot, a wrong password) shows as failing in the settings and in the admins' banner,
and recovers by itself once the password is fixed; a Telegram bot whose token the Bot API
refuses (the local fake answering 401) shows as failing too. One server for the module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from otklik.config import Settings
from tests.e2e.conftest import E2EServer
from tests.e2e.test_settings import Api, login, open_section
from tests.e2e.test_settings_channels import Background
from tests.fake_telegram import TOKEN, FakeBotApi
from tests.mailservers import MAILBOX_PASSWORD, MAILBOX_USER, Dovecot, SmtpSink

pytestmark = pytest.mark.e2e
#: The poller retries a failed login after 1, 2, 4 … s; the Telegram supervisor rescans
#: every 10 s.
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
def russian(browser: Browser) -> Iterator[Page]:
    ctx = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    yield ctx.new_page()
    ctx.close()


def test_failing_channels_show_in_settings_and_banner_and_recover(
    russian: Page,
    e2e_server: E2EServer,
    dovecot: Dovecot,
    background: Background,
) -> None:
    page = russian
    sink = background.serve(SmtpSink())
    bot_api = background.serve(FakeBotApi())
    api = Api(e2e_server)
    try:
        mailbox = api.post(
            "/inboxes",
            {
                "name": "Почта поддержки",
                "channel": "email",
                "config": {
                    "address": MAILBOX_USER,
                    "imap_host": "127.0.0.1",
                    "imap_port": dovecot.port,
                    "imap_ssl": False,
                    "imap_username": MAILBOX_USER,
                    "imap_password": "wrong-password",
                    "imap_since": datetime.now(UTC).date().isoformat(),
                    "poll_seconds": 2,
                    "smtp_host": "127.0.0.1",
                    "smtp_port": sink.port,
                    "smtp_security": "none",
                },
            },
            status=201,
        )
        login(page, e2e_server)
        # The banner, live: the admin is in the workspace when the poller fails.
        banner = page.get_by_test_id("channel-health-banner")
        row = banner.locator(f'[data-inbox-id="{mailbox["id"]}"]')
        expect(row).to_contain_text("Канал «Почта поддержки» не работает с", timeout=LIVE)
        expect(row).to_contain_text("IMAP login failed: authentication failed")

        open_section(page, "inboxes")
        item = page.locator(f'[data-testid="inbox-item"][data-inbox-id="{mailbox["id"]}"]')
        expect(item.get_by_test_id("inbox-failing")).to_have_text("Не работает")
        item.click()
        form = page.locator(f'[data-testid="inbox-form"][data-inbox-id="{mailbox["id"]}"]')
        status = form.get_by_test_id("channel-health")
        expect(status).to_have_attribute("data-state", "failing")
        expect(status.get_by_test_id("channel-health-state")).to_have_text("Не работает")
        expect(status.get_by_test_id("channel-health-since")).to_contain_text("Не работает с")
        expect(status.get_by_test_id("channel-health-error")).to_contain_text(
            "IMAP login failed: authentication failed"
        )

        # Fixed in the browser: the next login works, the state turns back by itself.
        form.get_by_test_id("email-imap-password-input").fill(MAILBOX_PASSWORD)
        form.get_by_test_id("inbox-save").click()
        expect(form.get_by_test_id("inbox-save-message")).to_have_text("Сохранено.")
        expect(status).to_have_attribute("data-state", "connected", timeout=LIVE)
        expect(status.get_by_test_id("channel-health-state")).to_have_text("Подключён")
        expect(item.get_by_test_id("inbox-failing")).to_have_count(0)
        expect(banner).to_have_count(0)

        # A bot whose token Telegram refuses (401).
        bot_api.token = "another-token"
        bot = api.post(
            "/inboxes",
            {
                "name": "Бот",
                "channel": "telegram",
                "config": {
                    "bot_token": TOKEN,
                    "api_base": bot_api.url,
                    "poll_timeout": 1,
                },
            },
            status=201,
        )
        bot_row = banner.locator(f'[data-inbox-id="{bot["id"]}"]')
        expect(bot_row).to_contain_text(
            "Telegram rejected the bot token (401 Unauthorized)", timeout=LIVE
        )
        bot_row.get_by_role("link").click()
        bot_form = page.locator(f'[data-testid="inbox-form"][data-inbox-id="{bot["id"]}"]')
        expect(bot_form.get_by_test_id("channel-health")).to_have_attribute("data-state", "failing")
    finally:
        api.close()
