"""Reports in the operator app: the overview with its charts, the day × hour heatmap, the
operators' table, a drill-down to the conversations behind a number, in English and Russian."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AdminApi, E2EServer
from tests.e2e.visitors import new_visitor

pytestmark = pytest.mark.e2e


def test_overview_charts_and_a_drill_down(
    page: Page, e2e_server: E2EServer, api: AdminApi, visitors: list[Any]
) -> None:
    first = new_visitor(e2e_server, visitors, "Anna").say("Where is my order?")
    second = new_visitor(e2e_server, visitors, "Boris").say("How do I pay?")
    answered = api.http.post(
        f"/api/v1/conversations/{first['conversation_id']}/messages",
        json={"client_msg_id": "r1", "text": "On its way", "private": False},
    )
    assert answered.status_code == 201, answered.text
    resolved = api.http.post(
        f"/api/v1/conversations/{first['conversation_id']}/status", json={"status": "resolved"}
    )
    assert resolved.status_code == 200, resolved.text

    page.goto(e2e_server.url + "/app/")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-reports").click()
    expect(page).to_have_url(e2e_server.url + "/app/reports")

    def kpi(metric: str) -> Any:
        return page.locator(f'[data-testid="report-kpi"][data-metric="{metric}"]')

    expect(kpi("created").get_by_test_id("report-kpi-value")).to_have_text("2")
    expect(kpi("resolved").get_by_test_id("report-kpi-value")).to_have_text("1")
    expect(kpi("created").get_by_test_id("report-kpi-previous")).to_contain_text("0")
    expect(kpi("first_response")).to_contain_text("1 measured")
    # What the durations mean since they are counted at the resolution (ADR 0031).
    expect(page.get_by_test_id("reports-durations-note")).to_contain_text("when it is resolved")
    expect(page.get_by_test_id("report-volume-chart")).to_have_attribute("data-points", "1")
    expect(page.get_by_test_id("report-volume-chart").locator("canvas")).to_be_visible()
    expect(page.get_by_test_id("report-backlog-chart").locator("canvas")).to_be_visible()
    heat = page.get_by_test_id("report-heatmap").locator("td", has_text="2")
    expect(heat).to_have_count(1)
    expect(page.get_by_test_id("report-operator-row")).to_have_count(1)
    expect(page.get_by_test_id("report-operator-row")).to_contain_text("Admin")
    # SLA compliance and missed targets (issue 14) are on the lead's reports page too.
    expect(page.get_by_test_id("sla-report")).to_be_visible()

    with page.expect_download() as downloaded:
        page.get_by_test_id("report-export-xlsx").click()
    assert downloaded.value.suggested_filename == "overview.xlsx"
    with page.expect_download() as downloaded:
        page.get_by_test_id("report-export").click()
    assert downloaded.value.suggested_filename == "overview.csv"

    kpi("created").get_by_test_id("report-kpi-value").click()
    items = page.get_by_test_id("report-drill-item")
    expect(items).to_have_count(2)
    ids = {int(items.nth(i).get_attribute("data-conversation-id") or 0) for i in range(2)}
    assert ids == {first["conversation_id"], second["conversation_id"]}
    page.locator(
        f'[data-testid="report-drill-item"][data-conversation-id="{second["conversation_id"]}"]'
    ).click()
    expect(page).to_have_url(f"{e2e_server.url}/app/c/{second['conversation_id']}")

    page.get_by_test_id("locale-switch").select_option("ru")
    page.get_by_test_id("nav-reports").click()
    expect(page.get_by_test_id("nav-reports")).to_have_text("Отчёты")
    expect(kpi("created")).to_contain_text("Создано")
    expect(kpi("first_response")).to_contain_text("измерено: 1")


def test_agents_have_no_reports(page: Page, e2e_server: E2EServer, api: AdminApi) -> None:
    made = api.http.post(
        "/api/v1/agents",
        json={
            "email": "op@example.com",
            "name": "Op",
            "password": "agent-password",
            "role": "agent",
        },
    )
    assert made.status_code == 201, made.text
    page.goto(e2e_server.url + "/app/")
    page.get_by_test_id("login-email").fill("op@example.com")
    page.get_by_test_id("login-password").fill("agent-password")
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("nav-workspace")).to_be_visible()
    expect(page.get_by_test_id("nav-reports")).to_have_count(0)
    page.goto(e2e_server.url + "/app/reports")
    expect(page).to_have_url(e2e_server.url + "/app/")


def test_the_live_board_updates_without_a_reload(
    page: Page, e2e_server: E2EServer, api: AdminApi, visitors: list[Any]
) -> None:
    page.goto(e2e_server.url + "/app/reports")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    expect(page.get_by_test_id("live-queue")).to_have_attribute("data-value", "0")
    me = page.locator(f'[data-testid="live-operator"][data-agent-id="{api.me["id"]}"]')
    expect(me).to_have_attribute("data-open", "0")
    page.evaluate("window.__noReload = true")

    vera = new_visitor(e2e_server, visitors, "Vera")
    said = vera.say("Is anybody there?")
    expect(page.get_by_test_id("live-queue")).to_have_attribute("data-value", "1")
    expect(page.get_by_test_id("live-wait")).not_to_contain_text("—")

    assigned = api.http.post(
        f"/api/v1/conversations/{said['conversation_id']}/assign",
        json={"agent_id": api.me["id"]},
    )
    assert assigned.status_code == 200, assigned.text
    expect(me).to_have_attribute("data-open", "1")
    expect(page.get_by_test_id("live-queue")).to_have_attribute("data-value", "0")

    # Today's CSAT: the visitor rates the resolved chat, the board shows it at once.
    csat = page.get_by_test_id("live-csat")
    expect(csat).to_have_attribute("data-answered", "0")
    [inbox] = [
        i
        for i in api.http.get("/api/v1/inboxes").json()["items"]
        if i["public_key"] == e2e_server.inbox_key
    ]
    enabled = api.http.put(f"/api/v1/inboxes/{inbox['id']}/surveys", json={"csat_enabled": True})
    assert enabled.status_code == 200, enabled.text
    resolved = api.http.post(
        f"/api/v1/conversations/{said['conversation_id']}/status", json={"status": "resolved"}
    )
    assert resolved.status_code == 200, resolved.text
    [card] = vera.http.get("/api/v1/widget/surveys").json()["items"]
    rated = vera.http.post(f"/api/v1/public/surveys/{card['token']}/answer", json={"score": 5})
    assert rated.status_code == 200, rated.text
    expect(csat).to_have_attribute("data-answered", "1")
    expect(csat).to_contain_text("100.0 %")
    assert page.evaluate("window.__noReload") is True  # the same page all along


def test_a_lead_schedules_an_email_report(page: Page, e2e_server: E2EServer, api: AdminApi) -> None:
    page.goto(e2e_server.url + "/app/reports")
    page.get_by_test_id("login-email").fill(e2e_server.admin_email)
    page.get_by_test_id("login-password").fill(e2e_server.admin_password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("locale-switch").select_option("ru")
    schedules = page.get_by_test_id("report-schedules")
    expect(schedules).to_contain_text("Отчётов по расписанию пока нет.")

    page.get_by_test_id("report-schedule-new").click()
    page.get_by_test_id("schedule-name").fill("Неделя поддержки")
    page.get_by_test_id("schedule-frequency").select_option("weekly")
    page.get_by_test_id("schedule-weekday").select_option("0")
    page.get_by_test_id("schedule-time").fill("09:30")
    page.get_by_test_id("schedule-timezone").fill("Europe/Moscow")
    page.get_by_test_id("schedule-emails").fill("not-an-address")
    page.get_by_test_id("schedule-save").click()
    expect(page.get_by_test_id("schedule-error")).to_contain_text("Не сохранено")

    page.get_by_test_id("schedule-emails").fill("boss@example.com")
    page.locator(f'[data-testid="schedule-recipient"][data-agent-id="{api.me["id"]}"]').check()
    page.get_by_test_id("schedule-language").select_option("ru")
    page.get_by_test_id("schedule-format").select_option("csv")
    page.get_by_test_id("schedule-save").click()
    row = page.get_by_test_id("report-schedule")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Еженедельно, Понедельник 09:30 (Europe/Moscow)")
    expect(row).to_contain_text("boss@example.com")

    [saved] = api.http.get("/api/v1/reports/schedules").json()["items"]
    assert (saved["frequency"], saved["weekday"], saved["time"]) == ("weekly", 0, "09:30")
    assert (saved["language"], saved["format"]) == ("ru", "csv")
    assert saved["recipient_agent_ids"] == [api.me["id"]]
    assert saved["next_send_at"] is not None
