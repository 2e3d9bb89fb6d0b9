"""The site widget in a real browser: loader on a customer's page, iframe app, live replies.

The host page is served from a second origin (another port on 127.0.0.1), so the loader,
the iframe and the postMessage bridge run cross-origin exactly as on a customer's site.
An operator is played over the HTTP API and the operator socket; the ``operator`` fixture
is online, so new visitors get the live chat rather than the offline form.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, FrameLocator, Page, expect
from websockets.sync.client import ClientConnection, connect

from otklik.web.pages import WIDGET_DIR
from tests.e2e.conftest import E2EServer
from tests.e2e.waiting import wait_for_js
from tests.support import HTTP_TIMEOUT
from tests.test_attachments import tiny_png

pytestmark = pytest.mark.e2e
T = TypeVar("T")
# The visitor's own messages by delivery state.
SENT = '[data-testid="message"][data-author="contact"][data-state="sent"]'
QUEUED = '[data-testid="message"][data-author="contact"][data-state="queued"]'

# The host page fights back: global rules that would wreck an unisolated widget.
HOSTILE_CSS = """
  * { font-size: 40px !important; box-sizing: content-box !important; }
  button { background: red !important; width: 10px !important; height: 10px !important; }
  iframe { border: 20px solid red !important; }
  div { display: inline !important; }
"""

# Count WebAudio beeps in every frame (the widget plays no files).
COUNT_BEEPS = """
(() => {
  const C = window.AudioContext || window.webkitAudioContext;
  if (!C) return;
  const make = C.prototype.createOscillator;
  window.__otklikBeeps = 0;
  C.prototype.createOscillator = function () { window.__otklikBeeps++; return make.call(this); };
})();
"""


# --- helpers -----------------------------------------------------------------------------


@dataclass
class HostSite:
    """A customer's page on its own origin embedding the widget."""

    url: str


class _HostHandler(BaseHTTPRequestHandler):
    html = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.html)))
        self.end_headers()
        self.wfile.write(self.html)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def host_site(e2e_server: E2EServer) -> Iterator[HostSite]:
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Shop</title><style>{HOSTILE_CSS}</style></head>"
        "<body><h1>Acme shop</h1><p>Products.</p>"
        f'<script src="{e2e_server.url}/widget.js" data-inbox="{e2e_server.inbox_key}" async>'
        "</script></body></html>"
    ).encode()
    handler = type("Handler", (_HostHandler,), {"html": html})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield HostSite(url=f"http://127.0.0.1:{httpd.server_address[1]}/")
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


