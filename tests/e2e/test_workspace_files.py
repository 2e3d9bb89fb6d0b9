"""Files and channel delivery in the operator workspace, in a real browser against a real server.

Visitors and API-channel bridges are played over HTTP; the operator uses the built Vue app.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import E2EServer
from tests.e2e.test_workspace import LIVE, Api, login, open_conversation
from tests.e2e.visitors import Visitor
from tests.e2e.waiting import wait_for_js
from tests.receivers import Received, Receiver
from tests.test_attachments import PE, tiny_png

pytestmark = pytest.mark.e2e

T = TypeVar("T")
NO_WEBHOOK = "This API inbox has no webhook_url to deliver replies to."


@pytest.fixture
def api(e2e_server: E2EServer) -> Iterator[Api]:
    client = Api(e2e_server)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def visitor(e2e_server: E2EServer) -> Iterator[Visitor]:
    v = Visitor(e2e_server, "Fay")
    try:
        yield v
    finally:
        v.close()


class BackgroundReceiver:
    """``tests.receivers.Receiver`` on an event loop of its own thread (the Playwright API used
    here is synchronous), on 127.0.0.2, which the server is told to allow."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.receiver = Receiver("127.0.0.2")
        self._call(self.receiver.start())

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    @property
    def url(self) -> str:
        return self.receiver.url

    def wait_for(self, count: int) -> list[Received]:
        return self._call(self.receiver.wait_for(count, within=10))

    def close(self) -> None:
        self._call(self.receiver.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def visitor_sends_file(visitor: Visitor, name: str, data: bytes, mime: str) -> dict[str, Any]:
    """Upload like the widget does, then send the file alone (no text)."""
    uploaded = visitor.http.post("/api/v1/widget/attachments", files={"file": (name, data, mime)})
    assert uploaded.status_code == 201, uploaded.text
    attachment: dict[str, Any] = uploaded.json()
    sent = visitor.http.post(
        "/api/v1/widget/messages",
        json={"client_msg_id": uuid.uuid4().hex, "attachment_ids": [attachment["id"]]},
    )
    assert sent.status_code == 201, sent.text
    return attachment


def test_files_both_ways(
    page: Page, context: BrowserContext, e2e_server: E2EServer, visitor: Visitor
) -> None:
    visitor.say("My order arrived broken, look")
    assert visitor.conversation_id is not None
    photo = visitor_sends_file(visitor, "broken.png", tiny_png(), "image/png")

    login(page, e2e_server)
    open_conversation(page, e2e_server, visitor.conversation_id)

    # The customer's image is a preview, loaded with the operator's session.
    theirs = page.locator('[data-testid="message-item"][data-author="contact"]').filter(
        has=page.get_by_test_id("attachment")
    )
    preview = theirs.get_by_test_id("attachment-preview")
    expect(preview).to_be_visible()
    image = preview.locator("img")
    expect(image).to_have_attribute("alt", "broken.png")
    wait_for_js(page, "img => img.complete && img.naturalWidth === 2", image.element_handle())
    expect(theirs.get_by_test_id("message-text")).to_have_count(0)
    # …and a click opens the full image in a new tab.
    with context.expect_page() as opened:
        preview.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url == f"{e2e_server.url}/api/v1/attachments/{photo['id']}"
    tab.close()

    # The operator attaches two files with the picker and drops a third on the reply box.
    page.get_by_test_id("attach-input").set_input_files(
        [
            {"name": "label.png", "mimeType": "image/png", "buffer": tiny_png()},
            {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": PE},
        ]
    )
    dropped = page.evaluate_handle(
        """() => {
          const dt = new DataTransfer();
          const text = 'Order 42: sent again today\\n';
          dt.items.add(new File([text], 'notes.txt', {type: 'text/plain'}));
          return dt;
        }"""
    )
    form = page.get_by_test_id("reply-form")
    form.dispatch_event("dragenter", {"dataTransfer": dropped})
    expect(page.get_by_test_id("drop-hint")).to_be_visible()
    form.dispatch_event("drop", {"dataTransfer": dropped})
    expect(page.get_by_test_id("drop-hint")).to_have_count(0)
    chips = page.get_by_test_id("upload-chip")
    expect(chips.get_by_test_id("upload-name")).to_have_text(
        ["label.png", "setup.exe", "notes.txt"]
    )
    expect(page.locator('[data-testid="upload-chip"][data-state="done"]')).to_have_count(
        3, timeout=LIVE
    )

    box = page.get_by_test_id("reply-box")
    box.fill("Sorry! A new one is on its way")
    box.press("Enter")
    expect(chips).to_have_count(0)
    mine = page.locator('[data-testid="message-item"][data-author="agent"]')
    expect(mine).to_have_attribute("data-delivery", "sent", timeout=LIVE)
    expect(mine.get_by_test_id("message-text")).to_have_text("Sorry! A new one is on its way")
    # (the uploads run side by side: their order on the message is not asserted)
    files = mine.get_by_test_id("attachment")
    expect(files).to_have_count(3)
    label = files.filter(has=page.locator('img[alt="label.png"]'))
    expect(label).to_have_attribute("data-inline", "true")
    program = files.filter(has_text="setup.exe")
    expect(program).to_have_attribute("data-inline", "false")
    expect(program.locator("img")).to_have_count(0)
    expect(program.get_by_test_id("attachment-size")).to_have_text("64 B")
    notes = files.filter(has_text="notes.txt")
    expect(notes.get_by_test_id("attachment-download")).to_be_visible()
    # The program is a download, never shown or run in the browser.
    with page.expect_download() as download:
        program.get_by_test_id("attachment-download").click()
    assert download.value.suggested_filename == "setup.exe"

    # What the customer gets: the reply with its files, the program as an attachment.
    listed = visitor.http.get("/api/v1/widget/messages")
    assert listed.status_code == 200, listed.text
    reply = listed.json()["items"][-1]
    assert reply["text"] == "Sorry! A new one is on its way"
    files_sent = {a["filename"]: a for a in reply["attachments"]}
    assert {(a["filename"], a["content_type"], a["inline"]) for a in files_sent.values()} == {
        ("label.png", "image/png", True),
        ("setup.exe", "application/octet-stream", False),
        ("notes.txt", "text/plain", False),
    }
    fetched = visitor.http.get(files_sent["setup.exe"]["url"])
    assert fetched.status_code == 200 and fetched.content == PE
    assert fetched.headers["content-disposition"].startswith("attachment;")


def api_inbox(api: Api) -> tuple[int, str]:
    created = api.http.post(
        "/api/v1/inboxes", json={"name": "WhatsApp bridge", "channel": "api", "config": {}}
    )
    assert created.status_code == 201, created.text
    inbox_id: int = created.json()["id"]
    key = api.http.get(f"/api/v1/channels/api/inboxes/{inbox_id}/key")
    assert key.status_code == 200, key.text
    return inbox_id, str(key.json()["api_key"])


def test_failed_delivery_shows_the_reason_and_retry_delivers(
    page: Page, e2e_server: E2EServer
) -> None:
    e2e_server.settings.webhook_allow_hosts = ["127.0.0.2/32"]
    e2e_server.restart()
    bridge = BackgroundReceiver()
    api = Api(e2e_server)
    try:
        inbox_id, key = api_inbox(api)
        posted = httpx.post(
            f"{e2e_server.url}/api/v1/channels/api/messages",
            headers={"X-Otklik-Inbox-Key": key},
            json={
                "external_id": "wamid.1",
                "sender_id": "79990001122",
                "sender_name": "Anna",
                "text": "Where is my parcel?",
            },
        )
        assert posted.status_code == 201, posted.text
        conversation_id = posted.json()["conversation_id"]

        login(page, e2e_server)
        open_conversation(page, e2e_server, conversation_id)
        box = page.get_by_test_id("reply-box")
        box.fill("It left the warehouse today")
        box.press("Enter")

        # No webhook yet: the reply fails and says why.
        reply = page.locator('[data-testid="message-item"][data-author="agent"]')
        status = reply.get_by_test_id("channel-delivery")
        expect(status).to_have_attribute("data-state", "failed", timeout=LIVE)
        expect(status.get_by_test_id("channel-delivery-label")).to_have_text("Not delivered")
        expect(reply.get_by_test_id("delivery-error")).to_have_text(NO_WEBHOOK)

        patched = api.http.patch(
            f"/api/v1/inboxes/{inbox_id}", json={"config": {"webhook_url": f"{bridge.url}/hook"}}
        )
        assert patched.status_code == 200, patched.text
        reply.get_by_test_id("delivery-retry").click()
        expect(status).to_have_attribute("data-state", "sent", timeout=LIVE)
        expect(reply.get_by_test_id("delivery-error")).to_have_count(0)
        expect(reply.get_by_test_id("delivery-retry")).to_have_count(0)

        (request,) = bridge.wait_for(1)
        assert request.path == "/hook"
        assert json.loads(request.body)["message"]["text"] == "It left the warehouse today"
        stored = api.http.get(f"/api/v1/conversations/{conversation_id}/messages").json()
        assert [(m["text"], m["delivery_status"]) for m in stored["items"]] == [
            ("Where is my parcel?", None),
            ("It left the warehouse today", "sent"),
        ]

        # Still there after a reload (the state comes from the server, not from the click).
        page.reload()
        expect(status).to_have_attribute("data-state", "sent", timeout=LIVE)
        assert len(bridge.receiver.requests) == 1
    finally:
        api.close()
        bridge.close()
