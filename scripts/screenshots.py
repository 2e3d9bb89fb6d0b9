"""Take the README screenshots from a running demo server.

otklik demo && otklik run --port 8000 &
.venv/bin/python scripts/screenshots.py http://127.0.0.1:8000
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main(base: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for locale in ("en", "ru"):
            page = browser.new_page(viewport={"width": 1440, "height": 860}, locale=locale)
            page.goto(f"{base}/app/")
            page.get_by_test_id("login-email").fill("admin@example.com")
            page.get_by_test_id("login-password").fill("otklik-demo-admin")
            page.get_by_test_id("login-submit").click()
            page.get_by_test_id("conversation-item").first.click()
            page.wait_for_timeout(800)
            suffix = "" if locale == "en" else "-ru"
            page.screenshot(path=str(OUT / f"workspace{suffix}.png"))
            if locale == "en":
                settings_email(page, base)
            page.close()
        phone = browser.new_page(viewport={"width": 390, "height": 760}, locale="ru-RU")
        phone.goto(f"{base}/demo")
        phone.get_by_test_id("otklik-launcher").click()
        phone.wait_for_timeout(1500)
        phone.screenshot(path=str(OUT / "widget.png"))
        browser.close()
    print("screenshots in", OUT, [p.name for p in OUT.iterdir() if re.search(r"\.png$", p.name)])


def settings_email(page: Page, base: str) -> None:
    """The new-inbox form for an email channel, filled in (nothing is saved)."""
    page.goto(f"{base}/app/settings/inboxes")
    page.get_by_test_id("inbox-new").click()
    page.get_by_test_id("inbox-create-name").fill("Support mail")
    page.get_by_test_id("inbox-create-channel").select_option("email")
    page.get_by_test_id("email-address").fill("help@example.com")
    page.get_by_test_id("email-from-name").fill("Example Support")
    page.get_by_test_id("email-imap-host").fill("imap.example.com")
    page.get_by_test_id("email-imap-username").fill("help@example.com")
    page.get_by_test_id("email-imap-since").fill("2026-11-01")
    page.get_by_test_id("email-smtp-host").fill("smtp.example.com")
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUT / "settings-email.png"), full_page=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
