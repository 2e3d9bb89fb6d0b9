"""Search in the operator workspace, in a real browser: Ctrl+K, a Russian word in another
form, and the conversation opened at the matching message (loaded back past a page)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.test_workspace import LIVE, login
from tests.e2e.visitors import Visitor

pytestmark = pytest.mark.e2e


@pytest.fixture
def visitor(e2e_server: E2EServer) -> Iterator[Visitor]:
    v = Visitor(e2e_server, "Зоя")
    try:
        yield v
    finally:
        v.close()


def test_ctrl_k_finds_a_word_form_and_opens_the_conversation_at_it(
    page: Page, e2e_server: E2EServer, visitor: Visitor
) -> None:
    found = visitor.say("Где мой заказ? Оплатила вчера, номер ORD-5512")
    conversation_id, message_id = found["conversation_id"], found["id"]
    # More than a page of later messages: the match is on an older page than the first one.
    admin = AdminApi(e2e_server)
    try:
        for n in range(60):
            sent = admin.http.post(
                f"/api/v1/conversations/{conversation_id}/messages",
                json={"client_msg_id": uuid.uuid4().hex, "text": f"Уточняю, ответ номер {n}"},
            )
            assert sent.status_code == 201, sent.text
    finally:
        admin.close()

    login(page, e2e_server)
    page.keyboard.press("Control+KeyK")
    dialog = page.get_by_test_id("search-dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("search-input")).to_be_focused()
    page.keyboard.type("заказы")
    hit = dialog.locator(f'[data-testid="search-hit"][data-message-id="{message_id}"]')
    expect(hit).to_be_visible(timeout=LIVE)
    expect(hit.locator("mark")).to_have_text("заказ")
    expect(hit).to_contain_text(f"#{conversation_id}")
    hit.click()

    expect(dialog).to_be_hidden()
    expect(page).to_have_url(f"{e2e_server.url}/app/c/{conversation_id}")
    message = page.locator(f'[data-testid="message-item"][data-msg-id="{message_id}"]')
    expect(message).to_be_in_viewport(timeout=LIVE)
    expect(message).to_have_attribute("data-found", "true")
    expect(message).to_contain_text("Где мой заказ?")

    # `/` opens it too when no conversation is open; Esc closes it.
    page.goto(f"{e2e_server.url}/app/")
    expect(page.get_by_test_id("workspace")).to_be_visible()
    page.keyboard.press("Slash")
    expect(dialog).to_be_visible()
    page.keyboard.type("ORD-5512")
    expect(dialog.get_by_test_id("search-hit").first).to_be_visible(timeout=LIVE)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # An article of the knowledge base is found too, and opens in its editor.
    admin = AdminApi(e2e_server)
    try:
        article = admin.http.post(
            "/api/v1/kb/articles",
            json={"language": "ru", "title": "Возврат денег", "body": "Деньги вернутся за 3 дня."},
        )
        assert article.status_code == 201, article.text
    finally:
        admin.close()
    page.keyboard.press("Slash")
    page.keyboard.type("возвраты")
    hit = dialog.locator('[data-testid="search-hit"][data-kind="articles"]')
    expect(hit).to_contain_text("Возврат денег", timeout=LIVE)
    hit.click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("kb-title")).to_have_value("Возврат денег", timeout=LIVE)
