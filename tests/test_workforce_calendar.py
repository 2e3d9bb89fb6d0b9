"""The team calendar (issue 17, "Shifts"): days edited on top of the patterns (moved,
resized, added, days off) across a month end and a DST change, time off and swaps asked by
operators and decided by their lead, editing and deleting templates and patterns, routing
that honours a day off, who may do what, and the live frames. Frozen clock, Berlin time,
both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from otklik.core import clock
from otklik.workforce import shifts
from tests.support import Workspace
from tests.test_workforce_shifts import (  # noqa: F401  (``server`` is a fixture)
    BERLIN,
    MONDAY,
    at,
    plan_day_shifts,
    post,
    server,
    status,
)


@pytest.fixture
def monday(workspace: Workspace) -> Iterator[None]:
    """The clock stands at Monday 2 November 2026, 00:00 Berlin, once the workspace is made."""
    clock.freeze(MONDAY)
    yield
    clock.freeze(None)


def local(day: str, hhmm: str) -> str:
    """An instant as ISO text: ``hhmm`` local (Berlin) time on ``day``."""
    hours, minutes = (int(p) for p in hhmm.split(":"))
    moment = datetime.combine(date.fromisoformat(day), datetime.min.time()).replace(
        hour=hours, minute=minutes, tzinfo=BERLIN
    )
    return moment.astimezone(UTC).isoformat()


async def week(ws: Workspace, first: str, last: str, token: str | None = None) -> list[Any]:
    response = await ws.api.get(
        "/api/v1/workforce/schedule",
        headers=ws.auth(token),
        params={"date_from": first, "date_to": last},
    )
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def days_of(items: list[Any], agent_id: int) -> list[str]:
    return [s["date"] for s in items if s["agent_id"] == agent_id]


async def place(
    ws: Workspace, agent_id: int, starts: str, ends: str, token: str | None = None, **more: Any
) -> Any:
    return await ws.api.post(
        "/api/v1/workforce/shifts",
        headers=ws.auth(token),
        json={"agent_id": agent_id, "starts_at": starts, "ends_at": ends, **more},
    )


async def daily(ws: Workspace, agent_id: int, starts_on: str) -> int:
    """09:00–17:00 every day from ``starts_on``; the template's id."""
    template = await post(
        ws, "shift-templates", {"name": "Day", "start": "09:00", "length_minutes": 480}
    )
    pattern = await post(ws, "patterns", {"name": "daily", "cycle": [template["id"]]})
    await post(
        ws,
        "assignments",
        {"agent_id": agent_id, "pattern_id": pattern["id"], "starts_on": starts_on},
    )
    return int(template["id"])


