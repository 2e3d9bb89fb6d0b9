"""Workforce in the operator app (issue 17): the staffing calculator says which model it
used (Erlang A with a patience), and the schedule suggestion panel shows the shifts it
picked against the requirement."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.test_workspace import login

pytestmark = pytest.mark.e2e


def test_erlang_a_in_the_calculator_and_a_suggested_week(
    page: Page, e2e_server: E2EServer, api: AdminApi
) -> None:
    made = api.http.post(
        "/api/v1/workforce/shift-templates",
        json={"name": "Утро", "start": "09:00", "length_minutes": 540},
    )
    assert made.status_code == 201, made.text
    template_id = made.json()["id"]

    login(page, e2e_server)
    page.get_by_test_id("nav-workforce").click()
    page.get_by_test_id("workforce-tab-staffing").click()
    page.get_by_test_id("staffing-chats").fill("120")
    page.get_by_test_id("staffing-aht").fill("360")
    page.get_by_test_id("staffing-patience").fill("120")
    page.get_by_test_id("staffing-calculate").click()
    used = page.get_by_test_id("staffing-model-used")
    expect(used).to_have_attribute("data-model", "erlang_a")
    expect(used).to_contain_text("120")
    operators = int(page.get_by_test_id("staffing-operators").inner_text())
    assert operators < 16  # Erlang C's figure for the same chats

    page.get_by_test_id("workforce-tab-suggestion").click()
    page.get_by_test_id("suggestion-source").select_option("flat")
    page.get_by_test_id("suggestion-flat-people").fill("3")
    page.get_by_test_id("suggestion-flat-from").fill("9")
    page.get_by_test_id("suggestion-flat-to").fill("18")
    page.get_by_test_id("suggestion-run").click()
    expect(page.get_by_test_id("suggestion-summary")).to_have_attribute("data-status", "optimal")
    row = page.locator(f'[data-testid="suggestion-grid"] tr[data-template="{template_id}"]')
    # Three people start the 09:00–18:00 shift on each working day, nobody at weekends.
    expect(row.locator("td[data-day]")).to_have_text(["3", "3", "3", "3", "3", "0", "0"])
    expect(page.get_by_test_id("suggestion-shortage")).to_have_count(0)
    expect(page.get_by_test_id("suggestion-chart")).to_have_attribute("data-points", "336")
    expect(page.get_by_test_id("suggestion-chart").locator("canvas")).to_be_visible()


def test_a_suggested_week_is_accepted_into_the_calendar(
    page: Page, e2e_server: E2EServer, api: AdminApi
) -> None:
    """The lead computes a suggestion, picks an operator for Monday's shift (the others
    stay as auto-filled), accepts, and the week view shows the shift."""
    made = api.http.post(
        "/api/v1/workforce/shift-templates",
        json={"name": "Приём", "start": "09:00", "length_minutes": 540},
    )
    assert made.status_code == 201, made.text
    operator = api.http.post(
        "/api/v1/agents",
        json={
            "email": "placed@example.com",
            "name": "Полина Сменная",
            "password": "agent-password",
            "role": "agent",
        },
    )
    assert operator.status_code == 201, operator.text
    operator_id = operator.json()["id"]

    login(page, e2e_server)
    page.get_by_test_id("nav-workforce").click()
    page.get_by_test_id("workforce-tab-suggestion").click()
    monday = page.get_by_test_id("suggestion-week").input_value()
    page.get_by_test_id("suggestion-source").select_option("flat")
    page.get_by_test_id("suggestion-flat-people").fill("1")
    page.get_by_test_id("suggestion-flat-from").fill("9")
    page.get_by_test_id("suggestion-flat-to").fill("18")
    page.get_by_test_id("suggestion-run").click()
    expect(page.get_by_test_id("suggestion-summary")).to_have_attribute("data-status", "optimal")
    # One shift a working day, each with one seat to fill.
    rows = page.get_by_test_id("suggestion-place-row")
    expect(rows).to_have_count(5)
    row = f'[data-testid="suggestion-place-row"][data-date="{monday}"]'
    # The template's 09:00 in the workspace's zone (the default, UTC), not the browser's
    # Moscow 12:00.
    expect(page.locator(row)).to_contain_text("09:00")
    seat = page.locator(f'{row} [data-testid="suggestion-pick"]')
    expect(seat).to_have_count(1)
    seat.select_option(label="Полина Сменная")
    page.get_by_test_id("suggestion-accept").click()
    expect(page.get_by_test_id("suggestion-placed")).to_contain_text("5")
    expect(page.get_by_test_id("suggestion-place-error")).to_have_count(0)

    page.get_by_test_id("workforce-tab-schedule").click()
    page.get_by_test_id("schedule-next").click()
    shift = page.locator(
        f'[data-testid="schedule-shift"][data-agent-id="{operator_id}"][data-day="{monday}"]'
    )
    expect(shift).to_be_visible()
    expect(shift).to_contain_text("Приём")
    expect(shift).to_contain_text("09:00–18:00")
