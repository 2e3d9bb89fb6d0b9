"""The operator workspace in a real browser against a real server.

Visitors are played over the widget API (HTTP + their socket); operators use the built Vue app.
Every check goes through what a person sees (data-testid hooks) or through the public API.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from tests.e2e.conftest import AdminApi, E2EServer, run_async
from tests.e2e.visitors import Visitor, new_visitor
from tests.e2e.waiting import wait_for_js
from tests.processes import start_server

pytestmark = pytest.mark.e2e

XSS = "<img src=x onerror=alert(1)>"
LIVE = 60_000  # ms: anything that travels over the socket
RECONNECT = 45_000  # ms: backoff after a server restart

# Count WebAudio beeps (the workspace plays no files, it makes a tone).
COUNT_BEEPS = """
(() => {
  const C = window.AudioContext || window.webkitAudioContext;
  if (!C) return;
  const make = C.prototype.createOscillator;
  window.__beeps = 0;
  C.prototype.createOscillator = function () { window.__beeps++; return make.call(this); };
})();
"""


# --- helpers -------------------------------------------------------------------------------------


class Api(AdminApi):
    """An admin over the HTTP API (bearer token, no cookies)."""

    def create_agent(
        self, email: str, name: str, password: str = "agent-password-1"
    ) -> dict[str, Any]:
        response = self.http.post(
            "/api/v1/agents",
            json={
                "email": email,
                "name": name,
                "password": password,
                "role": "agent",
                "languages": ["en"],
            },
        )
        assert response.status_code == 201, response.text
        agent: dict[str, Any] = response.json()
        return agent

    def agents(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.http.get("/api/v1/agents").json()["items"]
        return items

    def messages(self, conversation_id: int) -> list[dict[str, Any]]:
        response = self.http.get(
            f"/api/v1/conversations/{conversation_id}/messages", params={"limit": 200}
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def conversation(self, conversation_id: int) -> dict[str, Any]:
        result: dict[str, Any] = self.http.get(f"/api/v1/conversations/{conversation_id}").json()
        return result


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


def item(page: Page, conversation_id: int) -> Any:
    return page.locator(
        f'[data-testid="conversation-item"][data-conversation-id="{conversation_id}"]'
    )


def open_conversation(page: Page, server: E2EServer, conversation_id: int) -> None:
    page.goto(f"{server.url}/app/c/{conversation_id}")
    expect(page.get_by_test_id("conversation-pane")).to_be_visible()
    expect(page.get_by_test_id("reply-box")).to_be_visible()


def focus_page(page: Page) -> None:
    """Put the focus outside any text field so shortcuts apply."""
    page.get_by_test_id("message-list").click(position={"x": 5, "y": 5})


def second_workspace(
    browser: Browser, server: E2EServer, api: Api, name: str = "Boris"
) -> tuple[BrowserContext, Page, dict[str, Any]]:
    email = f"{name.lower()}@example.com"
    agent = api.create_agent(email, name)
    ctx = browser.new_context(locale="en-US", timezone_id="Europe/Moscow")
    page = ctx.new_page()
    login(page, server, email, "agent-password-1")
    return ctx, page, agent


# --- sign in -------------------------------------------------------------------------------------


def test_login_is_remembered_and_logout_ends_it(page: Page, e2e_server: E2EServer) -> None:
    page.goto(e2e_server.url + "/app/")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill("wrong password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("login-error")).to_be_visible()

    login(page, e2e_server)
    expect(page.get_by_test_id("current-agent")).to_have_text("Admin")
    page.reload()
    expect(page.get_by_test_id("workspace")).to_be_visible()
    expect(page.get_by_test_id("login-form")).to_have_count(0)

    page.get_by_test_id("logout-button").click()
    expect(page.get_by_test_id("login-form")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("login-form")).to_be_visible()


def test_deep_link_returns_after_login(
    page: Page, e2e_server: E2EServer, visitors: list[Visitor]
) -> None:
    v = new_visitor(e2e_server, visitors, "Deep")
    v.say("hello")
    page.goto(f"{e2e_server.url}/app/c/{v.conversation_id}")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("conversation-title")).to_have_text("Deep")


# --- live list, unread, safe rendering -----------------------------------------------------------


def test_new_visitor_message_shows_live_unread_and_literal(
    page: Page, e2e_server: E2EServer, visitors: list[Visitor]
) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    login(page, e2e_server)
    page.get_by_test_id("tab-unassigned").click()
    expect(page.get_by_test_id("tab-count-unassigned")).to_have_text("0")

    v = new_visitor(e2e_server, visitors, XSS, "x@example.org")
    v.say(f"Help {XSS} <b>bold</b>")
    assert v.conversation_id is not None
    row = item(page, v.conversation_id)
    expect(row).to_be_visible(timeout=LIVE)
    expect(row.get_by_test_id("unread-badge")).to_have_text("1")
    expect(row.get_by_test_id("conversation-name")).to_have_text(XSS)
    expect(row.get_by_test_id("last-message-preview")).to_have_text(f"Help {XSS} <b>bold</b>")
    expect(page.get_by_test_id("tab-count-unassigned")).to_have_text("1", timeout=LIVE)

    v.say("second")
    expect(row.get_by_test_id("unread-badge")).to_have_text("2", timeout=LIVE)

    row.click()
    expect(page.get_by_test_id("message-text").first).to_have_text(f"Help {XSS} <b>bold</b>")
    expect(page.get_by_test_id("contact-name")).to_have_text(XSS)
    expect(row.get_by_test_id("unread-badge")).to_have_count(0, timeout=LIVE)
    assert page.locator("main img, #app img").count() == 0
    assert page.locator("b", has_text="bold").count() == 0
    assert dialogs == []


# --- replying ------------------------------------------------------------------------------------


def test_reply_note_and_new_lines(
    page: Page, e2e_server: E2EServer, visitors: list[Visitor], api: Api
) -> None:
    v = new_visitor(e2e_server, visitors, "Vera")
    v.say("Where is my order?")
    assert v.conversation_id is not None
    login(page, e2e_server)
    open_conversation(page, e2e_server, v.conversation_id)

    box = page.get_by_test_id("reply-box")
    box.click()
    box.type("Line one")
    box.press("Shift+Enter")
    box.type("Line two")
    box.press("Enter")
    sent = page.locator('[data-testid="message-item"][data-delivery="sent"]')
    expect(sent).to_have_count(1, timeout=LIVE)
    expect(sent.get_by_test_id("message-text")).to_have_text("Line one\nLine two")
    expect(box).to_have_value("")

    page.get_by_test_id("note-toggle").click()
    expect(page.get_by_test_id("note-toggle")).to_have_attribute("aria-pressed", "true")
    box.type("Customer is a VIP")
    page.get_by_test_id("send-button").click()
    note = page.locator('[data-testid="message-item"][data-private="true"]')
    expect(note).to_have_count(1, timeout=LIVE)
    expect(note.get_by_test_id("note-label")).to_be_visible()
    expect(note).to_have_attribute("data-delivery", "sent", timeout=LIVE)

    # the note never reaches the visitor
    assert v.texts() == ["Where is my order?", "Line one\nLine two"]
    assert [m["private"] for m in api.messages(v.conversation_id)] == [False, False, True]

    v.say("Thanks!")
    expect(page.get_by_test_id("message-text").last).to_have_text("Thanks!", timeout=LIVE)


def test_typing_indicator_both_ways(
    page: Page, e2e_server: E2EServer, visitors: list[Visitor]
) -> None:
    v = new_visitor(e2e_server, visitors, "Tanya")
    v.say("hi")
    assert v.conversation_id is not None
    login(page, e2e_server)
    open_conversation(page, e2e_server, v.conversation_id)

    with v.socket() as sock:
        sock.send(json.dumps({"type": "typing", "typing": True}))
        expect(page.get_by_test_id("typing-indicator")).to_contain_text("Tanya", timeout=LIVE)
        sock.send(json.dumps({"type": "typing", "typing": False}))
        expect(page.get_by_test_id("typing-indicator")).not_to_contain_text("Tanya", timeout=LIVE)

        page.get_by_test_id("reply-box").type("Let me check")
        deadline = time.monotonic() + 10
        seen = False
        while time.monotonic() < deadline and not seen:
            try:
                frame = json.loads(sock.recv(1))
            except TimeoutError:
                continue
            seen = frame.get("type") == "typing" and frame.get("typing") is True
        assert seen, "the visitor never heard the operator typing"


# --- actions, live in every workspace ------------------------------------------------------------


def test_actions_are_live_in_another_workspace(
    page: Page, browser: Browser, e2e_server: E2EServer, visitors: list[Visitor], api: Api
) -> None:
    v = new_visitor(e2e_server, visitors, "Olga")
    v.say("hello")
    cid = v.conversation_id
    assert cid is not None
    login(page, e2e_server)
    other_ctx, other, boris = second_workspace(browser, e2e_server, api)
    try:
        other.get_by_test_id("tab-unassigned").click()
        expect(item(other, cid)).to_be_visible(timeout=LIVE)
        expect(other.get_by_test_id("tab-count-unassigned")).to_have_text("1")

        open_conversation(page, e2e_server, cid)
        focus_page(page)
        page.keyboard.press("a")  # assign to me
        expect(page.get_by_test_id("tab-count-mine")).to_have_text("1", timeout=LIVE)
        expect(item(other, cid)).to_have_count(0, timeout=LIVE)
        expect(other.get_by_test_id("tab-count-unassigned")).to_have_text("0", timeout=LIVE)

        page.get_by_test_id("action-assign").click()
        page.locator(f'[data-testid="assign-agent"][data-agent-id="{boris["id"]}"]').click()
        other.get_by_test_id("tab-mine").click()
        expect(item(other, cid)).to_be_visible(timeout=LIVE)
        assert api.conversation(cid)["assignee_id"] == boris["id"]

        item(other, cid).click()
        status = other.get_by_test_id("conversation-status")
        expect(status).to_have_text("Open")
        page.get_by_test_id("action-resolve").click()
        expect(status).to_have_text("Resolved", timeout=LIVE)
        page.get_by_test_id("action-reopen").click()
        expect(status).to_have_text("Open", timeout=LIVE)
        page.get_by_test_id("action-pending").click()
        expect(status).to_have_text("Pending", timeout=LIVE)
        page.get_by_test_id("action-snooze").click()
        page.get_by_test_id("snooze-1h").click()
        expect(status).to_have_text("Snoozed", timeout=LIVE)
        expect(other.get_by_test_id("snooze-until")).to_be_visible()
        snoozed = api.conversation(cid)
        assert snoozed["status"] == "snoozed" and snoozed["snooze_until"]
    finally:
        other_ctx.close()


def test_snooze_with_a_picked_date(
    page: Page, e2e_server: E2EServer, visitors: list[Visitor], api: Api
) -> None:
    v = new_visitor(e2e_server, visitors, "Petr")
    v.say("later please")
    assert v.conversation_id is not None
    login(page, e2e_server)
    open_conversation(page, e2e_server, v.conversation_id)
    page.get_by_test_id("action-snooze").click()
    page.get_by_test_id("snooze-date").fill("2099-01-02T10:30")
    page.get_by_test_id("snooze-date-apply").click()
    expect(page.get_by_test_id("conversation-status")).to_have_text("Snoozed", timeout=LIVE)
    # the context runs in Europe/Moscow (UTC+3): 10:30 there is 07:30 UTC
    assert api.conversation(v.conversation_id)["snooze_until"].startswith("2099-01-02T07:30")


# --- several dialogs: cache, drafts, alerts ------------------------------------------------------


def test_drafts_survive_switching_and_reload(
    page: Page, e2e_server: E2EServer, visitors: list[Visitor]
) -> None:
    a = new_visitor(e2e_server, visitors, "Anna")
    a.say("one")
    b = new_visitor(e2e_server, visitors, "Boris")
    b.say("two")
    assert a.conversation_id and b.conversation_id
    login(page, e2e_server)
    page.get_by_test_id("tab-unassigned").click()

    item(page, a.conversation_id).click()
    page.get_by_test_id("reply-box").fill("draft for Anna")
    item(page, b.conversation_id).click()
    expect(page.get_by_test_id("conversation-title")).to_have_text("Boris")
    expect(page.get_by_test_id("reply-box")).to_have_value("")
    page.get_by_test_id("note-toggle").click()
    page.get_by_test_id("reply-box").fill("note draft for Boris")

    item(page, a.conversation_id).click()
    expect(page.get_by_test_id("reply-box")).to_have_value("draft for Anna")
    expect(page.get_by_test_id("note-toggle")).to_have_attribute("aria-pressed", "false")

    page.reload()
    expect(page.get_by_test_id("reply-box")).to_have_value("draft for Anna")
    item(page, b.conversation_id).click()
    expect(page.get_by_test_id("reply-box")).to_have_value("note draft for Boris")
    expect(page.get_by_test_id("note-toggle")).to_have_attribute("aria-pressed", "true")


def test_message_in_another_dialog_is_unread_and_beeps(
    context: BrowserContext, e2e_server: E2EServer, visitors: list[Visitor]
) -> None:
    context.add_init_script(COUNT_BEEPS)
    page = context.new_page()
    a = new_visitor(e2e_server, visitors, "Anna")
    a.say("one")
    b = new_visitor(e2e_server, visitors, "Boris")
    b.say("two")
    assert a.conversation_id and b.conversation_id
    login(page, e2e_server)
    page.get_by_test_id("tab-unassigned").click()
    item(page, a.conversation_id).click()  # a user gesture: audio may start
    expect(page.get_by_test_id("conversation-title")).to_have_text("Anna")
    before = page.evaluate("window.__beeps")

    b.say("are you there?")
    expect(item(page, b.conversation_id).get_by_test_id("unread-badge")).to_have_text(
        "2", timeout=LIVE
    )
    wait_for_js(page, f"window.__beeps > {before}", timeout_ms=LIVE)

    # switching back and forth is served from the cache: no new request for Anna's messages
    item(page, b.conversation_id).click()
    expect(page.get_by_test_id("message-text").last).to_have_text("are you there?")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    item(page, a.conversation_id).click()
    expect(page.get_by_test_id("message-text").last).to_have_text("one")
    assert not [u for u in requests if f"/conversations/{a.conversation_id}/messages" in u]


# --- connection loss -----------------------------------------------------------------------------


def test_offline_reply_is_queued_and_sent_once_after_server_restart(
    page: Page, e2e_server: E2EServer, visitors: list[Visitor], api: Api
) -> None:
    v = new_visitor(e2e_server, visitors, "Rita")
    v.say("before the outage")
    cid = v.conversation_id
    assert cid is not None
    login(page, e2e_server)
    open_conversation(page, e2e_server, cid)
    expect(page.get_by_test_id("connection-banner")).to_have_count(0)

    port = e2e_server.process.port
    e2e_server.process.stop()
    expect(page.get_by_test_id("connection-banner")).to_be_visible(timeout=RECONNECT)

    text = "typed while the server was down"
    page.get_by_test_id("reply-box").fill(text)
    page.get_by_test_id("reply-box").press("Enter")
    queued = page.locator('[data-testid="message-item"]', has_text=text)
    expect(queued).to_have_attribute("data-delivery", "queued")
    stored = page.evaluate("JSON.stringify(Object.entries(localStorage))")
    assert text in stored

    e2e_server.process = run_async(
        lambda: start_server(e2e_server.settings, e2e_server.log_dir, "restarted", port=port)
    )
    v.say("while you reconnect")
    expect(page.get_by_test_id("connection-banner")).to_have_count(0, timeout=RECONNECT)
    expect(queued).to_have_attribute("data-delivery", "sent", timeout=LIVE)
    expect(
        page.get_by_test_id("message-text").filter(has_text="while you reconnect")
    ).to_have_count(1, timeout=LIVE)

    v.say("after the outage")
    expect(page.get_by_test_id("message-text").last).to_have_text("after the outage", timeout=LIVE)
    texts = [m["text"] for m in api.messages(cid)]
    assert texts.count(text) == 1
    assert page.get_by_test_id("message-text").filter(has_text=text).count() == 1
    assert v.texts().count(text) == 1


# --- keyboard ------------------------------------------------------------------------------------


def test_keyboard_shortcuts(page: Page, e2e_server: E2EServer, visitors: list[Visitor]) -> None:
    ids = []
    for name in ("First", "Second", "Third"):
        v = new_visitor(e2e_server, visitors, name)
        v.say(f"hello from {name}")
        ids.append(v.conversation_id)
    queue_order = ids  # the unassigned queue: the customer waiting longest first
    login(page, e2e_server)
    page.get_by_test_id("tab-unassigned").click()
    expect(page.get_by_test_id("conversation-item")).to_have_count(3)

    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/app/c/{queue_order[0]}$"))
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/app/c/{queue_order[1]}$"))
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(rf"/app/c/{queue_order[0]}$"))

    page.keyboard.press("r")
    box = page.get_by_test_id("reply-box")
    expect(box).to_be_focused()
    page.keyboard.type("just typing j and k")  # no navigation while typing
    expect(page).to_have_url(re.compile(rf"/app/c/{queue_order[0]}$"))
    expect(box).to_have_value("just typing j and k")
    box.fill("")
    page.keyboard.press("Escape")

    page.keyboard.press("/")
    expect(box).to_be_focused()
    expect(box).to_have_value("/")
    box.fill("")
    page.keyboard.press("Escape")

    page.keyboard.press("n")
    expect(page.get_by_test_id("note-toggle")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Escape")

    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcut-sheet")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("shortcut-sheet")).to_have_count(0)

    focus_page(page)
    page.keyboard.press("a")
    expect(page.get_by_test_id("tab-count-mine")).to_have_text("1", timeout=LIVE)
    page.keyboard.press("e")
    expect(page.get_by_test_id("conversation-status")).to_have_text("Resolved", timeout=LIVE)


# --- presence, language --------------------------------------------------------------------------


def test_presence_and_language_switch(page: Page, e2e_server: E2EServer, api: Api) -> None:
    login(page, e2e_server)
    page.get_by_test_id("presence-switch").select_option("away")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        me = next(a for a in api.agents() if a["email"] == e2e_server.admin_email)
        if me["status"] == "away":
            break
        time.sleep(0.2)
    assert me["status"] == "away"

    page.get_by_test_id("locale-switch").select_option("ru")
    expect(page.get_by_test_id("nav-workspace")).to_have_text("Диалоги")
    expect(page.get_by_test_id("tab-mine")).to_contain_text("Мои")
    page.reload()
    expect(page.get_by_test_id("nav-workspace")).to_have_text("Диалоги")
    assert page.evaluate("document.documentElement.lang") == "ru"


# --- settings ------------------------------------------------------------------------------------


def test_admin_settings(page: Page, e2e_server: E2EServer, api: Api) -> None:
    login(page, e2e_server)
    page.get_by_test_id("nav-settings").click()
    expect(page.get_by_test_id("settings-agents")).to_be_visible()

    page.get_by_test_id("agent-name").fill("Nadia")
    page.get_by_test_id("agent-email").fill("nadia@example.com")
    page.get_by_test_id("agent-password").fill("nadia-password-1")
    page.get_by_test_id("agent-create-form").get_by_test_id("language-en").check()
    page.get_by_test_id("agent-create-submit").click()
    row = page.get_by_test_id("agent-row").filter(has_text="nadia@example.com")
    expect(row).to_be_visible()
    row.get_by_test_id("agent-row-role").select_option("supervisor")
    row.get_by_test_id("agent-deactivate").click()
    expect(row.get_by_test_id("agent-activate")).to_be_visible()
    nadia = next(a for a in api.agents() if a["email"] == "nadia@example.com")
    assert nadia["role"] == "supervisor" and nadia["active"] is False
    assert sorted(nadia["languages"]) == ["en", "ru"]

    page.get_by_test_id("settings-nav-teams").click()
    page.get_by_test_id("team-create-name").fill("Billing")
    page.get_by_test_id("team-create-submit").click()
    team = page.get_by_test_id("team-editor").filter(has=page.locator('[data-testid="team-name"]'))
    expect(team).to_have_count(1)
    team.locator(f'[data-testid="team-member"][data-agent-id="{api.me["id"]}"]').check()
    team.get_by_test_id("team-save").click()
    expect(page.get_by_test_id("toast").filter(has_text="Saved.")).to_be_visible()
    teams = api.http.get("/api/v1/teams").json()["items"]
    assert [(t["name"], t["agent_ids"]) for t in teams] == [("Billing", [api.me["id"]])]

    page.get_by_test_id("settings-nav-inboxes").click()
    form = page.get_by_test_id("inbox-form")
    expect(form).to_be_visible()
    page.get_by_test_id("inbox-title").fill("Ask us")
    page.get_by_test_id("inbox-position").select_option("left")
    page.get_by_test_id("inbox-prechat-email").select_option("required")
    page.get_by_test_id("inbox-save").click()
    expect(page.get_by_test_id("inbox-save-message")).to_be_visible()
    inbox = next(
        i
        for i in api.http.get("/api/v1/inboxes").json()["items"]
        if i["public_key"] == e2e_server.inbox_key
    )
    assert inbox["settings"]["title"] == "Ask us"
    assert inbox["settings"]["position"] == "left"
    assert inbox["settings"]["prechat"]["email"] == "required"
    expect(page.get_by_test_id("embed-snippet")).to_have_value(
        f'<script src="{e2e_server.url}/widget.js" '
        f'data-inbox="{e2e_server.inbox_key}" async></script>'
    )


def test_settings_are_for_admins_only(browser: Browser, e2e_server: E2EServer, api: Api) -> None:
    ctx, page, _ = second_workspace(browser, e2e_server, api, "Gleb")
    try:
        expect(page.get_by_test_id("nav-settings")).to_have_count(0)
        page.goto(e2e_server.url + "/app/settings")
        expect(page.get_by_test_id("workspace")).to_be_visible()
        expect(page.get_by_test_id("settings")).to_have_count(0)
    finally:
        ctx.close()


# --- the operator's daily tools: canned answers, routing, bulk, tags and priority ---------------


def wait_for(check: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_canned_answer_from_the_reply_box(
    page: Page, e2e_server: E2EServer, visitors: list[Visitor], api: Api
) -> None:
    created = api.http.post(
        "/api/v1/canned-answers",
        json={
            "shortcut": "greet",
            "title": "Greeting",
            "text": "Hello, {{contact.name}}! How can I help?",
            "scope": "global",
        },
    )
    assert created.status_code == 201, created.text
    answer_id = created.json()["id"]
    v = new_visitor(e2e_server, visitors, "Vera")
    v.say("hi there")
    assert v.conversation_id is not None
    login(page, e2e_server)
    open_conversation(page, e2e_server, v.conversation_id)

    focus_page(page)
    page.keyboard.press("/")  # the shortcut opens the list in the reply box
    box = page.get_by_test_id("reply-box")
    expect(box).to_be_focused()
    options = page.get_by_test_id("canned-option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("/greet")
    expect(options.first).to_contain_text("Greeting")
    expect(options.first).to_contain_text("Hello, {{contact.name}}!")

    # a change announced live reaches the open list
    other = api.http.post(
        "/api/v1/canned-answers",
        json={"shortcut": "bye", "title": "Goodbye", "text": "Bye!", "scope": "global"},
    )
    assert other.status_code == 201, other.text
    expect(options).to_have_count(2, timeout=LIVE)

    page.keyboard.type("gre")
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(box).to_have_value("Hello, Vera! How can I help?")
    expect(page.get_by_test_id("canned-picker")).to_have_count(0)

    box.press("Enter")
    sent = page.locator('[data-testid="message-item"][data-delivery="sent"]')
    expect(sent).to_have_count(1, timeout=LIVE)
    expect(sent.get_by_test_id("message-text")).to_have_text("Hello, Vera! How can I help?")
    wait_for(lambda: "Hello, Vera! How can I help?" in v.texts())
    assert api.http.get(f"/api/v1/canned-answers/{answer_id}").json()["usage_count"] == 1

    # Esc closes the list and keeps the text
    box.type("/zzz")
    expect(page.get_by_test_id("canned-empty")).to_be_visible()
    box.press("Escape")
    expect(page.get_by_test_id("canned-picker")).to_have_count(0)
    expect(box).to_have_value("/zzz")
    expect(box).to_be_focused()


def test_escalate_with_hand_back_and_hand_back(
    page: Page, browser: Browser, e2e_server: E2EServer, visitors: list[Visitor], api: Api
) -> None:
    l1 = api.http.post("/api/v1/teams", json={"name": "First line", "agent_ids": [api.me["id"]]})
    l2 = api.http.post("/api/v1/teams", json={"name": "Second line", "line": 2})
    assert l1.status_code == 201 and l2.status_code == 201, (l1.text, l2.text)
    v = new_visitor(e2e_server, visitors, "Ivan")
    v.say("My invoice is wrong")
    cid = v.conversation_id
    assert cid is not None
    api.http.post(f"/api/v1/conversations/{cid}/assign", json={"agent_id": api.me["id"]})
    login(page, e2e_server)
    open_conversation(page, e2e_server, cid)
    other_ctx, other, boris = second_workspace(browser, e2e_server, api)
    try:
        patched = api.http.patch(
            f"/api/v1/teams/{l2.json()['id']}", json={"agent_ids": [boris["id"]]}
        )
        assert patched.status_code == 200, patched.text

        page.get_by_test_id("action-escalate").click()
        dialog = page.get_by_test_id("escalate-dialog")
        expect(dialog).to_be_visible()
        page.get_by_test_id("escalate-submit").click()
        expect(page.get_by_test_id("escalate-error")).to_be_visible()  # the reason is required
        expect(page.get_by_test_id("escalate-team")).to_have_value("")  # next line by default
        page.get_by_test_id("escalate-reason").fill("Needs billing access")
        page.get_by_test_id("escalate-hand-back").check()
        page.get_by_test_id("escalate-submit").click()
        expect(dialog).to_have_count(0)

        note = page.locator('[data-testid="message-item"][data-author="system"]')
        expect(note).to_have_count(1, timeout=LIVE)
        expect(note.get_by_test_id("message-text")).to_have_text(
            "→ Second line: Needs billing access"
        )
        expect(note.get_by_test_id("system-label")).to_have_text("System note")
        expect(note).to_have_attribute("data-private", "true")
        expect(page.get_by_test_id("team-badge").first).to_have_text("Second line")
        expect(page.get_by_test_id("queued-badge").first).to_be_visible()
        page.get_by_test_id("tab-all").click()
        expect(item(page, cid).get_by_test_id("queued-badge")).to_be_visible()
        expect(item(page, cid).get_by_test_id("team-badge")).to_have_text("Second line")
        escalated = api.conversation(cid)
        assert escalated["team_id"] == l2.json()["id"] and escalated["assignee_id"] is None
        assert escalated["queued_at"]

        # the second line answers and hands it back with a note
        open_conversation(other, e2e_server, cid)
        expect(other.locator('[data-testid="message-item"][data-author="system"]')).to_have_count(1)
        other.get_by_test_id("action-hand-back").click()
        expect(other.get_by_test_id("hand-back-reason")).to_contain_text("Needs billing access")
        other.get_by_test_id("hand-back-submit").click()
        expect(other.get_by_test_id("hand-back-error")).to_be_visible()  # the note is required
        other.get_by_test_id("hand-back-note").fill("Invoice corrected, please confirm")
        other.get_by_test_id("hand-back-submit").click()
        expect(other.get_by_test_id("hand-back-dialog")).to_have_count(0)
        expect(other.get_by_test_id("action-hand-back")).to_have_count(0, timeout=LIVE)

        expect(note).to_have_count(2, timeout=LIVE)
        expect(note.last.get_by_test_id("message-text")).to_have_text(
            "← Invoice corrected, please confirm"
        )
        expect(note.last.get_by_test_id("message-author")).to_have_text("Boris")
        expect(page.get_by_test_id("assignee-name")).to_have_text("Admin", timeout=LIVE)
        expect(page.get_by_test_id("queued-badge")).to_have_count(0)
        expect(page.get_by_test_id("action-hand-back")).to_have_count(0)
        back = api.conversation(cid)
        assert back["assignee_id"] == api.me["id"] and back["team_id"] is None
        assert back["queued_at"] is None
        # private notes never reach the visitor
        assert not [t for t in v.texts() if "billing access" in t or "Invoice corrected" in t]
    finally:
        other_ctx.close()


def test_bulk_select_and_resolve(
    page: Page, e2e_server: E2EServer, visitors: list[Visitor], api: Api
) -> None:
    ids = []
    for name in ("Alla", "Boris", "Clara"):
        v = new_visitor(e2e_server, visitors, name)
        v.say(f"question from {name}")
        ids.append(v.conversation_id)
    first, second, third = ids
    assert first and second and third
    login(page, e2e_server)
    page.get_by_test_id("tab-unassigned").click()
    expect(page.get_by_test_id("conversation-item")).to_have_count(3)
    expect(page.get_by_test_id("bulk-bar")).to_have_count(0)

    item(page, first).click()
    focus_page(page)
    page.keyboard.press("x")  # toggles the open conversation
    box = page.locator(f'[data-testid="select-conversation"][data-conversation-id="{first}"]')
    expect(box).to_be_checked()
    page.locator(f'[data-testid="select-conversation"][data-conversation-id="{second}"]').check()
    expect(page.get_by_test_id("bulk-count")).to_have_text("2 selected")

    page.get_by_test_id("bulk-resolve").click()
    expect(item(page, first)).to_have_count(0, timeout=LIVE)
    expect(item(page, second)).to_have_count(0)
    expect(item(page, third)).to_be_visible()
    expect(page.get_by_test_id("bulk-bar")).to_have_count(0)
    assert [api.conversation(i)["status"] for i in ids] == ["resolved", "resolved", "open"]
    expect(page.get_by_test_id("tab-count-unassigned")).to_have_text("1", timeout=LIVE)


def test_tags_and_priority_are_live_in_another_workspace(
    page: Page, browser: Browser, e2e_server: E2EServer, visitors: list[Visitor], api: Api
) -> None:
    earlier = new_visitor(e2e_server, visitors, "Earlier")
    earlier.say("old question")
    assert earlier.conversation_id is not None
    tagged = api.http.post(
        f"/api/v1/conversations/{earlier.conversation_id}/tags", json={"add": ["billing"]}
    )
    assert tagged.status_code == 200, tagged.text
    v = new_visitor(e2e_server, visitors, "Nina")
    v.say("the app crashes")
    cid = v.conversation_id
    assert cid is not None
    login(page, e2e_server)
    other_ctx, other, _ = second_workspace(browser, e2e_server, api)
    try:
        other.get_by_test_id("tab-unassigned").click()
        other_row = item(other, cid)
        expect(other_row).to_be_visible(timeout=LIVE)
        expect(other_row.get_by_test_id("list-tag")).to_have_count(0)

        page.get_by_test_id("tab-all").click()
        open_conversation(page, e2e_server, cid)
        tag_input = page.get_by_test_id("tag-input")
        # suggestions come from tags seen in loaded conversations
        expect(
            page.locator('[data-testid="tag-editor"] datalist option[value="billing"]')
        ).to_have_count(1)
        tag_input.fill("Crash")
        tag_input.press("Enter")
        tag_input.fill("vip")
        tag_input.press("Enter")
        expect(page.get_by_test_id("tag-chip")).to_have_count(2)
        expect(tag_input).to_have_value("")
        expect(other_row.get_by_test_id("list-tag")).to_have_text(["crash", "vip"], timeout=LIVE)

        page.get_by_test_id("priority-select").select_option("urgent")
        expect(other_row.get_by_test_id("priority-badge")).to_have_attribute(
            "data-priority", "urgent", timeout=LIVE
        )
        expect(item(page, cid).get_by_test_id("priority-badge")).to_have_attribute(
            "data-priority", "urgent"
        )

        other_row.click()
        expect(other.get_by_test_id("priority-select")).to_have_value("urgent")
        expect(other.get_by_test_id("tag-chip")).to_have_count(2)
        page.locator('[data-testid="tag-chip"][data-tag="crash"]').get_by_test_id(
            "tag-remove"
        ).click()
        expect(other.get_by_test_id("tag-chip")).to_have_count(1, timeout=LIVE)
        expect(other_row.get_by_test_id("list-tag")).to_have_text(["vip"])
        page.get_by_test_id("priority-select").select_option("low")
        expect(other.get_by_test_id("priority-select")).to_have_value("low", timeout=LIVE)

        stored = api.conversation(cid)
        assert stored["tags"] == ["vip"] and stored["priority"] == "low"
    finally:
        other_ctx.close()
