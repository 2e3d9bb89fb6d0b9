"""SLA calendars fed by a team's shift schedule (issue 17, "business calendars"): the due time
pauses outside the team's shifts (and its members' breaks) and resumes at the next shift
start; a day taken off removes that day's hours; a closed date still closes; a new member's
shifts count; bad input is a clear 4xx. Frozen clock, Berlin time, both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from otklik.core import clock
from tests.support import Workspace
from tests.test_sla import chat, clocks, policy
from tests.test_workforce_calendar import team
from tests.test_workforce_shifts import (  # noqa: F401  (``server`` is a fixture)
    BERLIN,
    MONDAY,
    at,
    plan_day_shifts,
    post,
    server,
)


@pytest.fixture
def monday(workspace: Workspace) -> Iterator[None]:
    """Monday 2 November 2026, 00:00 Berlin, once the workspace is made."""
    clock.freeze(MONDAY)
    yield
    clock.freeze(None)


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=BERLIN)


async def shift_calendar(ws: Workspace, team_id: int, **body: Any) -> dict[str, Any]:
    body = {
        "name": "Staffed",
        "timezone": "Europe/Berlin",
        "source": "shifts",
        "team_id": team_id,
        **body,
    }
    made = await ws.api.post("/api/v1/sla/calendars", headers=ws.auth(), json=body)
    assert made.status_code == 201, made.text
    linked = await ws.api.put(
        f"/api/v1/sla/calendars/{made.json()['id']}/links",
        headers=ws.auth(),
        json={"inbox_ids": [ws.inbox_id]},
    )
    assert linked.status_code == 200, linked.text
    out: dict[str, Any] = linked.json()
    return out


async def due_of_new_chat(ws: Workspace) -> datetime:
    conversation_id, _ = await chat(ws)
    got = (await clocks(ws, conversation_id))["first_response"]
    assert got["state"] == "running"
    return datetime.fromisoformat(got["due_at"]).astimezone(UTC)


@pytest.mark.usefixtures("monday")
async def test_due_time_follows_the_teams_shifts(workspace: Workspace) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    # 2/2 from Monday: Mon, Tue on (09:00–17:00, lunch 13:00–14:00), Wed, Thu off, Fri on.
    await plan_day_shifts(workspace, anna_id)
    asked = await post(  # asked now (her session is fresh), decided later
        workspace,
        "requests/time-off",
        {"date_from": "2026-11-06", "date_to": "2026-11-07", "reason": "Врач"},
        anna,
    )
    team_id = await team(workspace, "Поддержка", [anna_id])
    calendar = await shift_calendar(workspace, team_id)
    assert (calendar["source"], calendar["team_id"]) == ("shifts", team_id)
    await policy(workspace, targets={"normal": {"first_response": 60}})
    year = await workspace.api.get(
        f"/api/v1/sla/calendars/{calendar['id']}/years/2026", headers=workspace.auth()
    )
    assert year.status_code == 200, year.text
    days = {d["date"]: d["hours"] for d in year.json()["days"]}
    assert days["2026-11-02"] == [[540, 780], [840, 1020]]  # lunch excluded
    assert "2026-11-04" not in days  # her day off

    at(12.5)  # Monday 12:30: 30 min before lunch, the rest after it
    assert await due_of_new_chat(workspace) == berlin(2, 14, 30)
    at(16.5)  # Monday 16:30: 30 min before the shift ends, the rest from Tuesday 09:00
    assert await due_of_new_chat(workspace) == berlin(3, 9, 30)
    at(20)  # Monday 20:00, off shift: the whole hour from Tuesday's start
    assert await due_of_new_chat(workspace) == berlin(3, 10, 0)

    # Tuesday becomes a day off: the next staffed hours are Friday's.
    off = await workspace.api.delete(
        f"/api/v1/workforce/agents/{anna_id}/shifts/2026-11-03", headers=workspace.auth()
    )
    assert off.status_code == 204, off.text
    at(16.5)
    assert await due_of_new_chat(workspace) == berlin(6, 9, 30)

    # Her time off on Friday and Saturday, once approved, removes those days too: Tuesday 10th.
    approved = await workspace.api.post(
        f"/api/v1/workforce/requests/{asked['id']}/approve", headers=workspace.auth()
    )
    assert approved.status_code == 200, approved.text
    assert await due_of_new_chat(workspace) == berlin(10, 9, 30)


@pytest.mark.usefixtures("monday")
async def test_a_colleagues_shift_staffs_the_hours_and_a_closed_date_closes(
    workspace: Workspace,
) -> None:
    anna_id, _ = await workspace.agent("anna@example.com", name="Анна")
    ben_id, _ = await workspace.agent("ben@example.com", name="Бен")
    await plan_day_shifts(workspace, anna_id)
    # Ben covers Wednesday 12:00–20:00 (Anna's day off).
    placed = await workspace.api.post(
        "/api/v1/workforce/shifts",
        headers=workspace.auth(),
        json={
            "agent_id": ben_id,
            "starts_at": berlin(4, 12).isoformat(),
            "ends_at": berlin(4, 20).isoformat(),
        },
    )
    assert placed.status_code == 201, placed.text
    team_id = await team(workspace, "Поддержка", [anna_id])
    await shift_calendar(
        workspace,
        team_id,
        custom_dates=[{"date": "2026-11-03", "kind": "closed", "name": "Closed"}],
    )
    await policy(workspace, targets={"normal": {"first_response": 60}})
    at(16.5)  # Monday 16:30: Tuesday is closed although Anna works; her next shift is Friday
    assert await due_of_new_chat(workspace) == berlin(6, 9, 30)
    # Ben joins the team: his Wednesday counts from now on.
    joined = await workspace.api.patch(
        f"/api/v1/teams/{team_id}", headers=workspace.auth(), json={"agent_ids": [anna_id, ben_id]}
    )
    assert joined.status_code == 200, joined.text
    assert await due_of_new_chat(workspace) == berlin(4, 12, 30)


@pytest.mark.usefixtures("monday")
async def test_a_calendar_source_is_validated(workspace: Workspace) -> None:
    url, auth = "/api/v1/sla/calendars", workspace.auth()
    base = {"name": "Staffed", "timezone": "Europe/Berlin"}
    no_team = await workspace.api.post(url, headers=auth, json={**base, "source": "shifts"})
    assert no_team.status_code == 422
    unknown = await workspace.api.post(
        url, headers=auth, json={**base, "source": "shifts", "team_id": 999999}
    )
    assert unknown.status_code == 404
    stray = await workspace.api.post(url, headers=auth, json={**base, "team_id": 1})
    assert stray.status_code == 422
    odd = await workspace.api.post(url, headers=auth, json={**base, "source": "rota"})
    assert odd.status_code == 422
    listed = await workspace.api.get(url, headers=auth)
    assert listed.json()["items"] == []
    plain = await workspace.api.post(url, headers=auth, json=base)
    assert (plain.json()["source"], plain.json()["team_id"]) == ("hours", None)