class Operator:
    """The support side, over the public API."""

    def __init__(self, server: E2EServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT)
        login = self.http.post(
            "/api/v1/auth/login",
            json={"email": server.admin_email, "password": server.admin_password},
        )
        if login.status_code != 200:
            self.http.close()
            pytest.fail(f"operator login failed: {login.text}")
        self.token = login.json()["token"]
        self.http.cookies.clear()
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def close(self) -> None:
        self.http.close()

    def set_status(self, status: str) -> None:
        response = self.http.put("/api/v1/agents/me/status", json={"status": status})
        assert response.status_code == 200, response.text

    def inbox_id(self) -> int:
        inboxes = self.http.get("/api/v1/inboxes").json()["items"]
        inbox = next(i for i in inboxes if i["public_key"] == self.server.inbox_key)
        return int(inbox["id"])

    def set_inbox(self, team_id: int | None = None, **settings: Any) -> None:
        body: dict[str, Any] = {"settings": settings}
        if team_id is not None:
            body["team_id"] = team_id
        response = self.http.patch(f"/api/v1/inboxes/{self.inbox_id()}", json=body)
        assert response.status_code == 200, response.text

    def conversation(self, conversation_id: int) -> dict[str, Any]:
        response = self.http.get(f"/api/v1/conversations/{conversation_id}")
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def resolve(self, conversation_id: int) -> None:
        response = self.http.post(
            f"/api/v1/conversations/{conversation_id}/status", json={"status": "resolved"}
        )
        assert response.status_code == 200, response.text

    def conversations(self) -> list[dict[str, Any]]:
        response = self.http.get("/api/v1/conversations", params={"view": "all"})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def only_conversation(self) -> dict[str, Any]:
        items = self.conversations()
        assert len(items) == 1, items
        return items[0]

    def messages(self, conversation_id: int) -> list[dict[str, Any]]:
        response = self.http.get(
            f"/api/v1/conversations/{conversation_id}/messages", params={"limit": 200}
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def texts(self, conversation_id: int) -> list[str]:
        return [m["text"] for m in self.messages(conversation_id)]

    def reply(self, conversation_id: int, text: str) -> dict[str, Any]:
        response = self.http.post(
            f"/api/v1/conversations/{conversation_id}/messages",
            json={"client_msg_id": uuid.uuid4().hex, "text": text},
        )
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    @contextmanager
    def socket(self) -> Iterator[ClientConnection]:
        ws_url = self.server.url.replace("http://", "ws://")
        with connect(f"{ws_url}/api/v1/ws") as conn:
            conn.send(json.dumps({"type": "hello", "last_event_id": None, "token": self.token}))
            while json.loads(conn.recv(5)).get("type") != "ready":
                pass
            yield conn


@pytest.fixture
def operator(e2e_server: E2EServer) -> Iterator[Operator]:
    """The admin, signed in and online: nobody online would mean the offline form."""
    op = Operator(e2e_server)
    try:
        op.set_status("online")
        yield op
    finally:
        op.close()


def widget(page: Page) -> FrameLocator:
    return page.frame_locator('[data-testid="otklik-frame"]')


def widget_frame(page: Page) -> Frame:
    handle = page.locator('[data-testid="otklik-frame"]').element_handle()
    assert handle is not None
    frame = handle.content_frame()
    assert frame is not None
    return frame


def open_widget(page: Page, url: str) -> FrameLocator:
    page.goto(url)
    launcher = page.get_by_test_id("otklik-launcher")
    expect(launcher).to_be_visible()
    launcher.click()
    w = widget(page)
    expect(w.get_by_test_id("widget-app")).to_be_visible()
    return w


def start_chat(w: FrameLocator, name: str = "", email: str = "") -> None:
    """Get past the pre-chat form when the inbox shows one."""
    form = w.get_by_test_id("prechat-form")
    expect(form.or_(w.get_by_test_id("message-input")).first).to_be_visible()
    if form.count():
        if name:
            w.get_by_test_id("prechat-name").fill(name)
        if email:
            w.get_by_test_id("prechat-email").fill(email)
        w.get_by_test_id("prechat-submit").click()
    expect(w.get_by_test_id("message-input")).to_be_visible()


def say(w: FrameLocator, text: str) -> None:
    box = w.get_by_test_id("message-input")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def bubbles(w: FrameLocator) -> list[str]:
    return w.locator('[data-testid="message"] .bub').all_text_contents()


def no_dialogs(page: Page) -> list[str]:
    seen: list[str] = []

    def on_dialog(dialog: Any) -> None:
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return seen


# --- tests -------------------------------------------------------------------------------


def test_build_output_and_size_budget() -> None:
    report = json.loads((WIDGET_DIR / "size-report.json").read_text())
    assert report["ok"] is True
    assert report["loader"]["files"] == ["widget.js"]
    assert report["loader"]["gzip"] <= 5 * 1024
    assert "frame.html" in report["frame"]["files"]
    assert report["frame"]["gzip"] <= 30 * 1024
    html = (WIDGET_DIR / "frame.html").read_text()
    assets = re.findall(r'(?:src|href)="(/widget/assets/[^"]+)"', html)
    assert assets, html
    for asset in assets:
        assert (WIDGET_DIR / asset.removeprefix("/widget/")).is_file(), asset


def test_cross_origin_embed_chat_both_ways(
    page: Page, host_site: HostSite, e2e_server: E2EServer, operator: Operator
) -> None:
    page.add_init_script(COUNT_BEEPS)
    dialogs = no_dialogs(page)
    page.goto(host_site.url)
    launcher = page.get_by_test_id("otklik-launcher")
    expect(launcher).to_be_visible()
    # The host page's `button { width: 10px !important }` does not reach the launcher.
    box = launcher.bounding_box()
    assert box is not None and box["width"] >= 48 and box["height"] >= 48
    expect(page.get_by_test_id("otklik-badge")).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")

    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    frame_el = page.get_by_test_id("otklik-frame")
    src = frame_el.get_attribute("src") or ""
    assert src.startswith(f"{e2e_server.url}/widget/frame?inbox={e2e_server.inbox_key}")
    w = widget(page)
    start_chat(w, name="Ivan", email="ivan@example.com")
    say(w, "Hello, my order is late")
    expect(w.locator(SENT)).to_have_count(1)

    conversation = operator.only_conversation()
    assert conversation["contact"]["name"] == "Ivan"
    assert conversation["contact"]["email"] == "ivan@example.com"
    assert operator.texts(conversation["id"]) == ["Hello, my order is late"]

    # Operator typing → indicator in the widget; visitor typing → operator socket.
    with operator.socket() as agent_ws:
        agent_ws.send(
            json.dumps({"type": "typing", "conversation_id": conversation["id"], "typing": True})
        )
        expect(w.get_by_test_id("typing-indicator")).to_be_visible()
        w.get_by_test_id("message-input").press_sequentially("one more", delay=20)
        for _ in range(20):
            frame = json.loads(agent_ws.recv(5))
            if frame.get("type") == "typing" and frame.get("author_type") == "contact":
                assert frame["conversation_id"] == conversation["id"]
                assert frame["typing"] is True
                break
        else:
            pytest.fail("the operator never saw the visitor typing")

    operator.reply(conversation["id"], "Let me check that for you")
    reply = w.locator('[data-testid="message"][data-author="agent"]')
    expect(reply).to_have_count(1)
    expect(reply.locator(".bub")).to_have_text("Let me check that for you")
    expect(reply.locator(".who")).to_have_text("Admin")
    expect(w.get_by_test_id("typing-indicator")).to_be_hidden()
    expect(w.get_by_test_id("connection-state")).to_have_attribute("data-state", "online")
    # the log is announced to screen readers
    expect(w.get_by_test_id("message-list")).to_have_attribute("aria-live", "polite")
    assert dialogs == []


def test_user_text_is_never_html(page: Page, e2e_server: E2EServer, operator: Operator) -> None:
    dialogs = no_dialogs(page)
    w = open_widget(page, f"{e2e_server.url}/demo")
    start_chat(w, name="<img src=x onerror=alert('name')>")
    payloads = ["<img src=x onerror=alert(1)>", "<script>alert(2)</script>"]
    for text in payloads:
        say(w, text)
    expect(w.locator(SENT)).to_have_count(2)
    conversation = operator.only_conversation()
    operator.reply(conversation["id"], '<b>bold</b><svg onload="alert(3)"></svg>')
    expect(w.locator('[data-testid="message"]')).to_have_count(3)
    assert bubbles(w) == [*payloads, '<b>bold</b><svg onload="alert(3)"></svg>']
    frame = widget_frame(page)
    assert frame.locator(".log img, .log script, .log b, .log svg").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_unread_badge_sound_and_same_visitor_after_reload(
    page: Page, e2e_server: E2EServer, operator: Operator
) -> None:
    page.add_init_script(COUNT_BEEPS)
    w = open_widget(page, f"{e2e_server.url}/demo")
    start_chat(w)
    say(w, "Anyone there?")
    expect(w.locator(SENT)).to_have_count(1)
    conversation = operator.only_conversation()
    contact_id = conversation["contact"]["id"]

    page.get_by_test_id("otklik-launcher").click()  # close
    expect(page.get_by_test_id("otklik-frame")).to_be_hidden()
    first = operator.reply(conversation["id"], "Yes, hello!")
    badge = page.get_by_test_id("otklik-badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    operator.reply(conversation["id"], "How can I help?")
    expect(badge).to_have_text("2")
    launcher = page.get_by_test_id("otklik-launcher")
    expect(launcher).to_have_attribute("aria-label", re.compile("2"))
    assert widget_frame(page).evaluate("window.__otklikBeeps") >= 1

    # A new page load: the same visitor, the same history, the badge still counts.
    page.reload()
    expect(page.get_by_test_id("otklik-badge")).to_have_text("2")
    page.get_by_test_id("otklik-launcher").click()
    w = widget(page)
    expect(w.locator('[data-testid="message"]')).to_have_count(3)
    assert bubbles(w) == ["Anyone there?", "Yes, hello!", "How can I help?"]
    expect(w.locator(f'[data-msg-id="{first["id"]}"]')).to_have_count(1)
    expect(page.get_by_test_id("otklik-badge")).to_be_hidden()
    expect(w.get_by_test_id("prechat-form")).to_have_count(0)
    say(w, "Still me")
    expect(w.locator(SENT)).to_have_count(2)
    assert operator.only_conversation()["contact"]["id"] == contact_id
    assert operator.texts(conversation["id"])[-1] == "Still me"


def test_messages_written_offline_are_sent_once_when_back(
    context: BrowserContext, e2e_server: E2EServer, operator: Operator
) -> None:
    page = context.new_page()
    w = open_widget(page, f"{e2e_server.url}/demo")
    start_chat(w)
    say(w, "first")
    expect(w.locator(SENT)).to_have_count(1)
    conversation = operator.only_conversation()

    context.set_offline(True)
    expect(w.get_by_test_id("connection-state")).to_have_attribute("data-state", "offline")
    say(w, "written offline 1")
    say(w, "written offline 2")
    expect(w.locator(QUEUED)).to_have_count(2)
    page.wait_for_timeout(1500)  # a retry or two fail meanwhile
    assert operator.texts(conversation["id"]) == ["first"]

    context.set_offline(False)
    expect(w.locator(SENT)).to_have_count(3)
    expect(w.get_by_test_id("connection-state")).not_to_have_attribute("data-state", "offline")
    page.wait_for_timeout(500)
    assert operator.texts(conversation["id"]) == ["first", "written offline 1", "written offline 2"]
    assert bubbles(w) == ["first", "written offline 1", "written offline 2"]


def test_queue_survives_a_reload_while_offline(
    context: BrowserContext, e2e_server: E2EServer, operator: Operator
) -> None:
    page = context.new_page()
    w = open_widget(page, f"{e2e_server.url}/demo")
    start_chat(w)
    say(w, "before")
    expect(w.locator(SENT)).to_have_count(1)
    context.set_offline(True)
    say(w, "typed on the train")
    expect(w.locator(QUEUED)).to_have_count(1)
    page.close()

    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{e2e_server.url}/demo")
    page.get_by_test_id("otklik-launcher").click()
    w = widget(page)
    expect(w.locator(SENT)).to_have_count(2)
    conversation = operator.only_conversation()
    page.wait_for_timeout(500)
    assert operator.texts(conversation["id"]) == ["before", "typed on the train"]


def test_socket_resumes_after_a_server_restart(
    page: Page, e2e_server: E2EServer, operator: Operator
) -> None:
    w = open_widget(page, f"{e2e_server.url}/demo")
    start_chat(w)
    say(w, "before restart")
    expect(w.locator(SENT)).to_have_count(1)
    expect(w.get_by_test_id("connection-state")).to_have_attribute("data-state", "online")
    conversation = operator.only_conversation()

    e2e_server.restart(kill=True)
    # Posted before the widget has reconnected: it arrives through the replay.
    operator.reply(conversation["id"], "sent while you were away")
    say(w, "after restart")
    expect(w.locator('[data-testid="message"][data-author="agent"]')).to_have_count(
        1, timeout=30_000
    )
    expect(w.locator(SENT)).to_have_count(2, timeout=30_000)
    expect(w.get_by_test_id("connection-state")).to_have_attribute(
        "data-state", "online", timeout=30_000
    )
    assert operator.texts(conversation["id"]) == [
        "before restart",
        "sent while you were away",
        "after restart",
    ]
    assert len(bubbles(w)) == 3


@pytest.mark.usefixtures("operator")
def test_phone_gets_a_full_screen_chat(browser: Browser, host_site: HostSite) -> None:
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="en-US"
    )
    try:
        page = context.new_page()
        w = open_widget(page, host_site.url)
        box = page.get_by_test_id("otklik-frame").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 360, "height": 740}
        expect(page.get_by_test_id("otklik-launcher")).to_be_hidden()
        start_chat(w)
        font = w.get_by_test_id("message-input").evaluate("e => getComputedStyle(e).fontSize")
        assert float(font.removesuffix("px")) >= 16  # no iOS zoom on focus
        say(w, "from my phone")
        expect(w.locator(SENT)).to_have_count(1)
        w.get_by_test_id("close-button").tap()
        expect(page.get_by_test_id("otklik-frame")).to_be_hidden()
        expect(page.get_by_test_id("otklik-launcher")).to_be_visible()
    finally:
        context.close()


