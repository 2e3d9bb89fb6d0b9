"""Workforce status intervals and timesheets (issue 17, item 1), on a frozen clock.

Every presence change (including a break with its reason, and the system's automatic
offline) is an interval; a day is a calendar day in the workspace's time zone, so the day
the clocks go back lasts 25 hours; figures per operator and day, their CSV, and who may see
whose time."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from otklik.accounts import service as accounts
from otklik.config import Settings
from otklik.core import clock
from otklik.core.db import Database
from tests.support import LiveServer, Workspace

BERLIN = "Europe/Berlin"
#: Sunday 25 October 2026: Berlin's clocks go back from 03:00 CEST to 02:00 CET (25 hours).
DST_DAY = "2026-10-25"
#: Local midnight of that day, in UTC (CEST is UTC+2).
MIDNIGHT = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    """Days in Berlin; no sweep interferes with the frozen clock (long grace, no idling)."""
    live = LiveServer(
        settings.model_copy(
            update={
                "workspace_timezone": BERLIN,
                "presence_grace_seconds": 3600,
                "presence_away_minutes": 0,
            }
        )
    )
    await live.start()
    yield live
    await live.stop()


@pytest.fixture
def frozen() -> Iterator[list[datetime]]:
    clock.freeze(MIDNIGHT)
    yield []
    clock.freeze(None)


def at(hours: float) -> None:
    """Move the frozen clock to ``hours`` after the DST day's local midnight."""
    clock.freeze(MIDNIGHT + timedelta(hours=hours))


async def set_status(ws: Workspace, token: str, status: str, reason: str | None = None) -> None:
    body: dict[str, Any] = {"status": status}
    if reason is not None:
        body["reason"] = reason
    response = await ws.api.put("/api/v1/agents/me/status", headers=ws.auth(token), json=body)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status
    assert response.json()["status_reason"] == reason


async def new_chat(ws: Workspace, name: str) -> int:
    visitor = await ws.visitor(name)
    sent = await visitor.say("Здравствуйте")
    return int(sent["conversation_id"])


async def assign(ws: Workspace, conversation_id: int, agent_id: int | None) -> None:
    response = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/assign",
        headers=ws.auth(),
        json={"agent_id": agent_id},
    )
    assert response.status_code == 200, response.text


async def resolve(ws: Workspace, conversation_id: int) -> None:
    response = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/status",
        headers=ws.auth(),
        json={"status": "resolved"},
    )
    assert response.status_code == 200, response.text


