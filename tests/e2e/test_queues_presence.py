"""Presence that follows the sockets, team queues and the waiting order (issue 12, items 1–3),
in the Russian workspace against one real server shared by the module (presence grace 3 s)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from otklik.config import Settings
from otklik.core.migrate import upgrade
from tests.e2e.conftest import E2EServer, run_async
from tests.e2e.test_widget import open_widget
from tests.e2e.test_workspace import COUNT_BEEPS, LIVE, Api, item, login
from tests.e2e.visitors import Visitor
from tests.e2e.waiting import wait_for_js
from tests.processes import start_server
from tests.test_processes import seed

pytestmark = pytest.mark.e2e
GRACE_SECONDS = 3.0
#: ms: the grace period, one sweep (a third of it) and the way to the browser, with room.
OFFLINE_WITHIN = 15_000

# Record desktop notifications (headless chromium shows none) and say they are allowed.
RECORD_NOTIFICATIONS = """
(() => {
  window.__notes = [];
  const Real = window.Notification;
  class Recorded {
    constructor(title, options) {
      window.__notes.push({ title, body: (options && options.body) || '' });
      this.onclick = null;
    }
    close() {}
    static get permission() { return 'granted'; }
    static requestPermission() { return Promise.resolve('granted'); }
  }
  window.Notification = Recorded;
  window.__RealNotification = Real;
})();
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EServer]:
    """One server for the module; operators go offline 3 s after their last tab closed."""
    tmp = tmp_path_factory.mktemp("queues")
    settings = Settings(
        data_dir=tmp / "data",
        secret_key="e2e-secret-key-0123456789",
        presence_grace_seconds=GRACE_SECONDS,
    )
    run_async(lambda: asyncio.to_thread(upgrade, settings))
    inbox_key = run_async(lambda: seed(settings))
    process = run_async(lambda: start_server(settings, tmp, "server"))
    shared = E2EServer(settings=settings, log_dir=tmp, inbox_key=inbox_key, process=process)
    try:
        yield shared
    finally:
        shared.process.stop()


@pytest.fixture(scope="module")
def admin(server: E2EServer) -> Iterator[Api]:
    client = Api(server)
    try:
        yield client
    finally:
        client.close()


def russian(browser: Browser, **options: Any) -> BrowserContext:
    return browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow", **options)


def status_of(api: Api, agent_id: int) -> str:
    return str(next(a["status"] for a in api.agents() if a["id"] == agent_id))


def test_closed_tab_goes_offline_and_the_widget_offers_the_form(
    browser: Browser, server: E2EServer, admin: Api
) -> None:
    anna = admin.create_agent("anna@example.com", "Анна")
    operator_ctx = russian(browser)
    visitor_ctx = russian(browser)
    try:
        operator = operator_ctx.new_page()
        login(operator, server, "anna@example.com", "agent-password-1")
        operator.get_by_test_id("presence-switch").select_option("online")
        expect(operator.get_by_test_id("presence-switch")).to_have_value("online")

        site = visitor_ctx.new_page()
        w = open_widget(site, f"{server.url}/demo")
        expect(w.get_by_test_id("agents-status")).to_have_text("Мы на связи")
        expect(w.get_by_test_id("offline-form")).to_have_count(0)

        # Anna closes her tab: within the grace period she is offline, and the open widget
        # offers the offline form by itself.
        operator.close()
        expect(w.get_by_test_id("offline-form")).to_be_visible(timeout=OFFLINE_WITHIN)
        expect(w.get_by_test_id("agents-status")).to_have_text("Ответим, как только сможем")
        assert status_of(admin, anna["id"]) == "offline"
        w.get_by_test_id("offline-message").fill("Когда доставят заказ?")

        # She comes back: online again as she had chosen, and the form gives way at once
        # (no minute-long poll), keeping what the visitor typed.
        back = operator_ctx.new_page()
        back.goto(server.url + "/app/")
        expect(back.get_by_test_id("workspace")).to_be_visible()
        expect(back.get_by_test_id("presence-switch")).to_have_value("online", timeout=LIVE)
        expect(w.get_by_test_id("offline-form")).to_have_count(0, timeout=LIVE)
        expect(w.get_by_test_id("agents-status")).to_have_text("Мы на связи")
    finally:
        operator_ctx.close()
        visitor_ctx.close()


