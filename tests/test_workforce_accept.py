"""Accepting a schedule suggestion into the team calendar (issue 17, "which the lead can
accept into the calendar"): the lead's choice of operators placed all or nothing, who may
do it, and the auto-fill that proposes operators (fewest shifts, nobody twice a day, no
one on approved time off). Both databases; the workspace's time zone is UTC here."""

from __future__ import annotations

from typing import Any

from tests.support import Workspace
from tests.test_workforce_calendar import days_of, team, week
from tests.test_workforce_shifts import post

ACCEPT = "/api/v1/workforce/schedule-suggestion/accept"
AUTO_FILL = "/api/v1/workforce/schedule-suggestion/auto-fill"
# Monday 7 January 2030 … Sunday 13 January.
MON, TUE, WED, THU = "2030-01-07", "2030-01-08", "2030-01-09", "2030-01-10"


def day_shift(agent_id: int, day: str, template_id: int | None = None) -> dict[str, Any]:
    return {
        "agent_id": agent_id,
        "starts_at": f"{day}T09:00:00+00:00",
        "ends_at": f"{day}T17:00:00+00:00",
        "template_id": template_id,
    }


async def accept(ws: Workspace, placements: list[dict[str, Any]], token: str | None) -> Any:
    return await ws.api.post(ACCEPT, headers=ws.auth(token), json={"placements": placements})


async def time_off(ws: Workspace, token: str, lead: str, day: str) -> None:
    asked = await post(
        ws, "requests/time-off", {"date_from": day, "date_to": day, "reason": "x"}, token
    )
    approved = await ws.api.post(
        f"/api/v1/workforce/requests/{asked['id']}/approve", headers=ws.auth(lead)
    )
    assert approved.status_code == 200, approved.text


async def test_accept_places_all_or_nothing(workspace: Workspace) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    boris_id, _ = await workspace.agent("boris@example.com", name="Борис")
    sam_id, sam = await workspace.agent("sam@example.com", role="supervisor", name="Сэм")
    olga_id, olga = await workspace.agent("olga@example.com", role="supervisor", name="Ольга")
    vera_id, _ = await workspace.agent("vera@example.com", name="Вера")
    await team(workspace, "Support", [anna_id, boris_id, sam_id])
    await team(workspace, "Sales", [olga_id, vera_id])
    template = await post(
        workspace, "shift-templates", {"name": "День", "start": "09:00", "length_minutes": 480}
    )
    day = template["id"]
    sam_socket = await workspace.agent_socket(token=sam)
    await sam_socket.ready()

    placed = await accept(
        workspace,
        [day_shift(anna_id, MON, day), day_shift(boris_id, MON, day), day_shift(anna_id, TUE)],
        sam,
    )
    assert placed.status_code == 201, placed.text
    shifts = placed.json()["shifts"]
    assert [(s["agent_id"], s["date"], s["name"], s["source"]) for s in shifts] == [
        (anna_id, MON, "День", "edit"),
        (boris_id, MON, "День", "edit"),
        (anna_id, TUE, "", "edit"),
    ]
    calendar = await week(workspace, MON, "2030-01-13", sam)
    assert days_of(calendar, anna_id) == [MON, TUE]
    assert days_of(calendar, boris_id) == [MON]
    # The lead's calendar refetches live, as for a shift placed by hand.
    frame = await sam_socket.until(
        lambda f: (
            f.get("type") == "workforce.schedule_changed" and f["data"]["agent_id"] == boris_id
        )
    )
    assert frame["data"]["date_from"] == frame["data"]["date_to"] == MON

    # One refusal refuses the whole choice: nothing of it reaches the calendar.
    refused = [
        # two shifts for Anna on Wednesday
        ([day_shift(boris_id, WED), day_shift(anna_id, WED), day_shift(anna_id, WED)], 422),
        # Anna's Monday night runs into her Tuesday shift
        (
            [
                day_shift(boris_id, WED),
                {
                    "agent_id": anna_id,
                    "starts_at": f"{MON}T20:00:00+00:00",
                    "ends_at": f"{TUE}T10:00:00+00:00",
                },
            ],
            409,
        ),
        ([day_shift(boris_id, WED), day_shift(anna_id, THU, 999_999)], 422),  # no template
        ([day_shift(boris_id, WED), day_shift(999_999, THU)], 404),  # no operator
        ([day_shift(boris_id, WED), {**day_shift(anna_id, THU), "ends_at": THU}], 422),
        ([], 422),
    ]
    for placements, code in refused:
        response = await accept(workspace, placements, sam)
        assert response.status_code == code, (placements, response.text)
    calendar = await week(workspace, MON, "2030-01-13")
    assert days_of(calendar, boris_id) == [MON]
    assert days_of(calendar, anna_id) == [MON, TUE]
    assert [s["ends_at"] for s in calendar if s["agent_id"] == anna_id][0].startswith(MON)

    # Approved time off is kept: a choice placing Anna on her day off is refused.
    await time_off(workspace, anna, sam, THU)
    off = await accept(workspace, [day_shift(boris_id, THU), day_shift(anna_id, THU)], sam)
    assert off.status_code == 409, off.text
    assert "time off" in off.json()["error"]["message"]
    assert days_of(await week(workspace, THU, THU), boris_id) == []

    # Who may: an operator never (not even for themselves); a lead of another team does not
    # see Support's operators, nor does Support's lead see Sales'; an admin places anyone.
    for token, target, code in (
        (anna, anna_id, 403),
        (olga, anna_id, 404),
        (sam, vera_id, 404),
        (olga, vera_id, 201),
        (None, anna_id, 201),
    ):
        response = await accept(workspace, [day_shift(target, WED)], token)
        assert response.status_code == code, (token, target, response.text)
    assert days_of(await week(workspace, WED, WED), vera_id) == [WED]