async def sheet(ws: Workspace, token: str | None = None, **params: Any) -> Any:
    response = await ws.api.get(
        "/api/v1/workforce/timesheet",
        headers=ws.auth(token),
        params={"date_from": DST_DAY, "date_to": DST_DAY, **params},
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_day_of_statuses_and_dialogs_across_the_dst_change(
    workspace: Workspace, frozen: list[datetime]
) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    at(1)  # 01:00 local (CEST)
    await set_status(workspace, anna, "online")
    first = await new_chat(workspace, "Первый")
    await assign(workspace, first, anna_id)
    at(2)
    second = await new_chat(workspace, "Второй")
    await assign(workspace, second, anna_id)
    third = await new_chat(workspace, "Третий")
    await assign(workspace, third, anna_id)  # 3 at once for half an hour
    at(2.5)
    await resolve(workspace, third)
    await resolve(workspace, second)
    at(3)  # 3 hours of wall time have passed since midnight: local 02:00 CET
    await resolve(workspace, first)
    await set_status(workspace, anna, "break", "lunch")
    at(4)
    await set_status(workspace, anna, "away")
    at(4.5)
    await set_status(workspace, anna, "online")
    at(6)
    await set_status(workspace, anna, "offline")
    at(26)  # the next day, 01:00 CET: the DST day is over

    body = await sheet(workspace)
    assert body["timezone"] == BERLIN
    (day,) = [d for d in body["items"] if d["agent_id"] == anna_id]
    hour = 3600
    assert day["agent_name"] == "Анна"
    assert day["status_seconds"] == {
        "online": 3.5 * hour,
        "break:lunch": 1 * hour,
        "away": 0.5 * hour,
        "offline": 20 * hour,  # 25-hour day: 1 before, 19 after
    }
    assert day["logged_in_seconds"] == 5 * hour
    assert day["handle_seconds"] == 2 * hour
    assert day["dialog_seconds"] == (2 + 0.5 + 0.5) * hour
    assert day["concurrency_seconds"] == {
        "0": 3 * hour,
        "1": 1.5 * hour,
        "2": 0,
        "3+": 0.5 * hour,
    }
    assert day["occupancy"] == pytest.approx(2 / 3.5, abs=1e-4)
    assert day["utilization"] == pytest.approx(2 / 5, abs=1e-4)

    # The timeline of the day: each change an interval, with its reason and who made it.
    timeline = await workspace.api.get(
        f"/api/v1/workforce/agents/{anna_id}/intervals",
        headers=workspace.auth(),
        params={"day": DST_DAY},
    )
    assert timeline.status_code == 200, timeline.text
    got = [(i["status"], i["reason"], i["source"]) for i in timeline.json()["items"]]
    assert got == [
        ("online", None, "operator"),
        ("break", "lunch", "operator"),
        ("away", None, "operator"),
        ("online", None, "operator"),
        ("offline", None, "operator"),
    ]
    ends = [i["ended_at"] for i in timeline.json()["items"]]
    assert ends[-1] is None and None not in ends[:-1]


async def test_an_interval_across_midnight_counts_in_both_days(
    workspace: Workspace, frozen: list[datetime]
) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    at(-2)  # 22:00 on Saturday
    await set_status(workspace, anna, "online")
    at(3)  # 02:00 CET on Sunday
    await set_status(workspace, anna, "break", "technical")
    at(3.25)
    body = await workspace.api.get(
        "/api/v1/workforce/timesheet",
        headers=workspace.auth(anna),
        params={"date_from": "2026-10-24", "date_to": DST_DAY},
    )
    assert body.status_code == 200, body.text
    saturday, sunday = body.json()["items"]
    assert (saturday["date"], sunday["date"]) == ("2026-10-24", DST_DAY)
    assert saturday["status_seconds"]["online"] == 2 * 3600
    assert sunday["status_seconds"]["online"] == 3 * 3600
    # Still on a break: counted up to now, not to the end of the day.
    assert sunday["status_seconds"]["break:technical"] == 0.25 * 3600
    assert sunday["logged_in_seconds"] == 3.25 * 3600
    assert sunday["occupancy"] == 0 and sunday["utilization"] == 0


async def test_csv_export(workspace: Workspace, frozen: list[datetime]) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="=Анна")
    at(1)
    await set_status(workspace, anna, "online")
    at(2)
    await set_status(workspace, anna, "break", "training")
    at(3)
    response = await workspace.api.get(
        "/api/v1/workforce/timesheet.csv",
        headers=workspace.auth(),
        params={"date_from": DST_DAY, "date_to": DST_DAY, "agent_id": anna_id},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "timesheet-2026-10-25-2026-10-25.csv" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == 1
    assert rows[0]["agent"] == "'=Анна"  # never run as a formula
    assert rows[0]["date"] == DST_DAY
    assert rows[0]["online_s"] == "3600"
    assert rows[0]["break_training_s"] == "3600"
    assert rows[0]["logged_in_s"] == "7200"


async def test_break_needs_a_reason_and_bad_ranges_are_refused(
    workspace: Workspace, frozen: list[datetime]
) -> None:
    _, anna = await workspace.agent("anna@example.com")
    for body in (
        {"status": "break"},
        {"status": "break", "reason": "smoking"},
        {"status": "online", "reason": "lunch"},
    ):
        response = await workspace.api.put(
            "/api/v1/agents/me/status", headers=workspace.auth(anna), json=body
        )
        assert response.status_code == 422, body
    for params in (
        {"date_from": "2026-10-25", "date_to": "2026-10-24"},
        {"date_from": "2026-01-01", "date_to": "2026-12-31"},
        {"date_from": "2026-10-25", "date_to": "2026-10-25", "tz": "Mars/Olympus"},
        {"date_from": "yesterday", "date_to": "2026-10-25"},
    ):
        response = await workspace.api.get(
            "/api/v1/workforce/timesheet", headers=workspace.auth(anna), params=params
        )
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "validation_error"


async def test_who_sees_whose_time(workspace: Workspace, frozen: list[datetime]) -> None:
    """Agents see themselves; supervisors their teams; admins everyone. Others: 404."""
    anna_id, anna = await workspace.agent("anna@example.com", name="Anna")
    boris_id, boris = await workspace.agent("boris@example.com", name="Boris")
    lead_id, lead = await workspace.agent("lead@example.com", role="supervisor", name="Lead")
    team = await workspace.api.post(
        "/api/v1/teams", headers=workspace.auth(), json={"name": "First line"}
    )
    assert team.status_code == 201, team.text
    members = await workspace.api.patch(
        f"/api/v1/teams/{team.json()['id']}",
        headers=workspace.auth(),
        json={"agent_ids": [anna_id, lead_id]},
    )
    assert members.status_code == 200, members.text

    def ids(body: Any) -> set[int]:
        return {d["agent_id"] for d in body["items"]}

    assert ids(await sheet(workspace, anna)) == {anna_id}
    assert ids(await sheet(workspace, lead)) == {anna_id, lead_id}
    assert {anna_id, boris_id, lead_id} <= ids(await sheet(workspace))
    for token, other in ((anna, boris_id), (lead, boris_id), (boris, anna_id)):
        for path, params in (
            ("/api/v1/workforce/timesheet", {"date_from": DST_DAY, "date_to": DST_DAY}),
            ("/api/v1/workforce/timesheet.csv", {"date_from": DST_DAY, "date_to": DST_DAY}),
            (f"/api/v1/workforce/agents/{other}/intervals", {"day": DST_DAY}),
        ):
            if "intervals" not in path:
                params = {**params, "agent_id": other}
            response = await workspace.api.get(path, headers=workspace.auth(token), params=params)
            assert response.status_code == 404, (path, token)
    response = await workspace.api.get(
        "/api/v1/workforce/timesheet", params={"date_from": DST_DAY, "date_to": DST_DAY}
    )
    assert response.status_code == 401


async def test_the_systems_changes_are_intervals_too_and_a_break_comes_back(
    workspace: Workspace, db: Database, frozen: list[datetime]
) -> None:
    """Sockets gone → offline (``auto``); back → the break they were on, same reason (the
    system brought it back: ``auto`` too, nobody chose anything)."""
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    at(1)
    await set_status(workspace, anna, "break", "training")
    at(2)
    async with db.session(write=True) as session:
        changed = await accounts.expire_presence(
            session, grace=timedelta(minutes=5), idle=timedelta(minutes=10)
        )
    assert changed == [(anna_id, "offline")]
    at(3)
    async with db.session(write=True) as session:
        await accounts.agent_returned(session, agent_id=anna_id, active=False)
    agents = (await workspace.api.get("/api/v1/agents", headers=workspace.auth())).json()
    me = next(a for a in agents["items"] if a["id"] == anna_id)
    assert (me["status"], me["status_reason"]) == ("break", "training")
    timeline = await workspace.api.get(
        f"/api/v1/workforce/agents/{anna_id}/intervals", headers=workspace.auth(anna)
    )
    assert timeline.status_code == 200, timeline.text
    got = [(i["status"], i["reason"], i["source"]) for i in timeline.json()["items"]]
    assert got == [
        ("break", "training", "operator"),
        ("offline", None, "auto"),
        ("break", "training", "auto"),
    ]