@pytest.mark.usefixtures("operator")
def test_keyboard_only(page: Page, e2e_server: E2EServer) -> None:
    page.goto(f"{e2e_server.url}/demo")
    launcher = page.get_by_test_id("otklik-launcher")
    expect(launcher).to_be_visible()
    launcher.focus()
    page.keyboard.press("Enter")
    w = widget(page)
    # The first pre-chat field has the focus; Enter submits (both fields are optional).
    expect(w.get_by_test_id("prechat-name")).to_be_focused()
    page.keyboard.type("Kate")
    page.keyboard.press("Enter")
    expect(w.get_by_test_id("message-input")).to_be_focused()
    page.keyboard.type("typed without a mouse")
    page.keyboard.press("Enter")
    expect(w.locator(SENT)).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("otklik-frame")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_required_prechat_fields_and_russian(
    page: Page, e2e_server: E2EServer, operator: Operator
) -> None:
    operator.set_inbox(
        language="ru",
        title="Поддержка",
        greeting="Здравствуйте!",
        color="#0f7b6c",
        prechat={"name": "required", "email": "required"},
    )
    w = open_widget(page, f"{e2e_server.url}/demo")
    expect(w.get_by_test_id("widget-title")).to_have_text("Поддержка")
    expect(w.get_by_test_id("greeting")).to_have_text("Здравствуйте!")
    expect(page.get_by_test_id("otklik-launcher")).to_have_attribute("aria-label", "Закрыть чат")
    expect(w.get_by_test_id("message-input")).to_be_hidden()
    w.get_by_test_id("prechat-submit").click()
    expect(w.get_by_test_id("prechat-name-error")).to_have_text("Заполните это поле.")
    expect(w.get_by_test_id("prechat-email-error")).to_have_text("Заполните это поле.")
    expect(w.get_by_test_id("prechat-name")).to_be_focused()
    w.get_by_test_id("prechat-name").fill("Анна")
    w.get_by_test_id("prechat-email").fill("not an email")
    w.get_by_test_id("prechat-submit").click()
    expect(w.get_by_test_id("prechat-email-error")).to_have_text("Введите корректный адрес почты.")
    w.get_by_test_id("prechat-email").fill("anna@example.com")
    w.get_by_test_id("prechat-submit").click()
    expect(w.get_by_test_id("message-input")).to_be_focused()
    expect(w.get_by_test_id("send-button")).to_have_attribute("aria-label", "Отправить")
    say(w, "Привет")
    expect(w.locator(SENT)).to_have_count(1)
    contact = operator.only_conversation()["contact"]
    assert (contact["name"], contact["email"]) == ("Анна", "anna@example.com")


