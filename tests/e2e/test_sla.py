"""SLA in the operator workspace: each listed conversation shows its nearest deadline as a
countdown chip — green with time to spare, amber when it is close."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.visitors import new_visitor

pytestmark = pytest.mark.e2e


@pytest.fixture
def api(e2e_server: E2EServer) -> Iterator[AdminApi]:
    client = AdminApi(e2e_server)
    try:
        yield client
    finally:
        client.close()


def policy(api: AdminApi, **body: Any) -> None:
    made = api.http.post("/api/v1/sla/policies", json={"name": "Standard", **body})
    assert made.status_code == 201, made.text


def test_countdown_chips_on_the_list(
    page: Page, e2e_server: E2EServer, api: AdminApi, visitors: list[Any]
) -> None:
    # 24/7: an hour for normal conversations, ten minutes for urgent ones (tagged "vip").
    policy(
        api,
        name="VIP",
        position=0,
        conditions={"tags": ["vip"]},
        targets={"normal": {"first_response": 10}},
    )
    policy(api, name="Standard", position=1, targets={"normal": {"first_response": 60}})
    calm = new_visitor(e2e_server, visitors, "Calm")
    calm_id = calm.say("A question about my invoice")["conversation_id"]
    hurried = new_visitor(e2e_server, visitors, "Hurried")
    hurried_id = hurried.say("Nothing works!")["conversation_id"]
    # Tagged after it opened: the policy that matches now applies, counted from the start.
    tagged = api.http.post(f"/api/v1/conversations/{hurried_id}/tags", json={"add": ["vip"]})
    assert tagged.status_code == 200, tagged.text

    page.goto(e2e_server.url + "/app/")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("tab-unassigned").click()
    items = page.get_by_test_id("conversation-item")
    calm_chip = items.and_(page.locator(f'[data-conversation-id="{calm_id}"]')).get_by_test_id(
        "sla-chip"
    )
    hurried_chip = items.and_(
        page.locator(f'[data-conversation-id="{hurried_id}"]')
    ).get_by_test_id("sla-chip")
    expect(calm_chip).to_have_attribute("data-tone", "green")
    expect(calm_chip).to_contain_text("left")
    expect(hurried_chip).to_have_attribute("data-tone", "amber")
    expect(hurried_chip).to_have_attribute("data-target", "first_response")