async def team(ws: Workspace, name: str, members: list[int]) -> int:
    response = await ws.api.post(
        "/api/v1/teams", headers=ws.auth(), json={"name": name, "agent_ids": members}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_edits_across_dst_and_a_month_end(workspace: Workspace) -> None:
    clock.freeze(datetime(2026, 10, 19, 6, 0, tzinfo=UTC))
    try:
        anna_id, _ = await workspace.agent("anna@example.com", name="Анна")
        template_id = await daily(workspace, anna_id, "2026-10-19")

        # Drag Saturday's shift (CEST) to Sunday 25 October, the day clocks go back: it
        # starts at 09:00 CET, i.e. 08:00 UTC.
        moved = await place(
            workspace,
            anna_id,
            local("2026-10-25", "09:00"),
            local("2026-10-25", "17:00"),
            template_id=template_id,
            from_agent_id=anna_id,
            from_date="2026-10-24",
        )
        assert moved.status_code == 201, moved.text
        assert moved.json()["starts_at"].startswith("2026-10-25T08:00:00")
        assert moved.json()["source"] == "edit"
        # A night shift on the Saturday over the change: 22:00 CEST → 06:00 CET, 9 real hours.
        night = await place(
            workspace, anna_id, local("2026-10-24", "22:00"), local("2026-10-25", "06:00")
        )
        assert night.status_code == 201, night.text
        assert night.json()["date"] == "2026-10-24"
        assert night.json()["starts_at"].startswith("2026-10-24T20:00:00")
        assert night.json()["ends_at"].startswith("2026-10-25T05:00:00")
        # Across the month end: Saturday 31 October's shift becomes a night into November,
        # and Sunday 1 November a day off.
        resized = await place(
            workspace, anna_id, local("2026-10-31", "22:00"), local("2026-11-01", "07:00")
        )
        assert resized.status_code == 201, resized.text
        gone = await workspace.api.delete(
            f"/api/v1/workforce/agents/{anna_id}/shifts/2026-11-01", headers=workspace.auth()
        )
        assert gone.status_code == 204, gone.text

        items = await week(workspace, "2026-10-23", "2026-11-02")
        assert [(s["date"], s["starts_at"][:16], s["source"]) for s in items] == [
            ("2026-10-23", "2026-10-23T07:00", "pattern"),
            ("2026-10-24", "2026-10-24T20:00", "edit"),
            ("2026-10-25", "2026-10-25T08:00", "edit"),
            ("2026-10-26", "2026-10-26T08:00", "pattern"),
            ("2026-10-27", "2026-10-27T08:00", "pattern"),
            ("2026-10-28", "2026-10-28T08:00", "pattern"),
            ("2026-10-29", "2026-10-29T08:00", "pattern"),
            ("2026-10-30", "2026-10-30T08:00", "pattern"),
            ("2026-10-31", "2026-10-31T21:00", "edit"),
            ("2026-11-02", "2026-11-02T08:00", "pattern"),
        ]
        edits = await workspace.api.get(
            "/api/v1/workforce/overrides",
            headers=workspace.auth(),
            params={"date_from": "2026-10-01", "date_to": "2026-11-30"},
        )
        assert [(o["date"], o["kind"], o["starts_at"] is None) for o in edits.json()["items"]] == [
            ("2026-10-24", "edit", False),
            ("2026-10-25", "edit", False),
            ("2026-10-31", "edit", False),
            ("2026-11-01", "edit", True),
        ]

        # Who is off shift follows the edits: at 03:00 on 1 November Anna is still on the
        # night shift that started in October; at 10:00 that day she is off (a day off).
        async with workspace.server.app.state.db.session(write=False) as session:
            for moment, off in (
                (datetime(2026, 11, 1, 2, 0, tzinfo=UTC), set()),
                (datetime(2026, 11, 1, 9, 0, tzinfo=UTC), {anna_id}),
                (datetime(2026, 10, 25, 3, 0, tzinfo=UTC), set()),
            ):
                got = await shifts.off_shift(session, agent_ids=[anna_id], at=moment, zone=BERLIN)
                assert got == off, moment

        # Back to the pattern.
        reset = await workspace.api.delete(
            f"/api/v1/workforce/agents/{anna_id}/overrides/2026-11-01", headers=workspace.auth()
        )
        assert reset.status_code == 204
        assert days_of(await week(workspace, "2026-11-01", "2026-11-01"), anna_id) == ["2026-11-01"]

        # Bad edits: 4xx and nothing written.
        for body, code in (
            (
                {
                    "starts_at": local("2026-10-28", "10:00"),
                    "ends_at": local("2026-10-28", "09:00"),
                },
                422,
            ),
            (
                {
                    "starts_at": local("2026-10-28", "10:00"),
                    "ends_at": local("2026-10-29", "11:00"),
                },
                422,
            ),
            ({"starts_at": "2026-10-28T10:00:00", "ends_at": "2026-10-28T12:00:00"}, 422),
            (  # a move whose new place overlaps the next day: the old day stays as it was
                {
                    "starts_at": local("2026-10-28", "23:00"),
                    "ends_at": local("2026-10-29", "10:00"),
                    "from_agent_id": "ANNA",
                    "from_date": "2026-10-27",
                },
                409,
            ),
            (
                {
                    "starts_at": local("2026-10-28", "10:00"),
                    "ends_at": local("2026-10-28", "12:00"),
                    "template_id": 999,
                },
                422,
            ),
            (
                {
                    "starts_at": local("2026-10-28", "23:00"),
                    "ends_at": local("2026-10-29", "10:00"),
                },
                409,
            ),
            (
                {
                    "starts_at": local("2026-10-28", "10:00"),
                    "ends_at": local("2026-10-28", "12:00"),
                    "from_date": "2026-10-27",
                },
                422,
            ),
        ):
            response = await workspace.api.post(
                "/api/v1/workforce/shifts",
                headers=workspace.auth(),
                json={
                    "agent_id": anna_id,
                    **{k: anna_id if v == "ANNA" else v for k, v in body.items()},
                },
            )
            assert response.status_code == code, (body, response.text)
        missing = await place(
            workspace, 999, local("2026-10-28", "10:00"), local("2026-10-28", "12:00")
        )
        assert missing.status_code == 404
        after = await week(workspace, "2026-10-27", "2026-10-29")
        assert [s["source"] for s in after] == ["pattern", "pattern", "pattern"]
    finally:
        clock.freeze(None)


@pytest.mark.usefixtures("monday")
async def test_time_off_and_swaps(workspace: Workspace) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    boris_id, boris = await workspace.agent("boris@example.com", name="Борис")
    sam_id, sam = await workspace.agent("sam@example.com", role="supervisor", name="Сэм")
    olga_id, olga = await workspace.agent("olga@example.com", role="supervisor", name="Ольга")
    await team(workspace, "Support", [anna_id, boris_id, sam_id])
    await team(workspace, "Sales", [olga_id])
    await plan_day_shifts(workspace, anna_id)  # 2/2 from Monday 2 November: 2, 3, 6, 7…
    boris_plan = await workspace.api.post(
        "/api/v1/workforce/assignments",
        headers=workspace.auth(),
        json={"agent_id": boris_id, "pattern_id": 1, "starts_on": "2026-11-04"},
    )
    assert boris_plan.status_code == 201, boris_plan.text  # 4, 5, 8, 9…

    anna_socket = await workspace.agent_socket(token=anna)
    await anna_socket.ready()
    boris_socket = await workspace.agent_socket(token=boris)
    await boris_socket.ready()
    sam_socket = await workspace.agent_socket(token=sam)
    await sam_socket.ready()
    olga_socket = await workspace.agent_socket(token=olga)
    await olga_socket.ready()

    # Time off for Friday 6 and Saturday 7 November.
    asked = await post(
        workspace,
        "requests/time-off",
        {"date_from": "2026-11-06", "date_to": "2026-11-07", "reason": "Врач"},
        anna,
    )
    assert asked["state"] == "pending" and asked["reason"] == "Врач"
    frame = await anna_socket.until(lambda f: f.get("type") == "workforce.request_changed")
    assert frame["data"]["request"]["id"] == asked["id"]
    # Nobody decides their own, operators never, a lead of another team neither.
    for token, code in ((anna, 403), (boris, 404), (olga, 404)):
        response = await workspace.api.post(
            f"/api/v1/workforce/requests/{asked['id']}/approve", headers=workspace.auth(token)
        )
        assert response.status_code == code, (token, response.text)
    listed = await workspace.api.get("/api/v1/workforce/requests", headers=workspace.auth(sam))
    assert [r["id"] for r in listed.json()["items"]] == [asked["id"]]
    hidden = await workspace.api.get("/api/v1/workforce/requests", headers=workspace.auth(olga))
    assert hidden.json()["items"] == []
    approved = await workspace.api.post(
        f"/api/v1/workforce/requests/{asked['id']}/approve", headers=workspace.auth(sam)
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved" and approved.json()["decided_by_id"] == sam_id
    changed = await anna_socket.until(lambda f: f.get("type") == "workforce.schedule_changed")
    assert changed["data"] == {
        "agent_id": anna_id,
        "date_from": "2026-11-06",
        "date_to": "2026-11-07",
    }
    assert days_of(await week(workspace, "2026-11-02", "2026-11-08", anna), anna_id) == [
        "2026-11-02",
        "2026-11-03",
    ]
    again = await workspace.api.post(
        f"/api/v1/workforce/requests/{asked['id']}/cancel", headers=workspace.auth(anna)
    )
    assert again.status_code == 409
    # Time off in the past, or backwards, is refused.
    for body in (
        {"date_from": "2026-11-01", "date_to": "2026-11-02"},
        {"date_from": "2026-11-05", "date_to": "2026-11-04"},
    ):
        response = await workspace.api.post(
            "/api/v1/workforce/requests/time-off", headers=workspace.auth(anna), json=body
        )
        assert response.status_code == 422, body

    # A swap: Anna's Tuesday 3 for Boris's Wednesday 4.
    swap = await post(
        workspace,
        "requests/swap",
        {"colleague_id": boris_id, "day": "2026-11-03", "colleague_day": "2026-11-04"},
        anna,
    )
    await boris_socket.until(
        lambda f: (
            f.get("type") == "workforce.request_changed"
            and f["data"]["request"]["id"] == swap["id"]
        )
    )
    early = await workspace.api.post(
        f"/api/v1/workforce/requests/{swap['id']}/approve", headers=workspace.auth(sam)
    )
    assert early.status_code == 409  # Boris has not accepted yet
    not_hers = await workspace.api.post(
        f"/api/v1/workforce/requests/{swap['id']}/accept", headers=workspace.auth(anna)
    )
    assert not_hers.status_code == 403
    accepted = await workspace.api.post(
        f"/api/v1/workforce/requests/{swap['id']}/accept", headers=workspace.auth(boris)
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    boris_cannot = await workspace.api.post(
        f"/api/v1/workforce/requests/{swap['id']}/approve", headers=workspace.auth(boris)
    )
    assert boris_cannot.status_code == 403
    done = await workspace.api.post(
        f"/api/v1/workforce/requests/{swap['id']}/approve", headers=workspace.auth(sam)
    )
    assert done.status_code == 200, done.text
    items = await week(workspace, "2026-11-02", "2026-11-05", sam)
    assert [(s["agent_id"], s["date"], s["source"]) for s in items] == [
        (anna_id, "2026-11-02", "pattern"),
        (anna_id, "2026-11-04", "swap"),
        (boris_id, "2026-11-03", "swap"),
        (boris_id, "2026-11-05", "pattern"),
    ]
    assert next(s for s in items if s["agent_id"] == boris_id)["starts_at"].startswith(
        "2026-11-03T08:00"
    )
    # A swap with oneself, with nobody working either day, or with nobody, is refused.
    for body, code in (
        ({"colleague_id": anna_id, "day": "2026-11-09"}, 422),
        ({"colleague_id": boris_id, "day": "2026-11-12", "colleague_day": "2026-11-10"}, 422),
        ({"colleague_id": 999, "day": "2026-11-09"}, 422),
    ):
        response = await workspace.api.post(
            "/api/v1/workforce/requests/swap", headers=workspace.auth(anna), json=body
        )
        assert response.status_code == code, (body, response.text)
    # The colleague may decline a swap they have not accepted; the lead hears it.
    declined_swap = await post(
        workspace, "requests/swap", {"colleague_id": boris_id, "day": "2026-11-10"}, anna
    )
    no = await workspace.api.post(
        f"/api/v1/workforce/requests/{declined_swap['id']}/decline", headers=workspace.auth(boris)
    )
    assert no.status_code == 200 and no.json()["state"] == "declined"
    # Live: the lead of their team heard every request and change; a lead of another team
    # heard none.
    await sam_socket.until(
        lambda f: (
            f.get("type") == "workforce.request_changed"
            and f["data"]["request"]["id"] == declined_swap["id"]
            and f["data"]["request"]["state"] == "declined"
        )
    )
    assert {f["type"] for f in sam_socket.frames} >= {
        "workforce.request_changed",
        "workforce.schedule_changed",
    }
    await olga_socket.quiet(0.3)
    assert not [f for f in olga_socket.frames if str(f.get("type")).startswith("workforce.")]
    for sock in (anna_socket, boris_socket, sam_socket, olga_socket):
        await sock.close()


@pytest.mark.usefixtures("monday")
async def test_who_may_edit_the_calendar(workspace: Workspace) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    boris_id, boris = await workspace.agent("boris@example.com", name="Борис")
    sam_id, sam = await workspace.agent("sam@example.com", role="supervisor", name="Сэм")
    await team(workspace, "Support", [anna_id, sam_id])
    shift = (local("2026-11-03", "10:00"), local("2026-11-03", "18:00"))
    for token, target, code in (
        (anna, anna_id, 403),  # an operator asks; they do not edit, not even their own
        (anna, boris_id, 403),
        (sam, anna_id, 201),  # a supervisor edits their team
        (sam, boris_id, 404),  # and nobody else
        (None, boris_id, 201),  # an admin edits everyone
    ):
        response = await place(workspace, target, *shift, token=token)
        assert response.status_code == code, (token, target, response.text)
    for token, target, code in ((anna, boris_id, 403), (sam, boris_id, 404), (sam, anna_id, 204)):
        response = await workspace.api.delete(
            f"/api/v1/workforce/agents/{target}/shifts/2026-11-04", headers=workspace.auth(token)
        )
        assert response.status_code == code, (token, target)
    # A move from someone out of the supervisor's teams is refused as a whole.
    moved = await place(
        workspace, anna_id, *shift, token=sam, from_agent_id=boris_id, from_date="2026-11-03"
    )
    assert moved.status_code == 404
    assert days_of(await week(workspace, "2026-11-03", "2026-11-03"), boris_id) == ["2026-11-03"]


@pytest.mark.usefixtures("monday")
async def test_routing_honours_a_day_off(workspace: Workspace) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
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

    off = await workspace.api.delete(
        f"/api/v1/workforce/agents/{anna_id}/shifts/2026-11-02", headers=workspace.auth()
    )
    assert off.status_code == 204
    at(10)  # Monday 10:00: her pattern's shift, but the day is off now
    await status(workspace, anna, "online")
    assert await assignee_of_new_chat("Понедельник") is None
    # A shift added on her pattern's day off (Wednesday) routes to her.
    added = await place(
        workspace, anna_id, local("2026-11-04", "12:00"), local("2026-11-04", "20:00")
    )
    assert added.status_code == 201, added.text
    at(13, days=2)
    assert await assignee_of_new_chat("Среда") == anna_id


@pytest.mark.usefixtures("monday")
async def test_templates_and_patterns_are_edited_and_deleted(workspace: Workspace) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    template_id = await daily(workspace, anna_id, "2026-11-02")
    anna_socket = await workspace.agent_socket(token=anna)
    await anna_socket.ready()
    good = {"name": "Late", "start": "12:00", "length_minutes": 480}
    changed = await workspace.api.put(
        f"/api/v1/workforce/shift-templates/{template_id}", headers=workspace.auth(), json=good
    )
    assert changed.status_code == 200 and changed.json()["start"] == "12:00"
    (first,) = await week(workspace, "2026-11-03", "2026-11-03")
    assert first["name"] == "Late" and first["starts_at"].startswith("2026-11-03T11:00")
    for path, body, code in (
        (f"shift-templates/{template_id}", {**good, "start": "24:00"}, 422),
        ("shift-templates/999", good, 404),
        ("patterns/1", {"name": "x", "cycle": [None]}, 422),
        ("patterns/1", {"name": "x", "cycle": [999]}, 422),
        ("patterns/999", {"name": "x", "cycle": [template_id]}, 404),
    ):
        response = await workspace.api.put(
            f"/api/v1/workforce/{path}", headers=workspace.auth(), json=body
        )
        assert response.status_code == code, (path, body, response.text)
    refused = await workspace.api.put(
        f"/api/v1/workforce/shift-templates/{template_id}", headers=workspace.auth(anna), json=good
    )
    assert refused.status_code == 403
    two_two = await workspace.api.put(
        "/api/v1/workforce/patterns/1",
        headers=workspace.auth(),
        json={"name": "2/2", "cycle": [template_id, template_id, None, None]},
    )
    assert two_two.status_code == 200, two_two.text
    assert days_of(await week(workspace, "2026-11-02", "2026-11-05"), anna_id) == [
        "2026-11-02",
        "2026-11-03",
    ]
    # Anna's calendar hears that her pattern changed (from her assignment's start on).
    frame = await anna_socket.until(lambda f: f.get("type") == "workforce.schedule_changed")
    assert frame["data"]["agent_id"] == anna_id
    assert frame["data"]["date_from"] == "2026-11-02"
    await anna_socket.close()

    # Deleting what is in use is refused; the schedule stays as it was.
    in_use = await workspace.api.delete(
        f"/api/v1/workforce/shift-templates/{template_id}", headers=workspace.auth()
    )
    assert in_use.status_code == 409
    assigned = await workspace.api.delete("/api/v1/workforce/patterns/1", headers=workspace.auth())
    assert assigned.status_code == 409
    assignments = await workspace.api.get(
        "/api/v1/workforce/assignments", headers=workspace.auth(anna)
    )
    (assignment,) = assignments.json()["items"]
    not_yours = await workspace.api.delete(
        f"/api/v1/workforce/assignments/{assignment['id']}", headers=workspace.auth(anna)
    )
    assert not_yours.status_code == 403
    for path in (f"assignments/{assignment['id']}", "patterns/1", f"shift-templates/{template_id}"):
        response = await workspace.api.delete(f"/api/v1/workforce/{path}", headers=workspace.auth())
        assert response.status_code == 204, (path, response.text)
    assert await week(workspace, "2026-11-02", "2026-11-08") == []
    gone = await workspace.api.delete("/api/v1/workforce/patterns/1", headers=workspace.auth())
    assert gone.status_code == 404


def test_a_day_off_and_a_move_in_the_plan() -> None:
    """The plan alone: an override replaces the pattern's day; a day off is no shift."""
    from otklik.workforce.models import ShiftOverride
    from tests.test_workforce_shifts import plan_of

    plan = plan_of([1], date(2026, 10, 1))
    starts = datetime(2026, 10, 25, 8, 0, tzinfo=UTC)
    plan.overrides[(7, date(2026, 10, 24))] = ShiftOverride(
        agent_id=7, day=date(2026, 10, 24), starts_at=None, ends_at=None, kind="edit"
    )
    plan.overrides[(7, date(2026, 10, 25))] = ShiftOverride(
        agent_id=7,
        day=date(2026, 10, 25),
        starts_at=starts,
        ends_at=starts + timedelta(hours=4),
        template_id=1,
        kind="swap",
    )
    assert plan.shift(7, date(2026, 10, 24)) is None
    moved = plan.shift(7, date(2026, 10, 25))
    assert moved is not None and moved.source == "swap" and moved.name == "Day"
    assert plan.shift_at(7, starts + timedelta(hours=5)) is None


@pytest.mark.usefixtures("monday")
async def test_adherence_follows_the_edited_day(workspace: Workspace) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    await plan_day_shifts(workspace, anna_id)  # 09:00–17:00 on Monday 2 and Tuesday 3
    resized = await place(
        workspace, anna_id, local("2026-11-02", "10:00"), local("2026-11-02", "12:00")
    )
    assert resized.status_code == 201, resized.text
    off = await workspace.api.delete(
        f"/api/v1/workforce/agents/{anna_id}/shifts/2026-11-03", headers=workspace.auth()
    )
    assert off.status_code == 204

    async def missing() -> list[int]:
        got = await workspace.api.get("/api/v1/workforce/adherence/now", headers=workspace.auth())
        return [m["agent_id"] for m in got.json()["items"]]

    at(9.5)  # the pattern's shift would have begun; the edited one has not
    assert await missing() == []
    at(10.5)
    assert await missing() == [anna_id]
    await status(workspace, anna, "online")
    at(13)
    report = await workspace.api.get(
        "/api/v1/workforce/adherence", headers=workspace.auth(), params={"day": "2026-11-02"}
    )
    (row,) = report.json()["items"]
    assert row["starts_at"].startswith("2026-11-02T09:00")  # 10:00 CET
    assert (row["scheduled_minutes"], row["late_login_minutes"]) == (120, 30)
    day_off = await workspace.api.get(
        "/api/v1/workforce/adherence", headers=workspace.auth(), params={"day": "2026-11-03"}
    )
    assert day_off.json()["items"] == []