def test_nobody_online_gets_the_offline_form(
    page: Page, e2e_server: E2EServer, operator: Operator
) -> None:
    operator.set_status("offline")
    w = open_widget(page, f"{e2e_server.url}/demo")
    form = w.get_by_test_id("offline-form")
    expect(form).to_be_visible()
    expect(w.get_by_test_id("message-input")).to_be_hidden()
    expect(w.get_by_test_id("agents-status")).to_have_text("We will reply as soon as we can")

    w.get_by_test_id("offline-name").fill("Olga")
    w.get_by_test_id("offline-email").fill("olga@example.invalid")  # fine here, not for the server
    w.get_by_test_id("offline-message").fill("Please call me back\nabout order 42")
    w.get_by_test_id("offline-submit").click()
    expect(w.get_by_test_id("offline-email-error")).to_have_text(
        "Please enter a valid email address."
    )
    expect(w.get_by_test_id("offline-email")).to_be_focused()
    # nothing typed is lost, nothing was created
    expect(w.get_by_test_id("offline-message")).to_have_value("Please call me back\nabout order 42")
    expect(w.get_by_test_id("offline-name")).to_have_value("Olga")
    assert operator.conversations() == []

    w.get_by_test_id("offline-email").fill("olga@example.com")
    w.get_by_test_id("offline-submit").click()
    expect(w.get_by_test_id("offline-confirmation")).to_have_text(
        "Thank you! We will answer by email at olga@example.com."
    )
    expect(form).to_have_count(0)
    expect(w.locator(SENT)).to_have_count(1)
    assert bubbles(w) == ["Please call me back\nabout order 42"]
    expect(w.get_by_test_id("queue-position")).to_be_hidden()

    conversation = operator.only_conversation()
    assert conversation["contact"]["email"] == "olga@example.com"
    assert conversation["contact"]["name"] == "Olga"
    assert operator.texts(conversation["id"]) == ["Please call me back\nabout order 42"]

    # A later visit is the same visitor with the history, and the normal chat.
    page.reload()
    expect(page.get_by_test_id("otklik-frame")).to_be_visible()  # it was open in this tab
    w = widget(page)
    expect(w.locator(SENT)).to_have_count(1)
    expect(w.get_by_test_id("message-input")).to_be_visible()
    expect(w.get_by_test_id("offline-form")).to_have_count(0)
    say(w, "Any news?")
    expect(w.locator(SENT)).to_have_count(2)
    assert operator.texts(conversation["id"])[-1] == "Any news?"
    assert len(operator.conversations()) == 1