async def test_auto_fill_proposes_the_least_busy_free_operators(workspace: Workspace) -> None:
    anna_id, anna = await workspace.agent("anna@example.com", name="Анна")
    boris_id, _ = await workspace.agent("boris@example.com", name="Борис")
    carl_id, _ = await workspace.agent("carl@example.com", name="Карл")
    sam_id, sam = await workspace.agent("sam@example.com", role="supervisor", name="Сэм")
    olga_id, olga = await workspace.agent("olga@example.com", role="supervisor", name="Ольга")
    vera_id, _ = await workspace.agent("vera@example.com", name="Вера")
    await team(workspace, "Support", [anna_id, boris_id, carl_id, sam_id])
    await team(workspace, "Sales", [olga_id, vera_id])
    # Boris already works Monday and Tuesday; Anna has Thursday off.
    placed = await accept(workspace, [day_shift(boris_id, MON), day_shift(boris_id, TUE)], sam)
    assert placed.status_code == 201, placed.text
    await time_off(workspace, anna, sam, THU)

    def wanted(day: str, count: int) -> dict[str, Any]:
        shift = day_shift(0, day)
        return {"starts_at": shift["starts_at"], "ends_at": shift["ends_at"], "count": count}

    body = {"shifts": [wanted(THU, 2), wanted(MON, 3), wanted(WED, 2)]}
    response = await workspace.api.post(AUTO_FILL, headers=workspace.auth(sam), json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    # Operators of Sam's team only (not Sam, a supervisor; not Vera, of Sales), by name.
    assert answer["operators"] == [
        {"id": anna_id, "name": "Анна"},
        {"id": boris_id, "name": "Борис"},
        {"id": carl_id, "name": "Карл"},
    ]
    proposed = {s["date"]: s["agent_ids"] for s in answer["shifts"]}
    assert [s["date"] for s in answer["shifts"]] == [THU, MON, WED]  # the order asked
    # Monday: Boris works already, so two of three; Wednesday: Anna and Carl have one
    # shift each, Boris two; Thursday: Anna is off, so Boris (2) and Carl (2).
    assert proposed == {MON: [anna_id, carl_id], WED: [anna_id, carl_id], THU: [boris_id, carl_id]}

    # The proposal is what the lead accepts.
    placements = [
        {**day_shift(agent_id, s["date"])} for s in answer["shifts"] for agent_id in s["agent_ids"]
    ]
    accepted = await accept(workspace, placements, sam)
    assert accepted.status_code == 201, accepted.text
    calendar = await week(workspace, MON, "2030-01-13", sam)
    assert days_of(calendar, carl_id) == [MON, WED, THU]
    assert days_of(calendar, anna_id) == [MON, WED]

    # Another team's lead proposes their own operators; an operator may not ask.
    theirs = await workspace.api.post(AUTO_FILL, headers=workspace.auth(olga), json=body)
    assert theirs.status_code == 200, theirs.text
    assert theirs.json()["operators"] == [{"id": vera_id, "name": "Вера"}]
    assert {s["date"]: s["agent_ids"] for s in theirs.json()["shifts"]} == {
        THU: [vera_id],
        MON: [vera_id],
        WED: [vera_id],
    }
    denied = await workspace.api.post(AUTO_FILL, headers=workspace.auth(anna), json=body)
    assert denied.status_code == 403
    for bad in (
        {"shifts": []},
        {"shifts": [{**wanted(MON, 1), "count": 0}]},
        {"shifts": [{**wanted(MON, 1), "ends_at": wanted(MON, 1)["starts_at"]}]},
        {"shifts": [wanted(MON, 1), wanted("2030-03-01", 1)]},
    ):
        response = await workspace.api.post(AUTO_FILL, headers=workspace.auth(sam), json=bad)
        assert response.status_code == 422, (bad, response.text)
