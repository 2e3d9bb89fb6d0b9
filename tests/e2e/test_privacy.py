"""Personal data in the browser: an admin exports a contact's data from the customer card
(a ZIP to download) and erases the contact after a confirmation; the card then shows the
anonymous contact and the server keeps nothing of the old one. Retention in Settings."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import E2EServer
from tests.e2e.test_settings import Api, login, open_section
from tests.e2e.test_workspace import open_conversation
from tests.e2e.visitors import new_visitor

pytestmark = pytest.mark.e2e


@pytest.fixture
def api(e2e_server: E2EServer) -> Iterator[Api]:
    """An admin over the HTTP API, closed whether the test passes or not (an unclosed client
    of a failed test warned in the next one)."""
    client = Api(e2e_server)
    try:
        yield client
    finally:
        client.close()


def test_an_admin_exports_and_erases_a_contact_from_the_card(
    page: Page, e2e_server: E2EServer, visitors: list[Any], api: Api
) -> None:
    visitor = new_visitor(e2e_server, visitors, name="Zinaida Pryanikova", email="zp@example.org")
    said = visitor.say("Please call me on +7 912 555-01-01")
    login(page, e2e_server)
    open_conversation(page, e2e_server, said["conversation_id"])
    card = page.get_by_test_id("customer-card")
    expect(card.get_by_test_id("contact-name")).to_have_text("Zinaida Pryanikova")

    contact_id = api.get(f"/conversations/{said['conversation_id']}")["contact"]["id"]
    menu = card.get_by_test_id("personal-data-menu")
    menu.get_by_test_id("personal-data-export").click()
    link = menu.get_by_test_id("personal-data-download")
    expect(link).to_be_visible()  # the export is built by a job: the suite's 60 s
    with page.expect_download() as download:
        link.click()
    path = download.value.path()
    archive = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    document = json.loads(archive.read("contact.json"))
    assert document["contact"]["email"] == "zp@example.org"

    # Erasing asks first; cancelling keeps everything.
    menu.get_by_test_id("personal-data-erase").click()
    menu.get_by_test_id("personal-data-erase-cancel").click()
    expect(card.get_by_test_id("contact-name")).to_have_text("Zinaida Pryanikova")
    menu.get_by_test_id("personal-data-erase").click()
    expect(menu.get_by_test_id("personal-data-erase-confirm")).to_be_visible()
    menu.get_by_test_id("personal-data-erase-confirm-button").click()
    expect(card.get_by_test_id("contact-name")).not_to_have_text("Zinaida Pryanikova")
    expect(card.get_by_test_id("contact-email")).to_have_text("—")

    conversation = api.get(f"/conversations/{said['conversation_id']}")
    assert conversation["contact"]["name"] is None
    gone = api.http.get(f"/api/v1/contacts/{contact_id}")
    assert gone.status_code == 404
    texts = [
        m["text"] for m in api.get(f"/conversations/{said['conversation_id']}/messages")["items"]
    ]
    assert "Please call me on +7 912 555-01-01" not in texts


def test_an_admin_sets_the_retention_in_settings(
    page: Page, e2e_server: E2EServer, api: Api
) -> None:
    login(page, e2e_server)
    open_section(page, "security")
    form = page.get_by_test_id("retention-policy")
    expect(form.get_by_test_id("retention-off")).to_be_visible()
    form.get_by_test_id("retention-enabled").check()
    form.get_by_test_id("retention-months").fill("6")
    form.get_by_test_id("retention-save").click()
    expect(form.get_by_test_id("retention-saved")).to_be_visible()
    assert api.get("/privacy/settings") == {"retention_months": 6}