def test_offline_form_gives_way_to_the_chat_when_an_operator_comes_online(
    context: BrowserContext, e2e_server: E2EServer, operator: Operator
) -> None:
    operator.set_status("offline")
    page = context.new_page()
    w = open_widget(page, f"{e2e_server.url}/demo")
    expect(w.get_by_test_id("offline-form")).to_be_visible()
    w.get_by_test_id("offline-message").fill("half-written question")

    operator.set_status("online")
    # The widget asks again every minute, and at once when the network comes back.
    context.set_offline(True)
    context.set_offline(False)
    expect(w.get_by_test_id("offline-form")).to_have_count(0)
    expect(w.get_by_test_id("agents-status")).to_have_text("We are online")
    start_chat(w)  # the inbox's (optional) pre-chat form, then the text is still there
    box = w.get_by_test_id("message-input")
    expect(box).to_have_value("half-written question")
    box.press("Enter")
    expect(w.locator(SENT)).to_have_count(1)
    assert operator.texts(operator.only_conversation()["id"]) == ["half-written question"]


def test_visitor_sees_their_place_in_the_queue(
    page: Page, e2e_server: E2EServer, operator: Operator
) -> None:
    # A team whose only agent takes one conversation at a time, auto-assigned.
    agent = operator.http.post(
        "/api/v1/agents",
        json={
            "email": "solo@example.com",
            "name": "Solo",
            "password": "solo-password-1",
            "role": "agent",
            "languages": ["ru", "en"],
        },
    )
    assert agent.status_code == 201, agent.text
    agent_id = agent.json()["id"]
    capped = operator.http.patch(f"/api/v1/agents/{agent_id}", json={"max_concurrent": 1})
    assert capped.status_code == 200, capped.text
    team = operator.http.post("/api/v1/teams", json={"name": "Solo team", "agent_ids": [agent_id]})
    assert team.status_code == 201, team.text
    operator.set_inbox(team_id=team.json()["id"], assignment="balanced")
    with httpx.Client(base_url=e2e_server.url, timeout=HTTP_TIMEOUT) as solo:
        login = solo.post(
            "/api/v1/auth/login", json={"email": "solo@example.com", "password": "solo-password-1"}
        )
        assert login.status_code == 200, login.text
        solo.cookies.clear()
        solo.headers["Authorization"] = f"Bearer {login.json()['token']}"
        online = solo.put("/api/v1/agents/me/status", json={"status": "online"})
        assert online.status_code == 200, online.text

    # The first visitor (over the API) takes the agent's only slot.
    api = operator.http
    first = api.post(
        "/api/v1/widget/sessions", json={"inbox_key": e2e_server.inbox_key, "language": "en"}
    ).json()
    bearer = {"Authorization": f"Bearer {first['visitor_token']}"}
    sent = api.post(
        "/api/v1/widget/messages",
        json={"client_msg_id": uuid.uuid4().hex, "text": "first in line"},
        headers=bearer,
    )
    assert sent.status_code == 201, sent.text
    first_id = sent.json()["conversation_id"]
    assert operator.conversation(first_id)["assignee_id"] == agent_id
    assert api.get("/api/v1/widget/queue", headers=bearer).json() == {"position": None}

    # The browser visitor writes and waits.
    w = open_widget(page, f"{e2e_server.url}/demo")
    start_chat(w)
    expect(w.get_by_test_id("queue-position")).to_be_hidden()
    say(w, "Is anyone free?")
    expect(w.locator(SENT)).to_have_count(1)
    notice = w.get_by_test_id("queue-position")
    expect(notice).to_have_text("You are number 1 in the queue")
    second = next(c for c in operator.conversations() if c["id"] != first_id)
    assert second["assignee_id"] is None
    assert second["language"] == "en"  # the widget told the server its language

    # The slot frees up: the waiting conversation is assigned and the notice goes.
    operator.resolve(first_id)
    assert operator.conversation(second["id"])["assignee_id"] == agent_id
    expect(notice).to_be_hidden()  # at the next 15 s poll (the suite waits up to 60 s)
    expect(w.get_by_test_id("message-input")).to_be_visible()


