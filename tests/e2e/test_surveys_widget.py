"""The survey in the widget, in a real Chromium: the operator resolves the chat, the visitor
gets the rating card in their language, rates it with the stars, adds a comment — and the
operator reads the score and the comment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer
from tests.e2e.test_widget import SENT, Operator, open_widget, say, start_chat

pytestmark = pytest.mark.e2e


@pytest.fixture
def operator(e2e_server: E2EServer) -> Iterator[Operator]:
    """The admin, signed in and online (as in ``test_widget.py``)."""
    op = Operator(e2e_server)
    try:
        op.set_status("online")
        yield op
    finally:
        op.close()


TEXTS = {
    "ru": (
        "Привет, не проходит оплата",
        "Как вы оцениваете помощь, которую получили?",
        "Спасибо за оценку!",
    ),
    "en": (
        "Hi, my payment fails",
        "How would you rate the help you received?",
        "Thank you for your rating!",
    ),
}


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_visitor_rates_the_resolved_chat(
    page: Page, e2e_server: E2EServer, operator: Operator, language: str
) -> None:
    first_words, question, thanks = TEXTS[language]
    operator.set_inbox(language=language)
    saved = operator.http.put(
        f"/api/v1/inboxes/{operator.inbox_id()}/surveys", json={"csat_enabled": True}
    )
    assert saved.status_code == 200, saved.text
    w = open_widget(page, f"{e2e_server.url}/demo")
    start_chat(w)
    say(w, first_words)
    expect(w.locator(SENT)).to_have_count(1)
    conversation = operator.only_conversation()
    operator.reply(conversation["id"], "Done" if language == "en" else "Готово")
    operator.resolve(conversation["id"])

    card = w.get_by_test_id("survey-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text(question)
    expect(w.get_by_test_id("survey-score-1")).to_have_attribute(
        "aria-label", "Оценка 1 из 5" if language == "ru" else "Score 1 of 5"
    )
    w.get_by_test_id("survey-score-4").click()
    expect(w.get_by_test_id("survey-status")).to_have_text(thanks)
    expect(w.get_by_test_id("survey-score-5")).to_be_disabled()
    w.get_by_test_id("survey-comment").fill("Быстро" if language == "ru" else "Quick")
    w.get_by_test_id("survey-send").click()
    expect(w.get_by_test_id("survey-comment")).to_have_count(0)

    surveys = operator.http.get(f"/api/v1/conversations/{conversation['id']}/surveys").json()
    [survey] = surveys["items"]
    assert (survey["kind"], survey["score"], survey["language"]) == ("csat", 4, language)
    assert survey["comment"] == ("Быстро" if language == "ru" else "Quick")
