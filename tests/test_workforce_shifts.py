"""Shifts (issue 17, item 4): templates and rotation patterns from a date (across month ends
and DST), the team schedule, adherence minute by minute, who should be online now and is
not, and routing that gives nothing to an operator off shift. Frozen clock, Berlin time."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from otklik.config import Settings
from otklik.core import clock
from otklik.workforce.models import PatternAssignment, RotationPattern, ShiftTemplate
from otklik.workforce.shifts import Plan, preset_cycle
from tests.support import LiveServer, Workspace

BERLIN = ZoneInfo("Europe/Berlin")


def plan_of(cycle: list[int | None], starts_on: date, start_minute: int = 540) -> Plan:
    template = ShiftTemplate(
        id=1, name="Day", start_minute=start_minute, length_minutes=600, breaks=[]
    )
    pattern = RotationPattern(id=1, name="p", cycle=cycle)
    assignment = PatternAssignment(id=1, agent_id=7, pattern_id=1, starts_on=starts_on)
    return Plan({7: [assignment]}, {1: pattern}, {1: template}, BERLIN)


def working_days(plan: Plan, first: date, days: int) -> list[int]:
    return [d for d in range(days) if plan.shift(7, first + timedelta(days=d)) is not None]


def test_presets() -> None:
    assert preset_cycle("2/2", [1]) == [1, 1, None, None]
    assert preset_cycle("5/2", [1]) == [1] * 5 + [None] * 2
    assert preset_cycle("3/3", [1]) == [1, 1, 1, None, None, None]
    assert preset_cycle("day/evening/night", [1, 2, 3]) == [1, 1, 2, 2, 3, 3, None, None]


def test_a_rotation_runs_on_across_month_and_year_ends() -> None:
    plan = plan_of(preset_cycle("2/2", [1]), date(2026, 12, 30))
    # 30, 31 Dec on; 1, 2 Jan off; 3, 4 Jan on…
    assert working_days(plan, date(2026, 12, 30), 8) == [0, 1, 4, 5]
    assert plan.shift(7, date(2026, 12, 29)) is None  # before the assignment: nothing
    three = plan_of(preset_cycle("3/3", [1]), date(2027, 1, 30))
    assert working_days(three, date(2027, 1, 30), 12) == [0, 1, 2, 6, 7, 8]  # into February


def test_a_shift_starts_at_local_time_on_both_sides_of_dst() -> None:
    plan = plan_of([1], date(2026, 10, 1))
    before = plan.shift(7, date(2026, 10, 24))
    after = plan.shift(7, date(2026, 10, 26))
    assert before is not None and after is not None
    assert before.starts_at == datetime(2026, 10, 24, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert after.starts_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)  # 09:00 CET
    # A night shift (22:00, 10 hours) over the change lasts its 10 real hours.
    night = plan_of([1], date(2026, 10, 1), start_minute=22 * 60).shift(7, date(2026, 10, 24))
    assert night is not None
    assert night.ends_at - night.starts_at == timedelta(hours=10)
    inside = night.starts_at + timedelta(hours=5)
    assert plan_of([1], date(2026, 10, 1), start_minute=22 * 60).shift_at(7, inside) == night


# --- the API, on both databases

#: Monday 2 November 2026, 00:00 in Berlin (CET, UTC+1).
MONDAY = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    live = LiveServer(
        settings.model_copy(
            update={
                "workspace_timezone": "Europe/Berlin",
                "presence_grace_seconds": 3600,
                "presence_away_minutes": 0,
            }
        )
    )
    await live.start()
    yield live
    await live.stop()


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(MONDAY)
    yield
    clock.freeze(None)


def at(hours: float, days: int = 0) -> None:
    clock.freeze(MONDAY + timedelta(days=days, hours=hours))


async def post(ws: Workspace, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    response = await ws.api.post(f"/api/v1/workforce/{path}", headers=ws.auth(token), json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def status(ws: Workspace, token: str, value: str, reason: str | None = None) -> None:
    body = {"status": value, **({"reason": reason} if reason else {})}
    response = await ws.api.put("/api/v1/agents/me/status", headers=ws.auth(token), json=body)
    assert response.status_code == 200, response.text


async def plan_day_shifts(ws: Workspace, agent_id: int) -> None:
    """09:00–17:00 with lunch 13:00–14:00, 2/2 from Monday."""
    template = await post(
        ws,
        "shift-templates",
        {
            "name": "День",
            "start": "09:00",
            "length_minutes": 480,
            "breaks": [{"offset": 240, "minutes": 60, "reason": "lunch"}],
        },
    )
    assert template["start"] == "09:00"
    pattern = await post(
        ws, "patterns", {"name": "2/2", "preset": "2/2", "template_ids": [template["id"]]}
    )
    assert pattern["cycle"] == [template["id"], template["id"], None, None]
    await post(
        ws,
        "assignments",
        {"agent_id": agent_id, "pattern_id": pattern["id"], "starts_on": "2026-11-02"},
    )


async def test_schedule_adherence_and_who_is_missing(workspace: Workspace, frozen: None) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    boris_id, _ = await workspace.agent("boris@example.com", name="Борис")
    await plan_day_shifts(workspace, anna_id)

    week = await workspace.api.get(
        "/api/v1/workforce/schedule",
        headers=workspace.auth(),
        params={"date_from": "2026-11-02", "date_to": "2026-11-08"},
    )
    assert week.status_code == 200, week.text
    days = [(s["agent_id"], s["date"]) for s in week.json()["items"]]
    assert days == [
        (anna_id, "2026-11-02"),
        (anna_id, "2026-11-03"),
        (anna_id, "2026-11-06"),
        (anna_id, "2026-11-07"),
    ]
    assert week.json()["items"][0]["starts_at"].startswith("2026-11-02T08:00:00")

    at(9.1)  # 09:06: Anna is not there yet, Boris (no schedule) neither
    missing = await workspace.api.get("/api/v1/workforce/adherence/now", headers=workspace.auth())
    assert missing.status_code == 200, missing.text
    assert [(m["agent_id"], m["status"]) for m in missing.json()["items"]] == [(anna_id, "offline")]
    at(9.25)  # 09:15: 15 minutes late
    await status(workspace, anna, "online")
    at(13)
    await status(workspace, anna, "break", "lunch")
    at(14.25)  # back 15 minutes after the lunch should have ended
    await status(workspace, anna, "online")
    at(16.5)  # leaves half an hour early
    await status(workspace, anna, "offline")
    at(18)
    missing = await workspace.api.get("/api/v1/workforce/adherence/now", headers=workspace.auth())
    assert missing.json()["items"] == []  # the shift is over

    report = await workspace.api.get(
        "/api/v1/workforce/adherence", headers=workspace.auth(), params={"day": "2026-11-02"}
    )
    assert report.status_code == 200, report.text
    (row,) = report.json()["items"]
    assert row["agent_id"] == anna_id
    assert row["scheduled_minutes"] == 7 * 60
    assert row["late_login_minutes"] == 15
    assert row["early_leave_minutes"] == 30
    assert row["break_overrun_minutes"] == 15
    assert row["adherent_minutes"] == 7 * 60 - 15 - 15 - 30
    assert row["adherence"] == pytest.approx(360 / 420, abs=1e-4)
    # An agent sees their own shifts only.
    own = await workspace.api.get(
        "/api/v1/workforce/adherence", headers=workspace.auth(anna), params={"day": "2026-11-02"}
    )
    assert [r["agent_id"] for r in own.json()["items"]] == [anna_id]
    others = await workspace.api.get(
        "/api/v1/workforce/schedule",
        headers=workspace.auth(anna),
        params={"date_from": "2026-11-02", "date_to": "2026-11-02", "agent_id": boris_id},
    )
    assert others.status_code == 404
    denied = await workspace.api.get(
        "/api/v1/workforce/adherence/now", headers=workspace.auth(anna)
    )
    assert denied.status_code == 403


async def test_routing_gives_nothing_off_shift(workspace: Workspace, frozen: None) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    boris_id, boris = await workspace.agent("boris@example.com", name="Борис")
    await plan_day_shifts(workspace, anna_id)
    inbox = await workspace.api.patch(
        f"/api/v1/inboxes/{workspace.inbox_id}",
        headers=workspace.auth(),
        json={"settings": {"assignment": "balanced"}},
    )
    assert inbox.status_code == 200, inbox.text

    async def assignee_of_new_chat(name: str) -> int | None:
        visitor = await workspace.visitor(name)
        conversation_id = (await visitor.say("Здравствуйте"))["conversation_id"]
        got = await workspace.api.get(
            f"/api/v1/conversations/{conversation_id}", headers=workspace.auth()
        )
        value: int | None = got.json()["assignee_id"]
        return value

    at(8)  # 08:00: before Anna's shift; she is online anyway
    await status(workspace, anna, "online")
    assert await assignee_of_new_chat("Рано") is None  # queued: nobody on shift is online
    await status(workspace, boris, "online")  # Boris works by no schedule: he takes them
    assert await assignee_of_new_chat("Тоже рано") == boris_id
    await status(workspace, boris, "offline")
    at(10)  # on shift now
    assert await assignee_of_new_chat("Вовремя") == anna_id
    at(10, days=2)  # Wednesday: her day off
    assert await assignee_of_new_chat("Выходной") is None


async def test_the_app_learns_the_workspace_zone(workspace: Workspace, frozen: None) -> None:
    """The operator app shows shifts in the zone the server plans them in, not the
    browser's: /auth/me tells it which (the settings' zone, here Berlin)."""
    _, anna = await workspace.agent("anna@example.com")
    me = await workspace.api.get("/api/v1/auth/me", headers=workspace.auth(anna))
    assert me.status_code == 200, me.text
    assert me.json()["workspace_timezone"] == "Europe/Berlin"


async def test_bad_plans_are_refused(workspace: Workspace, frozen: None) -> None:
    anna_id, anna = await workspace.agent("anna@example.com")
    good = {"name": "День", "start": "09:00", "length_minutes": 480}
    for body in (
        {**good, "start": "25:00"},
        {**good, "length_minutes": 0},
        {**good, "breaks": [{"offset": 470, "minutes": 30}]},  # past the shift's end
        {**good, "breaks": [{"offset": 60, "minutes": 30, "reason": "nap"}]},
    ):
        response = await workspace.api.post(
            "/api/v1/workforce/shift-templates", headers=workspace.auth(), json=body
        )
        assert response.status_code == 422, body
    template = await post(workspace, "shift-templates", good)
    for body in (
        {"name": "x"},
        {"name": "x", "preset": "2/2", "template_ids": []},
        {"name": "x", "preset": "day/evening/night", "template_ids": [template["id"]]},
        {"name": "x", "cycle": [None, None]},
        {"name": "x", "cycle": [999]},
        {"name": "x", "cycle": [template["id"]], "preset": "5/2"},
    ):
        response = await workspace.api.post(
            "/api/v1/workforce/patterns", headers=workspace.auth(), json=body
        )
        assert response.status_code == 422, body
    pattern = await post(
        workspace, "patterns", {"name": "5/2", "cycle": [template["id"]] * 5 + [None, None]}
    )
    for body in (
        {"agent_id": anna_id, "pattern_id": 999, "starts_on": "2026-11-02"},
        {"agent_id": 999, "pattern_id": pattern["id"], "starts_on": "2026-11-02"},
        {"agent_id": anna_id, "pattern_id": pattern["id"], "starts_on": "someday"},
    ):
        response = await workspace.api.post(
            "/api/v1/workforce/assignments", headers=workspace.auth(), json=body
        )
        assert response.status_code == 422, body
    forbidden = await workspace.api.post(
        "/api/v1/workforce/shift-templates", headers=workspace.auth(anna), json=good
    )
    assert forbidden.status_code == 403