def test_escalation_lands_in_the_team_tab_with_a_notification(
    browser: Browser, server: E2EServer, admin: Api
) -> None:
    boris = admin.create_agent("boris@example.com", "Борис")
    line2 = admin.http.post(
        "/api/v1/teams",
        json={"name": "Вторая линия", "line": 2, "agent_ids": [boris["id"]]},
    )
    assert line2.status_code == 201, line2.text
    team_id = line2.json()["id"]
    ctx = russian(browser)
    ctx.add_init_script(COUNT_BEEPS)
    ctx.add_init_script(RECORD_NOTIFICATIONS)
    visitor = Visitor(server, "Ирина")
    try:
        page = ctx.new_page()
        login(page, server, "boris@example.com", "agent-password-1")
        tab = page.get_by_test_id(f"tab-team-{team_id}")
        expect(tab).to_contain_text("Вторая линия")
        expect(page.get_by_test_id(f"tab-count-team-{team_id}")).to_have_text("0")
        page.get_by_test_id("tab-mine").click()  # a gesture: the page may make sounds

        visitor.say("Не проходит оплата картой")
        cid = visitor.conversation_id
        escalated = admin.http.post(
            f"/api/v1/conversations/{cid}/escalate",
            json={"to_team_id": team_id, "reason": "Нужен доступ к платёжной системе"},
        )
        assert escalated.status_code == 200, escalated.text

        expect(page.get_by_test_id(f"tab-count-team-{team_id}")).to_have_text("1", timeout=LIVE)
        badge = page.get_by_test_id(f"tab-badge-team-{team_id}")
        expect(badge).to_be_visible()
        expect(badge).to_have_attribute("aria-label", "1 новая эскалация")
        title = "Эскалация в команду «Вторая линия»"
        wait_for_js(
            page, f"window.__notes.some(n => n.title === {json.dumps(title)})", timeout_ms=LIVE
        )
        notes = json.loads(page.evaluate("JSON.stringify(window.__notes)"))
        note = next(n for n in notes if n["title"] == title)
        assert note["body"].endswith(": Нужен доступ к платёжной системе")
        wait_for_js(page, "window.__beeps > 0", timeout_ms=LIVE)

        tab.click()
        expect(badge).to_have_count(0)
        expect(item(page, cid)).to_be_visible()
        expect(item(page, cid).get_by_test_id("team-badge")).to_have_text("Вторая линия")
    finally:
        visitor.close()
        ctx.close()


def ids_in_list(page: Page) -> list[int]:
    rows = page.get_by_test_id("conversation-item")
    return [int(x) for x in rows.evaluate_all("rs => rs.map(r => r.dataset.conversationId)")]


def test_queue_order_by_waiting_time(browser: Browser, server: E2EServer, admin: Api) -> None:
    # Nobody online (earlier tests' operators have gone): nothing is assigned on arrival.
    _wait(lambda: all(x["status"] == "offline" for x in admin.agents()))
    made = [Visitor(server, name) for name in ("Ольга", "Пётр", "Зоя")]
    ctx = russian(browser)
    try:
        olga, petr, zoya = made
        olga.say("Здравствуйте, заказ не пришёл")
        petr.say("Где мой заказ?")
        zoya.say("Помогите с возвратом")
        petr.say("Подскажите, пожалуйста")  # newest activity, but he has waited since before
        a, b, c = (v.conversation_id for v in made)
        assert a is not None and b is not None and c is not None

        page = ctx.new_page()
        login(page, server)
        page.get_by_test_id("tab-unassigned").click()
        sort = page.get_by_test_id("list-sort")
        expect(sort).to_have_value("waiting")
        expect(sort.locator("option:checked")).to_have_text("Дольше всех ждут")
        expect(item(page, c)).to_be_visible()

        def order() -> list[int]:
            return [i for i in ids_in_list(page) if i in (a, b, c)]

        expect(item(page, a).get_by_test_id("waiting-time")).to_contain_text("ждёт")
        _wait_order(page, order, [a, b, c])
        sort.select_option("newest")
        _wait_order(page, order, [b, c, a])

        admin.http.post(f"/api/v1/conversations/{c}/priority", json={"priority": "urgent"})
        sort.select_option("priority")
        _wait_order(page, order, [c, a, b])
    finally:
        for v in made:
            v.close()
        ctx.close()


def _wait(check: Any, timeout: float = OFFLINE_WITHIN / 1000) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the state was not reached in time"
        time.sleep(0.2)


def _wait_order(page: Page, order: Any, expected: list[int]) -> None:
    """The list as the operator sees it, once it settled (events and fetches are live)."""
    for _ in range(100):
        if order() == expected:
            return
        page.wait_for_timeout(100)
    assert order() == expected
