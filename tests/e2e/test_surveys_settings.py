"""Settings → Surveys in the operator app (a real Chromium): an admin turns CSAT and NPS on
for the widget inbox with an own Russian question, it is saved and reloaded; a resolved chat
then asks that question, and the visitor's score shows live in the open conversation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer
from tests.e2e.test_settings import Api, add_action, add_tag, api, login, open_section  # noqa: F401
from tests.support import HTTP_TIMEOUT

pytestmark = pytest.mark.e2e


def test_surveys_are_set_per_inbox_and_scores_show_in_the_conversation(
    page: Page,
    e2e_server: E2EServer,
    api: Api,  # noqa: F811
) -> None:
    login(page, e2e_server)
    open_section(page, "surveys")
    expect(page.get_by_test_id("settings-nav-surveys")).to_have_text("Surveys")
    page.get_by_test_id("surveys-csat").check()
    page.get_by_test_id("surveys-nps").check()
    page.get_by_test_id("surveys-nps-interval").fill("30")
    page.get_by_test_id("surveys-text-ru-csat").fill("Как мы справились?")
    page.get_by_test_id("surveys-save").click()
    expect(page.get_by_test_id("surveys-saved")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("surveys-csat")).to_be_checked()
    expect(page.get_by_test_id("surveys-nps-interval")).to_have_value("30")
    expect(page.get_by_test_id("surveys-text-ru-csat")).to_have_value("Как мы справились?")
    inbox = api.inbox(e2e_server.inbox_key)
    saved = api.get(f"/inboxes/{inbox['id']}/surveys")
    assert (saved["csat_enabled"], saved["nps_enabled"], saved["ces_enabled"]) == (
        True,
        True,
        False,
    )

    with httpx.Client(base_url=e2e_server.url, timeout=HTTP_TIMEOUT) as visitor:
        session = visitor.post(
            "/api/v1/widget/sessions", json={"inbox_key": e2e_server.inbox_key, "language": "ru"}
        ).json()
        visitor.headers["Authorization"] = f"Bearer {session['visitor_token']}"
        said = visitor.post(
            "/api/v1/widget/messages",
            json={"client_msg_id": uuid.uuid4().hex, "text": "Здравствуйте, помогите с заказом"},
        )
        conversation_id = said.json()["conversation_id"]
        page.goto(f"{e2e_server.url}/app/c/{conversation_id}")
        expect(page.get_by_test_id("survey-scores")).to_be_visible()
        api.post(f"/conversations/{conversation_id}/status", {"status": "resolved"})
        expect(page.locator('[data-testid="survey-score"][data-kind="csat"]')).to_contain_text(
            "CSAT: no answer yet"
        )
        cards = {c["kind"]: c for c in visitor.get("/api/v1/widget/surveys").json()["items"]}
        assert cards["csat"]["question"] == "Как мы справились?"
        answered = visitor.post(
            f"/api/v1/public/surveys/{cards['csat']['token']}/answer",
            json={"score": 2, "comment": "Долго"},
        )
        assert answered.status_code == 200, answered.text
    low = page.locator('[data-testid="survey-score"][data-kind="csat"]')
    expect(low).to_have_attribute("data-score", "2")
    expect(low).to_contain_text("CSAT: 2 of 5")
    expect(low).to_contain_text("Долго")


def test_a_low_score_rule_built_in_the_ui(
    page: Page,
    e2e_server: E2EServer,
    api: Api,  # noqa: F811
) -> None:
    """ "Survey answered" with CSAT ≤ 2 → tag the conversation, built in the rules editor."""
    login(page, e2e_server)
    open_section(page, "rules")
    page.get_by_test_id("rule-new").click()
    editor = page.get_by_test_id("rule-editor")
    editor.get_by_test_id("rule-name").fill("Unhappy customer")
    editor.get_by_test_id("rule-trigger").select_option("survey_answered")
    editor.get_by_test_id("condition-add-field").select_option("survey_kind")
    editor.get_by_test_id("condition-add").click()
    editor.get_by_test_id("condition-item").last.get_by_text("CSAT").click()
    editor.get_by_test_id("condition-add-field").select_option("survey_score")
    editor.get_by_test_id("condition-add").click()
    score = editor.get_by_test_id("condition-item").last
    expect(score.get_by_test_id("condition-op")).to_have_value("lte")
    score.get_by_test_id("condition-text").fill("2")
    add_tag(add_action(editor, "add_tags"), "low-csat")
    editor.get_by_test_id("rule-save").click()
    expect(editor.get_by_test_id("rule-saved")).to_be_visible()
    [rule] = api.get("/automation-rules")["items"]
    assert rule["trigger"]["type"] == "survey_answered"
    assert rule["conditions"] == [
        {"field": "survey_kind", "op": "in", "value": ["csat"]},
        {"field": "survey_score", "op": "lte", "value": 2},
    ]
