"""Workforce in the operator app (issue 17): a break with its reason from the presence
switch, the timesheet, the staffing calculator with its simulation, and the week's shifts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.test_workspace import login

pytestmark = pytest.mark.e2e
#: How long a state may take to show on a busy machine.
LIVE = 60_000
#: The server's workspace zone (the default, UTC): shifts are planned, and shown, in it; the
#: browser runs in Europe/Moscow (tests/e2e/conftest.py), three hours ahead.
WORKSPACE = ZoneInfo("UTC")


def test_break_timesheet_staffing_and_schedule(
    page: Page, e2e_server: E2EServer, api: AdminApi
) -> None:
    # The admin works 5/2 from this week's Monday, 09:00 for 8 hours.
    template = api.http.post(
        "/api/v1/workforce/shift-templates",
        json={"name": "Day", "start": "09:00", "length_minutes": 480},
    )
    assert template.status_code == 201, template.text
    pattern = api.http.post(
        "/api/v1/workforce/patterns",
        json={"name": "5/2", "preset": "5/2", "template_ids": [template.json()["id"]]},
    )
    assert pattern.status_code == 201, pattern.text
    today = datetime.now(WORKSPACE).date()  # the workspace's day, as the timesheet counts
    monday = today - timedelta(days=today.weekday())
    assigned = api.http.post(
        "/api/v1/workforce/assignments",
        json={
            "agent_id": api.me["id"],
            "pattern_id": pattern.json()["id"],
            "starts_on": monday.isoformat(),
        },
    )
    assert assigned.status_code == 201, assigned.text

    login(page, e2e_server)
    switch = page.get_by_test_id("presence-switch")
    switch.select_option("online")
    # Each choice is confirmed (the server's answer and the presence frame) before the next:
    # on a busy machine a frame of the first can land after the second was chosen.
    expect(page.locator(".presence-switch .presence-dot--online")).to_be_visible(timeout=LIVE)
    switch.select_option("break:lunch")
    expect(page.locator(".presence-switch .presence-dot--break")).to_be_visible(timeout=LIVE)
    me = api.http.get("/api/v1/auth/me").json()
    assert (me["status"], me["status_reason"]) == ("break", "lunch")

    page.get_by_test_id("nav-workforce").click()
    expect(page.get_by_test_id("workforce")).to_be_visible()
    row = page.locator(f'[data-testid="timesheet-row"][data-agent-id="{api.me["id"]}"]')
    expect(row).to_be_visible()
    # Her day as a bar: online, then the lunch break (still going).
    row.get_by_test_id("timesheet-agent").click()
    segments = page.get_by_test_id("timeline-segment")
    expect(segments.last).to_have_attribute("data-status", "break")
    expect(page.get_by_test_id("timesheet-csv")).to_have_attribute(
        "href", f"/api/v1/workforce/timesheet.csv?date_from={today}&date_to={today}"
    )

    page.get_by_test_id("workforce-tab-staffing").click()
    page.get_by_test_id("staffing-chats").fill("120")
    page.get_by_test_id("staffing-aht").fill("360")
    page.get_by_test_id("staffing-calculate").click()
    expect(page.get_by_test_id("staffing-operators")).to_have_text("16")
    expect(page.get_by_test_id("staffing-simulation")).to_have_attribute(
        "data-state", "done", timeout=60_000
    )

    # A fresh workspace has no two weeks of history: the forecast says why it has nothing.
    page.get_by_test_id("workforce-tab-forecast").click()
    expect(page.get_by_test_id("forecast-error")).to_be_visible()

    page.get_by_test_id("workforce-tab-schedule").click()
    mine = page.locator(f'[data-testid="schedule-row"][data-agent-id="{api.me["id"]}"]')
    cells = mine.get_by_test_id("schedule-cell")
    expect(cells).to_have_count(7)
    expect(cells.nth(0)).to_contain_text("Day")
    # The template's 09:00 is the workspace's (UTC): shown so, not as Moscow's 12:00, and the
    # screen says which zone it shows since the browser is elsewhere.
    expect(cells.nth(0)).to_contain_text("09:00–17:00")
    expect(page.get_by_test_id("workforce-zone")).to_have_attribute("data-zone", "UTC")
    expect(cells.nth(5)).to_have_text("—")


def test_drag_a_shift_to_another_day_and_see_the_month(
    page: Page, e2e_server: E2EServer, api: AdminApi
) -> None:
    # The admin works this week's Monday (a shift placed in the calendar, 09:00 to 17:00 in
    # the workspace's time zone, UTC; the browser is in Moscow).
    today = datetime.now(WORKSPACE).date()
    monday = today - timedelta(days=today.weekday())
    wednesday = monday + timedelta(days=2)
    starts = datetime.combine(monday, time(9, 0), tzinfo=WORKSPACE)
    placed = api.http.post(
        "/api/v1/workforce/shifts",
        json={
            "agent_id": api.me["id"],
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=8)).isoformat(),
        },
    )
    assert placed.status_code == 201, placed.text

    login(page, e2e_server)
    page.get_by_test_id("nav-workforce").click()
    page.get_by_test_id("workforce-tab-schedule").click()
    row = page.locator(f'[data-testid="schedule-row"][data-agent-id="{api.me["id"]}"]')
    shift = row.locator(f'[data-testid="schedule-shift"][data-day="{monday}"]')
    expect(shift).to_contain_text("09:00")
    shift.drag_to(row.locator(f'[data-testid="schedule-cell"][data-day="{wednesday}"]'))
    moved = row.locator(f'[data-testid="schedule-shift"][data-day="{wednesday}"]')
    expect(moved).to_contain_text("09:00–17:00")
    expect(row.locator(f'[data-testid="schedule-shift"][data-day="{monday}"]')).to_have_count(0)

    page.reload()
    page.get_by_test_id("workforce-tab-schedule").click()
    expect(moved).to_contain_text("09:00–17:00")
    expect(row.locator(f'[data-testid="schedule-shift"][data-day="{monday}"]')).to_have_count(0)

    # The month: whole weeks, Wednesday's shift in its day.
    page.get_by_test_id("schedule-view-month").click()
    days = page.get_by_test_id("month-day")
    expect(days.first).to_be_visible()
    assert days.count() % 7 == 0 and 28 <= days.count() <= 42
    month_day = page.locator(f'[data-testid="month-day"][data-day="{wednesday}"]')
    expect(month_day.get_by_test_id("month-shift")).to_contain_text("09:00")

    # Times typed in the day's dialog are the workspace's too: 10:00 there is 10:00 UTC.
    page.get_by_test_id("schedule-view-week").click()
    moved.click()
    dialog = page.get_by_test_id("shift-dialog")
    expect(dialog.get_by_test_id("shift-start")).to_have_value("09:00")
    dialog.get_by_test_id("shift-start").fill("10:00")
    dialog.get_by_test_id("shift-end").fill("18:30")
    dialog.get_by_test_id("shift-save").click()
    expect(moved).to_contain_text("10:00–18:30")
    week = api.http.get(
        "/api/v1/workforce/schedule",
        params={"date_from": wednesday.isoformat(), "date_to": wednesday.isoformat()},
    )
    assert week.status_code == 200, week.text
    [placed_shift] = [s for s in week.json()["items"] if s["agent_id"] == api.me["id"]]
    assert datetime.fromisoformat(placed_shift["starts_at"]) == datetime.combine(
        wednesday, time(10, 0), tzinfo=UTC
    )
    assert datetime.fromisoformat(placed_shift["ends_at"]) == datetime.combine(
        wednesday, time(18, 30), tzinfo=UTC
    )


def test_time_off_is_asked_approved_and_shown(
    page: Page, browser: Browser, e2e_server: E2EServer, api: AdminApi
) -> None:
    made = api.http.post(
        "/api/v1/agents",
        json={"email": "olga@example.com", "name": "Olga", "password": "agent-password"},
    )
    assert made.status_code == 201, made.text
    olga_id = made.json()["id"]
    tomorrow = datetime.now(WORKSPACE).date() + timedelta(days=1)
    starts = datetime.combine(tomorrow, time(9, 0), tzinfo=WORKSPACE)
    placed = api.http.post(
        "/api/v1/workforce/shifts",
        json={
            "agent_id": olga_id,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=8)).isoformat(),
        },
    )
    assert placed.status_code == 201, placed.text

    # Olga asks for tomorrow off.
    login(page, e2e_server, "olga@example.com", "agent-password")
    page.get_by_test_id("nav-workforce").click()
    page.get_by_test_id("workforce-tab-requests").click()
    form = page.get_by_test_id("time-off-form")
    form.locator('input[type="date"]').nth(0).fill(tomorrow.isoformat())
    form.locator('input[type="date"]').nth(1).fill(tomorrow.isoformat())
    page.get_by_test_id("time-off-reason").fill("Doctor")
    page.get_by_test_id("time-off-submit").click()
    mine = page.get_by_test_id("request-mine")
    expect(mine).to_have_attribute("data-state", "pending")

    # The admin approves it from the list of requests to decide.
    lead = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
    try:
        admin = lead.new_page()
        login(admin, e2e_server)
        admin.get_by_test_id("nav-workforce").click()
        admin.get_by_test_id("workforce-tab-requests").click()
        admin.get_by_test_id("request-to-decide").get_by_test_id("request-approve").click()
        expect(admin.get_by_test_id("request-to-decide")).to_have_count(0)
        admin.get_by_test_id("workforce-tab-schedule").click()
        if tomorrow.weekday() == 0:
            admin.get_by_test_id("schedule-next").click()
        row = admin.locator(f'[data-testid="schedule-row"][data-agent-id="{olga_id}"]')
        cell = row.locator(f'[data-testid="schedule-cell"][data-day="{tomorrow}"]')
        expect(cell.get_by_test_id("schedule-time-off")).to_be_visible()
        expect(cell.get_by_test_id("schedule-shift")).to_have_count(0)
    finally:
        lead.close()
    # Olga's list follows live (the request's frame).
    expect(mine).to_have_attribute("data-state", "approved", timeout=LIVE)


def test_an_admin_turns_on_statuses_by_schedule(
    page: Page, e2e_server: E2EServer, api: AdminApi
) -> None:
    """The Settings tab of workforce: off by default; on, with its minutes, saved."""
    login(page, e2e_server)
    page.get_by_test_id("nav-workforce").click()
    page.get_by_test_id("workforce-tab-settings").click()
    toggle = page.get_by_test_id("workforce-schedule-status")
    expect(toggle).not_to_be_checked()
    expect(page.get_by_test_id("workforce-grace")).to_be_disabled()
    toggle.check()
    page.get_by_test_id("workforce-grace").fill("20")
    page.get_by_test_id("workforce-limit").fill("10")  # below the grace: refused
    page.get_by_test_id("workforce-settings-save").click()
    expect(page.get_by_test_id("workforce-settings-error")).to_be_visible(timeout=LIVE)
    page.get_by_test_id("workforce-limit").fill("90")
    page.get_by_test_id("workforce-settings-save").click()
    expect(page.get_by_test_id("workforce-settings-saved")).to_be_visible(timeout=LIVE)
    saved = api.http.get("/api/v1/workforce/settings").json()
    assert saved == {
        "schedule_status": True,
        "shift_end_grace_minutes": 20,
        "shift_end_limit_minutes": 90,
    }
