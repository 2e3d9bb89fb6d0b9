"""Statuses set by the shift schedule (issue 17, "set by schedule"), on a frozen clock: a
scheduled break starts and ends, the operator's own choice wins, a shift's end sets away
(after the grace, and only once the open conversations are done or the limit is reached),
off by default; and who may read and change the setting.

The periodic job is run by hand at chosen times (the in-app runner is off, so nothing runs
behind the test's back); every change is the ordinary presence change, so the status the
API shows and the recorded intervals (with source ``schedule``) are what is checked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from otklik.accounts import service as accounts
from otklik.config import Settings
from otklik.core import clock
from otklik.core.db import Database
from otklik.jobs.periodic import SCHEDULE
from otklik.jobs.registry import JobContext, handler_for
from otklik.workforce.schedule_status import JOB
from tests.support import LiveServer, Workspace

#: Monday 2 November 2026, 00:00 in Berlin (CET, UTC+1).
MONDAY = datetime(2026, 11, 1, 23, 0, tzinfo=UTC)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    """Berlin time; no presence sweep and no job runner interfere with the frozen clock."""
    live = LiveServer(
        settings.model_copy(
            update={
                "workspace_timezone": "Europe/Berlin",
                "presence_grace_seconds": 3600,
                "presence_away_minutes": 0,
                "run_jobs_in_app": False,
                "session_idle_hours": 24 * 7,  # the clock jumps hours ahead
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


def at(hours: float) -> None:
    clock.freeze(MONDAY + timedelta(hours=hours))


async def run_job(ws: Workspace, db: Database, hours: float) -> None:
    """What the periodic job does each minute, at local ``hours`` on Monday."""
    at(hours)
    handler = handler_for(JOB)
    assert handler is not None
    async with db.session(write=True) as session:
        await handler(JobContext(session, ws.server.settings), {})


async def post(ws: Workspace, path: str, body: dict[str, Any]) -> Any:
    response = await ws.api.post(f"/api/v1/{path}", headers=ws.auth(), json=body)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def set_status(ws: Workspace, token: str, value: str, reason: str | None = None) -> None:
    body = {"status": value, **({"reason": reason} if reason else {})}
    response = await ws.api.put("/api/v1/agents/me/status", headers=ws.auth(token), json=body)
    assert response.status_code == 200, response.text


async def status_of(ws: Workspace, agent_id: int) -> tuple[str, str | None]:
    agents = (await ws.api.get("/api/v1/agents", headers=ws.auth())).json()["items"]
    me = next(a for a in agents if a["id"] == agent_id)
    return me["status"], me["status_reason"]


async def timeline(ws: Workspace, agent_id: int) -> list[tuple[str, str | None, str]]:
    response = await ws.api.get(
        f"/api/v1/workforce/agents/{agent_id}/intervals",
        headers=ws.auth(),
        params={"day": "2026-11-02"},
    )
    assert response.status_code == 200, response.text
    return [(i["status"], i["reason"], i["source"]) for i in response.json()["items"]]


async def plan_shifts(ws: Workspace, *agent_ids: int) -> None:
    """09:00–17:00, a technical break 11:00–11:15 and lunch 13:00–14:00, every day."""
    template = await post(
        ws,
        "workforce/shift-templates",
        {
            "name": "День",
            "start": "09:00",
            "length_minutes": 480,
            "breaks": [
                {"offset": 120, "minutes": 15, "reason": "technical"},
                {"offset": 240, "minutes": 60, "reason": "lunch"},
            ],
        },
    )
    pattern = await post(ws, "workforce/patterns", {"name": "daily", "cycle": [template["id"]]})
    for agent_id in agent_ids:
        await post(
            ws,
            "workforce/assignments",
            {"agent_id": agent_id, "pattern_id": pattern["id"], "starts_on": "2026-11-02"},
        )


async def turn_on(ws: Workspace, **more: Any) -> None:
    response = await ws.api.put(
        "/api/v1/workforce/settings", headers=ws.auth(), json={"schedule_status": True, **more}
    )
    assert response.status_code == 200, response.text


def test_the_job_runs_every_minute_once_across_workers() -> None:
    """It is on the periodic schedule (one job per slot, whatever the number of workers)."""
    assert [p.every_seconds for p in SCHEDULE if p.name == JOB] == [60]


async def test_off_by_default_the_schedule_sets_nothing(
    workspace: Workspace, db: Database, frozen: None
) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    await plan_shifts(workspace, anna_id)
    got = await workspace.api.get("/api/v1/workforce/settings", headers=workspace.auth())
    assert got.json() == {
        "schedule_status": False,
        "shift_end_grace_minutes": 15,
        "shift_end_limit_minutes": 60,
    }
    at(8.5)
    await set_status(workspace, anna, "online")
    await run_job(workspace, db, 13.1)  # lunch
    assert await status_of(workspace, anna_id) == ("online", None)
    await run_job(workspace, db, 18)  # the shift is long over
    assert await status_of(workspace, anna_id) == ("online", None)
    assert await timeline(workspace, anna_id) == [("online", None, "operator")]


async def test_a_scheduled_break_starts_and_ends(
    workspace: Workspace, db: Database, frozen: None
) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    boris_id, boris = await workspace.agent("boris@example.com", name="Борис")
    await plan_shifts(workspace, anna_id)  # Boris works by no schedule
    await turn_on(workspace)
    at(8.5)
    await set_status(workspace, anna, "online")
    await set_status(workspace, boris, "online")

    await run_job(workspace, db, 10.99)
    assert await status_of(workspace, anna_id) == ("online", None)
    await run_job(workspace, db, 11)  # the technical break begins
    assert await status_of(workspace, anna_id) == ("break", "technical")
    await run_job(workspace, db, 11.1)
    assert await status_of(workspace, anna_id) == ("break", "technical")
    await run_job(workspace, db, 11.25)  # it ends
    assert await status_of(workspace, anna_id) == ("online", None)
    await run_job(workspace, db, 13 + 1 / 60)  # lunch; the job ran a minute late
    assert await status_of(workspace, anna_id) == ("break", "lunch")
    assert await status_of(workspace, boris_id) == ("online", None)

    # Her socket drops during lunch and comes back: still the schedule's lunch, so it ends.
    at(13.2)
    async with db.session(write=True) as session:
        await accounts.expire_presence(session, grace=timedelta(minutes=5), idle=None)
    at(13.3)
    async with db.session(write=True) as session:
        await accounts.agent_returned(session, agent_id=anna_id, active=False)
    assert await status_of(workspace, anna_id) == ("break", "lunch")
    await run_job(workspace, db, 14)
    assert await status_of(workspace, anna_id) == ("online", None)

    assert await timeline(workspace, anna_id) == [
        ("online", None, "operator"),
        ("break", "technical", "schedule"),
        ("online", None, "schedule"),
        ("break", "lunch", "schedule"),
        ("offline", None, "auto"),
        ("break", "lunch", "auto"),
        ("online", None, "schedule"),
    ]


async def test_the_operators_own_choice_during_a_break_is_never_undone(
    workspace: Workspace, db: Database, frozen: None
) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    boris_id, boris = await workspace.agent("boris@example.com", name="Борис")
    carla_id, carla = await workspace.agent("carla@example.com", name="Карла")
    await plan_shifts(workspace, anna_id, boris_id, carla_id)
    await turn_on(workspace)
    at(8.5)
    for token in (anna, boris, carla):
        await set_status(workspace, token, "online")
    at(10.5)
    await set_status(workspace, carla, "away")  # away when the break begins: left alone

    await run_job(workspace, db, 11)
    assert await status_of(workspace, anna_id) == ("break", "technical")
    assert await status_of(workspace, boris_id) == ("break", "technical")
    assert await status_of(workspace, carla_id) == ("away", None)
    at(11.05)
    await set_status(workspace, anna, "online")  # cuts her break short
    await set_status(workspace, boris, "break", "training")  # another break of his own
    at(11.1)
    await set_status(workspace, carla, "online")  # comes back during the break
    await run_job(workspace, db, 11.15)  # the schedule does not send them back to it
    assert await status_of(workspace, anna_id) == ("online", None)
    assert await status_of(workspace, carla_id) == ("online", None)
    await run_job(workspace, db, 11.25)  # the break is over: Boris's own break stays
    assert await status_of(workspace, boris_id) == ("break", "training")
    assert await timeline(workspace, boris_id) == [
        ("online", None, "operator"),
        ("break", "technical", "schedule"),
        ("break", "training", "operator"),
    ]


async def test_shift_end_sets_away_after_the_open_conversations_or_the_limit(
    workspace: Workspace, db: Database, frozen: None
) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    boris_id, boris = await workspace.agent("boris@example.com", name="Борис")
    carla_id, carla = await workspace.agent("carla@example.com", name="Карла")
    dima_id, dima = await workspace.agent("dima@example.com", name="Дима")
    await plan_shifts(workspace, anna_id, boris_id, carla_id)  # Dima: no schedule
    await turn_on(workspace, shift_end_grace_minutes=15, shift_end_limit_minutes=45)
    at(15)
    for token in (anna, boris, carla, dima):
        await set_status(workspace, token, "online")
    chats = []
    for agent_id, name in ((boris_id, "Оля"), (carla_id, "Петя")):
        visitor = await workspace.visitor(name)
        chat = (await visitor.say("Здравствуйте"))["conversation_id"]
        await post(workspace, f"conversations/{chat}/assign", {"agent_id": agent_id})
        chats.append(chat)

    await run_job(workspace, db, 17 + 14 / 60)  # within the grace: nobody
    assert {await status_of(workspace, i) for i in (anna_id, boris_id, carla_id)} == {
        ("online", None)
    }
    await run_job(workspace, db, 17.25)  # the grace is over
    assert await status_of(workspace, anna_id) == ("away", None)
    assert await status_of(workspace, boris_id) == ("online", None)  # still has a chat
    assert await status_of(workspace, carla_id) == ("online", None)
    assert await status_of(workspace, dima_id) == ("online", None)

    at(17.4)
    await post(workspace, f"conversations/{chats[0]}/status", {"status": "resolved"})
    await set_status(workspace, anna, "online")  # staying late, by her own choice
    await run_job(workspace, db, 17.5)
    assert await status_of(workspace, boris_id) == ("away", None)  # done: away
    assert await status_of(workspace, carla_id) == ("online", None)  # still busy
    assert await status_of(workspace, anna_id) == ("online", None)  # her choice stays
    await run_job(workspace, db, 17.75)  # the limit: away, conversation or not
    assert await status_of(workspace, carla_id) == ("away", None)
    assert await status_of(workspace, anna_id) == ("online", None)
    assert await status_of(workspace, dima_id) == ("online", None)
    assert (await timeline(workspace, carla_id))[-1] == ("away", None, "schedule")
    assert await timeline(workspace, anna_id) == [
        ("online", None, "operator"),
        ("away", None, "schedule"),
        ("online", None, "operator"),
    ]


async def test_who_may_read_and_change_the_setting(workspace: Workspace) -> None:
    _, supervisor = await workspace.agent("sv@example.com", role="supervisor")
    _, agent = await workspace.agent("agent@example.com")
    path = "/api/v1/workforce/settings"
    assert (await workspace.api.get(path)).status_code == 401
    assert (await workspace.api.get(path, headers=workspace.auth(agent))).status_code == 403
    assert (await workspace.api.get(path, headers=workspace.auth(supervisor))).status_code == 200
    body = {"schedule_status": True, "shift_end_grace_minutes": 5, "shift_end_limit_minutes": 30}
    for token in (agent, supervisor):
        denied = await workspace.api.put(path, headers=workspace.auth(token), json=body)
        assert denied.status_code == 403
    assert (await workspace.api.put(path, json=body)).status_code == 401
    for bad in (
        {"schedule_status": "maybe"},
        {"shift_end_grace_minutes": -1},
        {"shift_end_grace_minutes": 241},
        {"shift_end_grace_minutes": 30, "shift_end_limit_minutes": 10},
        {"shift_end_limit_minutes": 24 * 60 + 1},
        {"schedule_status": True, "colour": "red"},
    ):
        response = await workspace.api.put(path, headers=workspace.auth(), json=bad)
        assert response.status_code == 422, bad
        assert "error" in response.json()
    unchanged = await workspace.api.get(path, headers=workspace.auth(supervisor))
    assert unchanged.json()["schedule_status"] is False
    saved = await workspace.api.put(path, headers=workspace.auth(), json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json() == body
    read = await workspace.api.get(path, headers=workspace.auth(supervisor))
    assert read.json() == body
    audit = await workspace.api.get(
        "/api/v1/audit", headers=workspace.auth(), params={"action": "settings.workforce_changed"}
    )
    assert audit.status_code == 200, audit.text
    (entry,) = audit.json()["items"]
    assert entry["data"]["after"] == body
    assert entry["data"]["before"]["schedule_status"] is False


async def test_a_change_the_operator_makes_while_the_schedule_decides_wins(
    workspace: Workspace, db: Database, frozen: None
) -> None:
    """The schedule acts on the status it read only if it is still there under the lock."""
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    at(8.5)
    await set_status(workspace, anna, "online")
    at(13)
    async with db.session(write=False) as session:
        (seen,) = [p for p in await accounts.connected_presence(session) if p.agent_id == anna_id]
    assert (seen.status, seen.reason) == ("online", None)
    # Meanwhile she steps away and comes back by hand: the same status, but her own now.
    at(13.01)
    await set_status(workspace, anna, "away")
    await set_status(workspace, anna, "online")
    async with db.session(write=True) as session:
        done = await accounts.set_status_by_schedule(
            session, seen=seen, status="break", reason="lunch"
        )
    assert done is False
    assert await status_of(workspace, anna_id) == ("online", None)
    # Read afresh, the schedule may act.
    async with db.session(write=True) as session:
        (seen,) = [p for p in await accounts.connected_presence(session) if p.agent_id == anna_id]
        assert await accounts.set_status_by_schedule(
            session, seen=seen, status="break", reason="lunch"
        )
    assert await status_of(workspace, anna_id) == ("break", "lunch")
