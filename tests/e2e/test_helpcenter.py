"""The knowledge base in browsers (issue 13): the help center with JavaScript off, the
widget's suggestions and deflection, the reply box's articles and the settings editor's
revisions — one server for the module, one test."""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.test_widget import Operator, open_widget, start_chat
from tests.e2e.test_widget import operator as operator  # noqa: F401  (the fixture)
from tests.e2e.test_workspace import LIVE, login
from tests.e2e.visitors import Visitor
from tests.e2e.waiting import wait_for_js
from tests.test_attachments import tiny_png

pytestmark = pytest.mark.e2e


def _seed(server: E2EServer) -> None:
    admin = AdminApi(server)
    try:
        category = admin.http.post(
            "/api/v1/kb/categories",
            json={"name_ru": "Оплата и возвраты", "name_en": "Payments", "slug": "payments"},
        ).json()
        ru = admin.http.post(
            "/api/v1/kb/articles",
            json={
                "language": "ru",
                "title": "Как вернуть деньги за заказ",
                "body": "Напишите **номер заказа** — деньги вернутся за три дня.",
                "category_id": category["id"],
                "status": "published",
            },
        )
        assert ru.status_code == 201, ru.text
        en = admin.http.post(
            "/api/v1/kb/articles",
            json={
                "language": "en",
                "title": "How to get a refund",
                "body": "Send us the **order number**.",
                "category_id": category["id"],
                "status": "published",
                "translation_of": ru.json()["id"],
            },
        )
        assert en.status_code == 201, en.text
    finally:
        admin.close()


def _deflections(server: E2EServer) -> int:
    with sqlite3.connect(server.settings.data_dir / "otklik.db") as db:
        count: int = db.execute("SELECT count(*) FROM kb_deflections").fetchone()[0]
        return count


def test_knowledge_base_in_browsers(
    browser: Browser, page: Page, e2e_server: E2EServer, operator: Operator
) -> None:
    _seed(e2e_server)
    context = browser.new_context(java_script_enabled=False, locale="ru-RU")
    try:
        reader = context.new_page()
        reader.goto(f"{e2e_server.url}/help/{e2e_server.inbox_key}")
        reader.get_by_role("link", name="Оплата и возвраты").click()
        reader.get_by_role("link", name="Как вернуть деньги за заказ").click()
        expect(reader.get_by_test_id("help-article-title")).to_have_text(
            "Как вернуть деньги за заказ"
        )
        expect(reader.get_by_test_id("help-article-body").locator("strong")).to_have_text(
            "номер заказа"
        )
        # "Was this helpful?" is a plain form post.
        reader.get_by_test_id("help-yes").click()
        expect(reader.get_by_test_id("help-voted")).to_be_visible()
        # The language switch goes to the linked English version.
        reader.get_by_test_id("help-language").click()
        expect(reader.get_by_test_id("help-article-title")).to_have_text("How to get a refund")
        # Search (a Russian word in another form) is a plain GET form.
        reader.goto(f"{e2e_server.url}/help/{e2e_server.inbox_key}/ru/")
        reader.get_by_role("searchbox").fill("заказов")
        reader.get_by_role("searchbox").press("Enter")
        expect(reader.get_by_test_id("help-hit")).to_have_text("Как вернуть деньги за заказ")
    finally:
        context.close()

    # The widget: the visitor's first words suggest the article; reading it and closing the
    # widget without a chat is a deflection.
    w = open_widget(page, f"{e2e_server.url}/demo")
    start_chat(w)
    w.get_by_test_id("message-input").fill("Хочу вернуть деньги")
    suggestion = w.get_by_test_id("kb-suggestion")
    expect(suggestion).to_have_text("Как вернуть деньги за заказ")
    with page.context.expect_page() as opened:
        suggestion.click()
    expect(opened.value.get_by_test_id("help-article-title")).to_be_visible()
    opened.value.close()
    w.get_by_test_id("close-button").click()
    deadline = time.monotonic() + 10
    while _deflections(e2e_server) == 0:
        assert time.monotonic() < deadline, "no deflection recorded"
        time.sleep(0.1)

    # The workspace: the reply box suggests the article for the customer's words and inserts
    # a link to its help-center page.
    visitor = Visitor(e2e_server, "Зоя")
    try:
        said = visitor.say("Здравствуйте! Как вернуть деньги?")
    finally:
        visitor.close()
    login(page, e2e_server)
    page.goto(f"{e2e_server.url}/app/c/{said['conversation_id']}")
    page.get_by_test_id("kb-suggest").click()
    found = page.get_by_test_id("kb-suggestion").filter(has_text="Как вернуть деньги за заказ")
    expect(found).to_be_visible(timeout=LIVE)
    found.get_by_test_id("kb-insert-link").click()
    expect(page.get_by_test_id("reply-box")).to_have_value(
        re.compile(
            r"Как вернуть деньги за заказ: http.*/help/-/ru/articles/kak-vernut-dengi-za-zakaz"
        )
    )

    # Settings → Knowledge base: edit, see the diff since the first revision, restore it.
    page.goto(f"{e2e_server.url}/app/settings/kb")
    page.get_by_test_id("kb-article").filter(has_text="Как вернуть деньги за заказ").click()
    body = page.get_by_test_id("kb-body")
    expect(body).to_have_value(re.compile("номер заказа"))
    body.fill("Деньги вернутся за пять дней.")
    page.get_by_test_id("kb-save").click()
    revisions = page.get_by_test_id("kb-revision")
    expect(revisions).to_have_count(2)
    first = revisions.last
    first.get_by_test_id("kb-diff").click()
    expect(first.get_by_test_id("kb-diff-text")).to_contain_text("+Деньги вернутся за пять дней.")
    first.get_by_test_id("kb-restore").click()
    expect(revisions).to_have_count(3)
    expect(body).to_have_value(re.compile("номер заказа"))

    # A screenshot attached in the editor goes into the body where the cursor is, and the
    # help center's readers see it once the article is saved (it is published).
    body.focus()
    page.keyboard.press("Control+End")
    page.get_by_test_id("kb-attach").set_input_files(
        files=[{"name": "screen.png", "mimeType": "image/png", "buffer": tiny_png()}]
    )
    expect(body).to_have_value(re.compile(r"номер заказа[\s\S]*!\[screen\.png\]\(/kb-files/\d+/"))
    page.get_by_test_id("kb-save").click()
    expect(revisions).to_have_count(4)
    reader = browser.new_page()
    try:
        reader.goto(f"{e2e_server.url}/help/-/ru/articles/kak-vernut-dengi-za-zakaz")
        shot = reader.get_by_test_id("help-article-body").locator('img[alt="screen.png"]')
        expect(shot).to_be_visible()
        wait_for_js(reader, "img => img.complete && img.naturalWidth === 2", shot.element_handle())
    finally:
        reader.close()
