"""Settings pages of issue 5 in a real browser: canned answers with CSV, automation rules,
inbox routing and auto-replies, macros, and what operators may open.

Admins work in the built Vue app; visitors and checks go over the public API.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.visitors import Visitor, new_visitor
from tests.support import HTTP_TIMEOUT

pytestmark = pytest.mark.e2e


# --- helpers -------------------------------------------------------------------------------------


class Api(AdminApi):
    """An admin over the HTTP API (bearer token, no cookies)."""

    def get(self, path: str, **params: Any) -> Any:
        response = self.http.get(f"/api/v1{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any], status: int = 200) -> Any:
        response = self.http.post(f"/api/v1{path}", json=body)
        assert response.status_code == status, response.text
        return response.json()

    def inbox(self, public_key: str) -> dict[str, Any]:
        return next(i for i in self.get("/inboxes")["items"] if i["public_key"] == public_key)


@pytest.fixture
def api(e2e_server: E2EServer) -> Iterator[Api]:
    client = Api(e2e_server)
    try:
        yield client
    finally:
        client.close()


def login(
    page: Page, server: E2EServer, email: str | None = None, password: str | None = None
) -> None:
    page.goto(server.url + "/app/")
    page.get_by_test_id("login-email").fill(email or server.admin_email)
    page.get_by_test_id("login-password").fill(password or server.admin_password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("workspace")).to_be_visible()


def open_section(page: Page, section: str) -> None:
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id(f"settings-nav-{section}").click()
    expect(page.get_by_test_id(f"settings-{section}")).to_be_visible()


def add_action(scope: Any, kind: str) -> Any:
    """Add an action of ``kind`` to the action list inside ``scope``; returns its editor."""
    scope.get_by_test_id("action-add-type").select_option(kind)
    scope.get_by_test_id("action-add").click()
    return scope.get_by_test_id("action-item").last


def add_tag(action: Any, tag: str) -> None:
    field = action.get_by_test_id("action-tags-input")
    field.fill(tag)
    field.press("Enter")
    expect(action.get_by_test_id("action-tags-chip").filter(has_text=tag)).to_be_visible()


# --- canned answers and CSV ----------------------------------------------------------------------


def test_canned_answer_created_exported_and_imported(
    page: Page, e2e_server: E2EServer, api: Api, tmp_path: Path
) -> None:
    login(page, e2e_server)
    open_section(page, "canned")
    expect(page.get_by_test_id("canned-empty")).to_be_visible()
    expect(page.get_by_test_id("variables-help")).to_have_count(0)

    page.get_by_test_id("canned-new").click()
    editor = page.get_by_test_id("canned-editor")
    editor.get_by_test_id("variables-help").locator("summary").click()
    expect(editor.get_by_test_id("variables-help")).to_contain_text("{{contact.email}}")
    expect(editor.get_by_test_id("variables-help")).to_contain_text('{{ contact.name | "there" }}')
    editor.get_by_test_id("canned-shortcut-input").fill("/Hello")
    editor.get_by_test_id("canned-title-input").fill("Greeting")
    editor.get_by_test_id("canned-text-input").fill("Hello {{contcat.name}}!")
    editor.get_by_test_id("canned-category-input").fill("General")
    editor.get_by_test_id("canned-save").click()
    # a 422 is shown next to the form; what was typed stays
    expect(editor.get_by_test_id("canned-error")).to_contain_text("contcat.name")
    expect(editor.get_by_test_id("canned-title-input")).to_have_value("Greeting")
    editor.get_by_test_id("canned-text-input").fill("Hello {{contact.name}}!")
    editor.get_by_test_id("canned-save").click()
    expect(page.get_by_test_id("canned-editor")).to_have_count(0)
    rows = page.get_by_test_id("canned-row")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_test_id("canned-shortcut")).to_have_text("/hello")
    expect(rows.first.get_by_test_id("canned-usage")).to_have_text("not yet")

    with page.expect_download() as download:
        page.get_by_test_id("canned-export").click()
    exported = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["shortcut"], r["title"], r["text"], r["category"]) for r in table] == [
        ("hello", "Greeting", "Hello {{contact.name}}!", "General")
    ]

    # a broken file: nothing is imported, the rows that are wrong are named
    broken = tmp_path / "broken.csv"
    broken.write_text("shortcut,title,text\nok,Fine,Text\nnotitle,,Text\n", encoding="utf-8")
    page.get_by_test_id("canned-import-file").set_input_files(str(broken))
    page.get_by_test_id("canned-import-submit").click()
    expect(page.get_by_test_id("canned-import-error")).to_contain_text("row 3")
    expect(rows).to_have_count(1)

    more = tmp_path / "more.csv"
    more.write_text(
        "shortcut;title;text;category\n"
        'refund;Refund;We will refund you, {{ contact.name | default: "friend" }}.;Billing\n'
        "bye;Goodbye;Bye!;General\n",
        encoding="utf-8",
    )
    page.get_by_test_id("canned-import-file").set_input_files(str(more))
    page.get_by_test_id("canned-import-submit").click()
    expect(page.get_by_test_id("canned-import-result")).to_have_text(
        "Imported: 2 created, 0 updated, 0 skipped."
    )
    expect(rows).to_have_count(3)
    assert sorted(a["shortcut"] for a in api.get("/canned-answers")["items"]) == [
        "bye",
        "hello",
        "refund",
    ]

    page.get_by_test_id("canned-search").fill("refund")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-shortcut", "refund")
    page.get_by_test_id("canned-search").fill("")
    expect(rows).to_have_count(3)
    page.get_by_test_id("canned-category-filter").select_option("General")
    expect(rows).to_have_count(2)


# --- automation rules ----------------------------------------------------------------------------


def test_rule_built_in_the_ui_tags_and_prioritises_a_new_conversation(
    page: Page, e2e_server: E2EServer, api: Api, visitors: list[Visitor]
) -> None:
    login(page, e2e_server)
    open_section(page, "rules")
    page.get_by_test_id("rule-new").click()
    editor = page.get_by_test_id("rule-editor")
    editor.get_by_test_id("rule-name").fill("Refunds first")
    editor.get_by_test_id("rule-trigger").select_option("no_operator_reply")
    expect(editor.get_by_test_id("rule-minutes")).to_be_visible()
    editor.get_by_test_id("rule-trigger").select_option("conversation_created")
    expect(editor.get_by_test_id("rule-minutes")).to_have_count(0)

    editor.get_by_test_id("condition-add-field").select_option("text")
    editor.get_by_test_id("condition-add").click()
    condition = editor.get_by_test_id("condition-item").last
    expect(condition.get_by_test_id("condition-op")).to_have_value("contains")
    condition.get_by_test_id("condition-text").fill("refund")

    add_tag(add_action(editor, "add_tags"), "refund")
    add_action(editor, "set_priority").get_by_test_id("action-priority").select_option("high")
    editor.get_by_test_id("rule-save").click()
    expect(editor.get_by_test_id("rule-saved")).to_be_visible()
    row = page.get_by_test_id("rule-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("rule-enabled")).to_be_checked()

    [rule] = api.get("/automation-rules")["items"]
    assert rule["trigger"] == {"type": "conversation_created", "minutes": None}
    assert rule["conditions"] == [{"field": "text", "op": "contains", "value": "refund"}]
    assert rule["actions"] == [
        {"type": "add_tags", "tags": ["refund"]},
        {"type": "set_priority", "priority": "high"},
    ]

    refund = new_visitor(e2e_server, visitors, "Rita").say("I want a refund")["conversation_id"]
    other = new_visitor(e2e_server, visitors, "Oleg").say("Where is my parcel?")["conversation_id"]
    tagged = api.get(f"/conversations/{refund}")
    assert tagged["tags"] == ["refund"] and tagged["priority"] == "high"
    untouched = api.get(f"/conversations/{other}")
    assert untouched["tags"] == [] and untouched["priority"] == "normal"

    # "test against conversation #id": the saved conditions, nothing runs
    editor.get_by_test_id("rule-test-conversation").fill(str(other))
    editor.get_by_test_id("rule-test-run").click()
    result = editor.get_by_test_id("rule-test-result")
    expect(result).to_have_attribute("data-matches", "false")
    expect(result.get_by_test_id("rule-test-condition")).to_have_attribute("data-holds", "false")
    editor.get_by_test_id("rule-test-conversation").fill(str(refund))
    editor.get_by_test_id("rule-test-run").click()
    expect(result).to_have_attribute("data-matches", "true")
    editor.get_by_test_id("rule-test-conversation").fill("999999")
    editor.get_by_test_id("rule-test-run").click()
    expect(editor.get_by_test_id("rule-test-error")).to_contain_text("999999")

    # switched off in the list: the next refund request is left alone
    row.get_by_test_id("rule-enabled").click()
    expect(row.get_by_test_id("rule-enabled")).not_to_be_checked()
    assert api.get("/automation-rules")["items"][0]["enabled"] is False
    later = new_visitor(e2e_server, visitors, "Rolf").say("refund please")["conversation_id"]
    assert api.get(f"/conversations/{later}")["tags"] == []


# --- inbox routing and auto-replies --------------------------------------------------------------


def test_inbox_routing_and_hours_are_saved_and_reloaded(
    page: Page, e2e_server: E2EServer, api: Api
) -> None:
    login(page, e2e_server)
    open_section(page, "inboxes")
    form = page.get_by_test_id("inbox-form")
    expect(form.get_by_test_id("inbox-assignment")).to_have_value("manual")
    form.get_by_test_id("inbox-assignment").select_option("round_robin")
    form.get_by_test_id("inbox-offline-behavior").select_option("requeue")
    form.get_by_test_id("inbox-skill-fallback").fill("5000")
    form.get_by_test_id("inbox-greeting-message").fill("Hi {{ contact.name | default: 'there' }}!")
    form.get_by_test_id("inbox-away-message").fill("We are away until morning.")
    expect(form.get_by_test_id("hours-off")).to_be_visible()
    form.get_by_test_id("hours-enabled").check()
    form.get_by_test_id("hours-timezone").select_option("Asia/Yekaterinburg")
    form.get_by_test_id("hours-day-mon").get_by_test_id("hours-to").fill("17:30")
    form.get_by_test_id("hours-copy-monday").click()
    form.get_by_test_id("hours-day-sat").get_by_test_id("hours-add").click()
    form.get_by_test_id("hours-day-sat").get_by_test_id("hours-to").fill("14:00")
    form.get_by_test_id("inbox-save").click()
    # out of range: the server's 422 next to the form, nothing typed is lost
    message = form.get_by_test_id("inbox-save-message")
    expect(message).to_contain_text("skill_fallback_minutes")
    expect(form.get_by_test_id("inbox-skill-fallback")).to_have_value("5000")
    expect(form.get_by_test_id("inbox-away-message")).to_have_value("We are away until morning.")

    form.get_by_test_id("inbox-skill-fallback").fill("12")
    form.get_by_test_id("inbox-save").click()
    expect(message).to_have_text("Saved.")

    settings = api.inbox(e2e_server.inbox_key)["settings"]
    assert settings["assignment"] == "round_robin"
    assert settings["offline_behavior"] == "requeue"
    assert settings["skill_fallback_minutes"] == 12
    assert settings["away_message"] == "We are away until morning."
    weekday = [["09:00", "17:30"]]
    assert settings["working_hours"] == {
        "enabled": True,
        "timezone": "Asia/Yekaterinburg",
        "days": {d: weekday for d in ("mon", "tue", "wed", "thu", "fri")}
        | {"sat": [["09:00", "14:00"]]},
    }

    page.reload()
    form = page.get_by_test_id("inbox-form")
    expect(form.get_by_test_id("inbox-assignment")).to_have_value("round_robin")
    expect(form.get_by_test_id("inbox-offline-behavior")).to_have_value("requeue")
    expect(form.get_by_test_id("inbox-skill-fallback")).to_have_value("12")
    expect(form.get_by_test_id("inbox-greeting-message")).to_have_value(
        "Hi {{ contact.name | default: 'there' }}!"
    )
    expect(form.get_by_test_id("hours-enabled")).to_be_checked()
    expect(form.get_by_test_id("hours-timezone")).to_have_value("Asia/Yekaterinburg")
    expect(form.get_by_test_id("hours-day-fri").get_by_test_id("hours-to")).to_have_value("17:30")
    expect(form.get_by_test_id("hours-day-sun").get_by_test_id("hours-closed")).to_be_visible()

    # switched off: "always open", the week is kept for later
    form.get_by_test_id("hours-enabled").uncheck()
    form.get_by_test_id("inbox-save").click()
    expect(message).to_have_text("Saved.")
    hours = api.inbox(e2e_server.inbox_key)["settings"]["working_hours"]
    assert hours["enabled"] is False and hours["days"]["sat"] == [["09:00", "14:00"]]


# --- macros --------------------------------------------------------------------------------------


def test_macro_built_in_the_ui_runs_over_the_api(
    page: Page, e2e_server: E2EServer, api: Api, visitors: list[Visitor]
) -> None:
    login(page, e2e_server)
    open_section(page, "macros")
    page.get_by_test_id("macro-new").click()
    editor = page.get_by_test_id("macro-editor")
    editor.get_by_test_id("macro-name").fill("VIP follow-up")
    editor.get_by_test_id("macro-scope").select_option("global")
    add_tag(add_action(editor, "add_tags"), "vip")
    add_action(editor, "set_priority").get_by_test_id("action-priority").select_option("urgent")
    add_action(editor, "set_status").get_by_test_id("action-status").select_option("pending")
    note = add_action(editor, "add_note")
    note.get_by_test_id("action-text").fill("Checked {{contact.name}}")
    # the note goes first
    note_item = editor.locator('[data-testid="action-item"][data-action-type="add_note"]')
    for _ in range(3):
        note_item.get_by_test_id("action-up").click()
    expect(editor.get_by_test_id("action-item").first).to_have_attribute(
        "data-action-type", "add_note"
    )
    editor.get_by_test_id("macro-save").click()
    row = page.get_by_test_id("macro-row").filter(has_text="VIP follow-up")
    expect(row).to_be_visible()
    expect(row.get_by_test_id("scope-chip")).to_have_attribute("data-scope", "global")

    [macro] = api.get("/macros")["items"]
    assert macro["scope"] == "global"
    assert macro["actions"] == [
        {"type": "add_note", "text": "Checked {{contact.name}}"},
        {"type": "add_tags", "tags": ["vip"]},
        {"type": "set_priority", "priority": "urgent"},
        {"type": "set_status", "status": "pending", "snooze_minutes": None},
    ]

    conversation_id = new_visitor(e2e_server, visitors, "Vera").say("hello")["conversation_id"]
    run = api.post(f"/macros/{macro['id']}/run", {"conversation_ids": [conversation_id]})
    assert [r["ok"] for r in run["results"]] == [True], run
    after = api.get(f"/conversations/{conversation_id}")
    assert after["tags"] == ["vip"]
    assert after["priority"] == "urgent"
    assert after["status"] == "pending"
    notes = [
        m["text"]
        for m in api.get(f"/conversations/{conversation_id}/messages")["items"]
        if m["private"]
    ]
    assert notes == ["Checked Vera"]


# --- teams, operators, attributes, and what operators may open -----------------------------------


def test_team_lines_agent_routing_and_attributes(
    page: Page, e2e_server: E2EServer, api: Api
) -> None:
    first = api.post("/teams", {"name": "First line"}, status=201)
    second = api.post("/teams", {"name": "Second line"}, status=201)
    login(page, e2e_server)
    open_section(page, "teams")
    editor = page.locator(f'[data-testid="team-editor"][data-team-id="{first["id"]}"]')
    editor.get_by_test_id("team-escalates-select").select_option(str(second["id"]))
    editor.get_by_test_id("team-save").click()
    expect(editor.get_by_test_id("team-escalates")).to_have_text("escalates to Second line")
    other = page.locator(f'[data-testid="team-editor"][data-team-id="{second["id"]}"]')
    other.get_by_test_id("team-line-select").select_option("2")
    other.get_by_test_id("team-save").click()
    expect(other.get_by_test_id("team-line")).to_have_text("Line 2")
    teams = {t["id"]: t for t in api.get("/teams")["items"]}
    assert teams[first["id"]]["escalates_to_id"] == second["id"]
    assert teams[second["id"]]["line"] == 2

    page.get_by_test_id("settings-nav-agents").click()
    row = page.locator(f'[data-testid="agent-row"][data-agent-id="{api.me["id"]}"]')
    row.get_by_test_id("agent-max-concurrent").fill("51")
    row.get_by_test_id("agent-skills-input").fill("Billing, refunds")
    row.get_by_test_id("agent-skills-input").press("Enter")
    row.get_by_test_id("agent-routing-save").click()
    expect(row.get_by_test_id("agent-routing-error")).to_contain_text("max_concurrent")
    expect(row.get_by_test_id("agent-skills-chip")).to_have_count(2)
    row.get_by_test_id("agent-max-concurrent").fill("8")
    row.get_by_test_id("agent-routing-save").click()
    expect(row.get_by_test_id("agent-routing-save")).to_have_count(0)
    me = next(a for a in api.get("/agents")["items"] if a["id"] == api.me["id"])
    assert me["max_concurrent"] == 8 and me["skills"] == ["billing", "refunds"]

    page.get_by_test_id("settings-nav-attributes").click()
    page.get_by_test_id("attribute-entity-contact").click()
    form = page.get_by_test_id("attribute-create-form")
    form.get_by_test_id("attribute-key").fill("plan")
    form.get_by_test_id("attribute-label").fill("Plan")
    form.get_by_test_id("attribute-type").select_option("list")
    form.get_by_test_id("attribute-create-submit").click()
    expect(form.get_by_test_id("attribute-create-error")).to_contain_text("options")
    form.get_by_test_id("attribute-options-input").fill("free, pro")
    form.get_by_test_id("attribute-options-input").press("Enter")
    form.get_by_test_id("attribute-create-submit").click()
    expect(page.locator('[data-testid="attribute-row"][data-key="plan"]')).to_be_visible()
    [plan] = api.get("/attribute-definitions", entity="contact")["items"]
    assert (plan["key"], plan["type"], plan["options"]) == ("plan", "list", ["free", "pro"])
    page.get_by_test_id("attribute-entity-conversation").click()
    expect(page.get_by_test_id("attribute-row")).to_have_count(0)


def test_operators_manage_their_own_canned_answers_only(
    browser: Browser, e2e_server: E2EServer, api: Api
) -> None:
    api.post(
        "/agents",
        {
            "email": "olga@example.com",
            "name": "Olga",
            "password": "agent-password-1",
            "role": "agent",
        },
        status=201,
    )
    api.post(
        "/canned-answers",
        {"shortcut": "policy", "title": "Policy", "text": "Our policy", "scope": "global"},
        status=201,
    )
    ctx = browser.new_context(locale="en-US", timezone_id="Europe/Moscow")
    try:
        page = ctx.new_page()
        login(page, e2e_server, "olga@example.com", "agent-password-1")
        expect(page.get_by_test_id("nav-settings")).to_have_count(0)
        page.get_by_test_id("nav-scripts").click()
        expect(page.get_by_test_id("settings-canned")).to_be_visible()
        expect(page.get_by_test_id("settings-nav-rules")).to_have_count(0)
        expect(page.get_by_test_id("settings-nav-agents")).to_have_count(0)
        policy = page.get_by_test_id("canned-row").filter(has_text="policy")
        expect(policy).to_be_visible()
        expect(policy.get_by_test_id("canned-edit")).to_have_count(0)

        page.get_by_test_id("canned-new").click()
        editor = page.get_by_test_id("canned-editor")
        expect(editor.get_by_test_id("canned-scope")).to_be_disabled()
        editor.get_by_test_id("canned-shortcut-input").fill("mine")
        editor.get_by_test_id("canned-title-input").fill("Mine")
        editor.get_by_test_id("canned-text-input").fill("Signed, {{agent.first_name}}")
        editor.get_by_test_id("canned-save").click()
        mine = page.get_by_test_id("canned-row").filter(has_text="Mine")
        expect(mine.get_by_test_id("scope-chip")).to_have_text("Personal")
        mine.get_by_test_id("canned-delete").click()
        mine.get_by_test_id("canned-delete-confirm").click()
        expect(mine).to_have_count(0)

        page.goto(e2e_server.url + "/app/settings/rules")
        expect(page.get_by_test_id("workspace")).to_be_visible()
    finally:
        ctx.close()


# --- inbox members -------------------------------------------------------------------------------


def test_an_admin_takes_an_operator_off_an_inbox_and_its_conversations_leave_their_list(
    page: Page, browser: Browser, e2e_server: E2EServer, api: Api
) -> None:
    olga = api.post(
        "/agents",
        {"email": "olga@example.com", "name": "Olga", "password": "agent-password-1"},
        status=201,
    )
    with httpx.Client(base_url=e2e_server.url, timeout=HTTP_TIMEOUT) as visitor:
        session = visitor.post(
            "/api/v1/widget/sessions", json={"inbox_key": e2e_server.inbox_key, "name": "Pavel"}
        ).json()
        said = visitor.post(
            "/api/v1/widget/messages",
            headers={"Authorization": f"Bearer {session['visitor_token']}"},
            json={"client_msg_id": "e2e-members-1", "text": "Where is my order?"},
        )
        assert said.status_code in (200, 201), said.text
    ctx = browser.new_context(locale="en-US", timezone_id="Europe/Moscow")
    try:
        operator = ctx.new_page()
        login(operator, e2e_server, "olga@example.com", "agent-password-1")
        # An agent has no "All" tab: the inbox's unassigned queue is where Pavel waits.
        expect(operator.get_by_test_id("tab-all")).to_have_count(0)
        operator.get_by_test_id("tab-unassigned").click()
        pavel = operator.get_by_test_id("conversation-item").filter(has_text="Pavel")
        expect(pavel).to_be_visible()
        expect(operator.get_by_test_id("tab-count-unassigned")).to_have_text("1")

        login(page, e2e_server)
        open_section(page, "inboxes")
        members = page.get_by_test_id("inbox-members")
        expect(members.get_by_test_id(f"inbox-member-{olga['id']}")).to_be_checked()
        members.get_by_test_id(f"inbox-member-{olga['id']}").uncheck()
        members.get_by_test_id("inbox-members-save").click()
        expect(members.get_by_test_id("inbox-members-message")).to_have_text("Members saved.")
        inbox_id = api.inbox(e2e_server.inbox_key)["id"]
        assert olga["id"] not in api.get(f"/inboxes/{inbox_id}/members")["agent_ids"]

        # Her open workspace is told to refetch: the conversation and its count are gone.
        expect(pavel).to_have_count(0)
        expect(operator.get_by_test_id("tab-count-unassigned")).to_have_text("0")
    finally:
        ctx.close()