def test_visitor_attaches_an_image_and_both_sides_see_it(
    page: Page, e2e_server: E2EServer, operator: Operator
) -> None:
    png = tiny_png()
    decoded = (
        "(id) => { const i = document.querySelector(`[data-testid=message][data-msg-id='${id}']"
        " [data-testid=attachment-image]`);"
        " return !!i && i.complete && i.naturalWidth === 2 && i.src.startsWith('blob:'); }"
    )
    w = open_widget(page, f"{e2e_server.url}/demo")
    start_chat(w, name="Pic")
    w.get_by_test_id("attach-input").set_input_files(
        files=[{"name": "cat.png", "mimeType": "image/png", "buffer": png}]
    )
    expect(w.get_by_test_id("upload-item")).to_have_attribute("data-state", "ready")
    w.get_by_test_id("message-input").press("Enter")  # no text: the image alone
    expect(w.locator(SENT)).to_have_count(1)
    expect(w.get_by_test_id("upload-list")).to_be_hidden()

    conversation = operator.only_conversation()
    [message] = operator.messages(conversation["id"])
    [attachment] = message["attachments"]
    assert attachment["filename"] == "cat.png" and attachment["inline"] is True
    assert attachment["content_type"] == "image/png"
    got = operator.http.get(attachment["url"])
    assert got.status_code == 200 and got.content == png
    assert got.headers["content-disposition"].startswith("inline;")
    wait_for_js(widget_frame(page), decoded, message["id"])

    # The operator answers with an image and a file: a preview (fetched with the visitor's
    # token) and a download link.
    ids = []
    for name, data in (("reply.png", png), ("notes.txt", b"plain notes")):
        upload = operator.http.post(
            f"/api/v1/conversations/{conversation['id']}/attachments",
            files={"file": (name, data, "application/octet-stream")},
        )
        assert upload.status_code == 201, upload.text
        ids.append(upload.json()["id"])
    reply = operator.http.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        json={"client_msg_id": uuid.uuid4().hex, "text": "Here you go", "attachment_ids": ids},
    )
    assert reply.status_code == 201, reply.text
    answer = w.locator(f'[data-testid="message"][data-msg-id="{reply.json()["id"]}"]')
    expect(answer.locator(".bub")).to_have_text("Here you go")
    expect(answer.get_by_test_id("attachment-link")).to_contain_text("notes.txt")
    wait_for_js(widget_frame(page), decoded, reply.json()["id"])

    # After a reload the visitor's own image comes from the server too.
    page.reload()
    w = widget(page)
    page.get_by_test_id("otklik-launcher").click()
    expect(w.locator(SENT)).to_have_count(1)
    wait_for_js(widget_frame(page), decoded, message["id"])
