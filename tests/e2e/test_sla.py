"""SLA in the operator workspace: each listed conversation shows its nearest deadline as a
countdown chip — green with time to spare, amber when it is close."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.visitors import new_visitor

pytestmark = pytest.mark.e2e


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
    # The open conversation shows which targets apply and where they stand.
    items.and_(page.locator(f'[data-conversation-id="{calm_id}"]')).click()
    targets = page.get_by_test_id("sla-target")
    expect(targets.and_(page.locator('[data-target="first_response"]'))).to_have_attribute(
        "data-state", "running"
    )
    expect(targets.and_(page.locator('[data-target="resolution"]'))).to_have_count(0)


def test_calendar_settings_show_the_years_holidays(page: Page, e2e_server: E2EServer) -> None:
    page.goto(e2e_server.url + "/app/")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("settings-nav-sla").click()
    expect(page.get_by_test_id("sla-calendars-empty")).to_be_visible()
    form = page.get_by_test_id("sla-calendar-form")
    form.get_by_test_id("sla-calendar-name").fill("Moscow office")
    form.get_by_test_id("sla-calendar-timezone").fill("Mars/Olympus")
    form.get_by_test_id("sla-calendar-save").click()
    # The server refuses an unknown zone; what was typed stays.
    expect(page.get_by_test_id("sla-calendar-error")).to_contain_text("Mars/Olympus")
    expect(form.get_by_test_id("sla-calendar-name")).to_have_value("Moscow office")
    form.get_by_test_id("sla-calendar-timezone").fill("Europe/Moscow")
    form.get_by_test_id("sla-calendar-save").click()
    expect(page.get_by_test_id("sla-calendar")).to_contain_text("Moscow office")
    page.get_by_test_id("sla-year").fill("2026")
    page.get_by_test_id("sla-year").dispatch_event("change")
    # Russia's 2026: 247 working days (of 9 to 18 here: 2223 hours less 4 shortened ones);
    # 9 January off (moved from Saturday 3rd), 30 April an hour shorter.
    expect(page.get_by_test_id("sla-year-totals")).to_contain_text("247")
    expect(page.get_by_test_id("sla-year-totals")).to_contain_text("2219")
    expect(page.locator('[data-testid="sla-day"][data-date="2026-01-09"]')).to_have_attribute(
        "data-kind", "closed"
    )
    expect(page.locator('[data-testid="sla-day"][data-date="2026-04-30"]')).to_have_attribute(
        "data-kind", "shortened"
    )


def test_an_admin_makes_a_policy_and_a_new_conversation_counts_down(
    page: Page, e2e_server: E2EServer, visitors: list[Any]
) -> None:
    page.goto(e2e_server.url + "/app/")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("settings-nav-sla").click()
    expect(page.get_by_test_id("sla-policies-sla-empty")).to_be_visible()
    page.get_by_test_id("sla-policy-new-sla").click()
    form = page.get_by_test_id("sla-policy-form-sla")
    form.get_by_test_id("sla-policy-name").fill("Standard")
    form.get_by_test_id("sla-policy-minutes-normal-first_response").fill("0")
    form.get_by_test_id("sla-policy-save").click()
    # Zero minutes is no target: the form refuses it and keeps what was typed.
    expect(form.get_by_test_id("sla-policy-name")).to_have_value("Standard")
    expect(page.get_by_test_id("sla-policies-sla-empty")).to_be_visible()
    form.get_by_test_id("sla-policy-minutes-normal-first_response").fill("45")
    form.get_by_test_id("sla-policy-minutes-normal-resolution").fill("480")
    form.get_by_test_id("sla-policy-pause-snoozed").uncheck()
    form.get_by_test_id("sla-policy-save").click()
    row = page.get_by_test_id("sla-policy")
    expect(row.get_by_test_id("sla-policy-title")).to_have_text("Standard")
    expect(row.get_by_test_id("sla-policy-summary")).to_contain_text("45")

    # Edited: the first response becomes 30 minutes; the OLA list stays apart.
    row.get_by_test_id("sla-policy-edit").click()
    edit = row.get_by_test_id("sla-policy-form-sla")
    expect(edit.get_by_test_id("sla-policy-pause-snoozed")).not_to_be_checked()
    edit.get_by_test_id("sla-policy-minutes-normal-first_response").fill("30")
    edit.get_by_test_id("sla-policy-save").click()
    expect(row.get_by_test_id("sla-policy-summary")).to_contain_text("30")
    expect(page.get_by_test_id("sla-policies-ola-empty")).to_be_visible()
    page.get_by_test_id("sla-policy-new-ola").click()
    ola = page.get_by_test_id("sla-policy-form-ola")
    ola.get_by_test_id("sla-policy-name").fill("2nd line")
    ola.get_by_test_id("sla-policy-minutes-high-response").fill("20")
    ola.get_by_test_id("sla-policy-save").click()
    expect(page.get_by_test_id("sla-policies-ola").get_by_test_id("sla-policy")).to_have_count(1)

    visitor = new_visitor(e2e_server, visitors, "Waiting")
    conversation_id = visitor.say("Is anyone there?")["conversation_id"]
    page.get_by_test_id("nav-workspace").click()
    page.get_by_test_id("tab-unassigned").click()
    chip = (
        page.get_by_test_id("conversation-item")
        .and_(page.locator(f'[data-conversation-id="{conversation_id}"]'))
        .get_by_test_id("sla-chip")
    )
    expect(chip).to_have_attribute("data-target", "first_response")
    expect(chip).to_have_attribute("data-tone", "green")

    # The compliance report counts the new conversation's targets under the policy.
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("settings-nav-sla").click()
    expect(page.get_by_test_id("sla-report-row")).to_contain_text("Standard")
    expect(page.get_by_test_id("sla-report-row")).to_contain_text("2")  # response, resolution
    # Deleted: it no longer applies to what comes next.
    sla_rows = page.get_by_test_id("sla-policies-sla").get_by_test_id("sla-policy")
    sla_rows.get_by_test_id("sla-policy-delete").click()
    sla_rows.get_by_test_id("sla-policy-delete-confirm").click()
    expect(page.get_by_test_id("sla-policies-sla-empty")).to_be_visible()


def test_the_list_sorts_by_due_soonest_and_shows_only_nearly_due(
    page: Page, e2e_server: E2EServer, api: AdminApi, visitors: list[Any]
) -> None:
    policy(
        api,
        name="VIP",
        position=0,
        conditions={"tags": ["vip"]},
        targets={"normal": {"first_response": 5}},
    )
    policy(api, name="Standard", position=1, targets={"normal": {"first_response": 120}})
    first = new_visitor(e2e_server, visitors, "First").say("Hello")["conversation_id"]
    hurried = new_visitor(e2e_server, visitors, "Hurried").say("Help!")["conversation_id"]
    last = new_visitor(e2e_server, visitors, "Last").say("Hi")["conversation_id"]
    tagged = api.http.post(f"/api/v1/conversations/{hurried}/tags", json={"add": ["vip"]})
    assert tagged.status_code == 200, tagged.text

    page.goto(e2e_server.url + "/app/")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("tab-unassigned").click()
    items = page.get_by_test_id("conversation-item")
    page.get_by_test_id("list-sort").select_option("newest")
    expect(items.first).to_have_attribute("data-conversation-id", str(last))
    page.get_by_test_id("list-sort").select_option("due")
    expect(items.first).to_have_attribute("data-conversation-id", str(hurried))
    expect(items.nth(1)).to_have_attribute("data-conversation-id", str(first))
    page.get_by_test_id("sla-filter").select_option("due_soon")
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-conversation-id", str(hurried))
    page.get_by_test_id("sla-filter").select_option("breached")
    expect(items).to_have_count(0)
    page.get_by_test_id("sla-filter").select_option("")
    expect(items).to_have_count(3)


def test_a_calendar_takes_its_hours_from_a_teams_shifts(
    page: Page, e2e_server: E2EServer, api: AdminApi
) -> None:
    made = api.http.post("/api/v1/teams", json={"name": "Night shift", "agent_ids": []})
    assert made.status_code == 201, made.text
    page.goto(e2e_server.url + "/app/")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-settings").click()
    page.get_by_test_id("settings-nav-sla").click()
    form = page.get_by_test_id("sla-calendar-form")
    form.get_by_test_id("sla-calendar-name").fill("Staffed hours")
    form.get_by_test_id("sla-calendar-source").select_option("shifts")
    form.get_by_test_id("sla-calendar-team").select_option(label="Night shift")
    form.get_by_test_id("sla-calendar-save").click()
    expect(page.get_by_test_id("sla-calendar").filter(has_text="Staffed hours")).to_contain_text(
        "shifts of Night shift"
    )
    listed = api.http.get("/api/v1/sla/calendars").json()["items"]
    mine = next(c for c in listed if c["name"] == "Staffed hours")
    assert (mine["source"], mine["team_id"]) == ("shifts", made.json()["id"])
