"""Schedule suggestion (issue 17): shift starts per day and template covering a week's
half-hourly requirement with the least over-staffing (OR-Tools CP-SAT), the figure of a
full week, and the API on both databases."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from otklik.core import clock
from otklik.core.db import Database
from otklik.workforce.schemas import SuggestionIn
from otklik.workforce.suggestion import WEEK, Template, covered_intervals, shifts_to_place, solve
from tests.support import Workspace

DAY = Template(id=1, start=9 * 60, length=8 * 60, breaks=((240, 30),))  # 09–17, 13:00 lunch
LATE = Template(id=2, start=13 * 60, length=8 * 60, breaks=())  # 13–21
NIGHT = Template(id=3, start=22 * 60, length=8 * 60, breaks=())  # 22–06


def slot(day: int, hour: float) -> int:
    return day * 48 + int(hour * 2)


def test_a_shift_covers_its_half_hours_outside_its_breaks() -> None:
    covered = covered_intervals(DAY, 0)
    assert covered == [s for s in range(slot(0, 9), slot(0, 17)) if s != slot(0, 13)]
    # A night shift on the week's last day covers the first day's early hours (the week
    # repeats).
    night = covered_intervals(NIGHT, 6)
    assert slot(6, 22) in night and slot(0, 5.5) in night and slot(0, 6) not in night
    # A shift from 09:20 works 10 minutes of 09:00–09:30: not covered; 16 of 17:00–17:30: covered.
    odd = covered_intervals(Template(id=4, start=9 * 60 + 20, length=8 * 60, breaks=()), 0)
    assert odd[0] == slot(0, 9.5) and odd[-1] == slot(0, 17)


def weekday_requirement() -> list[int]:
    """Two people 09–13 and 14–17 on weekdays, three 13–21 on Monday, one 17–21 otherwise."""
    need = [0] * WEEK
    for day in range(5):
        for s in range(slot(day, 9), slot(day, 17)):
            need[s] = 2
        for s in range(slot(day, 17), slot(day, 21)):
            need[s] = 1
    for s in range(slot(0, 13), slot(0, 21)):
        need[s] = 3
    return need


def test_the_suggestion_covers_the_requirement_with_the_least_over_staffing() -> None:
    need = weekday_requirement()
    found = solve(need, [DAY, LATE, NIGHT], time_limit=10)
    assert found.status == "optimal"
    assert found.shortage == 0
    assert all(c >= r for c, r in zip(found.coverage, need, strict=True))
    # The day shifts' lunch at 13:00 leaves only late shifts then: two on Tuesday–Friday,
    # three on Monday, beside the two day shifts every morning needs.
    assert [found.counts[d] for d in range(5)] == [[2, 3, 0]] + [[2, 2, 0]] * 4
    assert found.counts[5] == found.counts[6] == [0, 0, 0]
    # The over-staffing the templates force, counted by hand: Tuesday–Friday 13:30–17:00
    # four people for two (7 × 2) and 17:00–21:00 two for one (8 × 1); Monday 13:30–17:00
    # five for three (7 × 2).
    assert found.over_staffing == 4 * (7 * 2 + 8) + 7 * 2
    # The same input, the same answer.
    again = solve(need, [DAY, LATE, NIGHT], time_limit=10)
    assert again.counts == found.counts and again.coverage == found.coverage


def test_a_day_cap_leaves_a_shortage_reported_not_hidden() -> None:
    need = weekday_requirement()
    capped = solve(need, [DAY, LATE, NIGHT], max_per_day=2, time_limit=10)
    assert capped.shortage > 0
    assert all(sum(row) <= 2 for row in capped.counts)
    assert capped.shortage == sum(max(0, r - c) for c, r in zip(capped.coverage, need, strict=True))


def week_of_need() -> list[int]:
    """Two people at night, up to twelve on weekday afternoons, less at weekends."""
    import math

    return [
        round(2 + 10 * max(0.0, math.sin((i % 48 - 14) / 34 * math.pi)) * (1 if i < 240 else 0.4))
        for i in range(WEEK)
    ]


#: Six templates from midnight to the evening, their lunches staggered (the night's none).
SIX = [
    Template(id=k, start=start, length=length, breaks=breaks)
    for k, (start, length, breaks) in enumerate(
        [
            (0, 480, ()),
            (360, 480, ((210, 30),)),
            (480, 540, ((240, 60),)),
            (600, 480, ((270, 30),)),
            (840, 480, ((240, 30),)),
            (960, 480, ((210, 30),)),
        ]
    )
]


def test_a_full_week_of_336_half_hours_and_six_templates_is_solved_in_seconds() -> None:
    """The figure of bench/bench_schedule_suggestion.py (bench/RESULTS.md) at test size."""
    need = week_of_need()
    began = time.perf_counter()
    found = solve(need, SIX, time_limit=10)
    assert time.perf_counter() - began < 10
    assert found.status == "optimal"
    assert found.shortage == 0
    assert all(c >= r for c, r in zip(found.coverage, need, strict=True))


# --- the API, on both databases


@pytest.fixture
def frozen() -> Iterator[None]:
    yield
    clock.freeze(None)


async def templates(ws: Workspace) -> tuple[int, int, int]:
    ids = []
    for name, start, breaks in (
        ("День", "09:00", [{"offset": 240, "minutes": 30, "reason": "lunch"}]),
        ("Вечер", "13:00", []),
        ("Ночь", "22:00", []),
    ):
        made = await ws.api.post(
            "/api/v1/workforce/shift-templates",
            headers=ws.auth(),
            json={"name": name, "start": start, "length_minutes": 480, "breaks": breaks},
        )
        assert made.status_code == 201, made.text
        ids.append(int(made.json()["id"]))
    return ids[0], ids[1], ids[2]


async def test_suggestion_api_with_a_requirement(workspace: Workspace, db: Database) -> None:
    day, late, night = await templates(workspace)
    body = {"week_start": "2026-12-07", "requirement": weekday_requirement()}
    answer = await workspace.api.post(
        "/api/v1/workforce/schedule-suggestion", headers=workspace.auth(), json=body
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert (found["status"], found["shortage"], found["interval_minutes"]) == ("optimal", 0, 30)
    assert len(found["coverage"]) == len(found["requirement"]) == WEEK
    assert len(found["starts"]) == 7 * 3
    monday = {s["template_id"]: s["count"] for s in found["starts"] if s["day"] == 0}
    assert monday == {day: 2, late: 3, night: 0}
    assert found["people"] == 5 + 4 * 4
    # The shifts to place: Monday 7 December 09:00 UTC (the workspace's zone), two of them.
    first = found["shifts"][0]
    assert (first["date"], first["template_id"], first["count"]) == ("2026-12-07", day, 2)
    assert datetime.fromisoformat(first["starts_at"]) == datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert datetime.fromisoformat(first["ends_at"]) == datetime(2026, 12, 7, 17, tzinfo=UTC)
    # Deterministic: the same question, the same answer.
    again = await workspace.api.post(
        "/api/v1/workforce/schedule-suggestion", headers=workspace.auth(), json=body
    )
    assert again.json()["starts"] == found["starts"]
    # What accepting it into the calendar places: the same shifts, from code.
    placed = await shifts_to_place(db, SuggestionIn.model_validate(body))
    assert [p.model_dump(mode="json") for p in placed] == found["shifts"]
    # Only the named templates; a day cap.
    only_day = await workspace.api.post(
        "/api/v1/workforce/schedule-suggestion",
        headers=workspace.auth(),
        json={**body, "template_ids": [day], "max_per_day": 3},
    )
    assert only_day.status_code == 200, only_day.text
    assert {s["template_id"] for s in only_day.json()["starts"]} == {day}
    assert only_day.json()["shortage"] > 0  # nobody for the evenings


async def test_suggestion_api_refuses_bad_questions_and_agents(workspace: Workspace) -> None:
    _, anna = await workspace.agent("anna@example.com")
    _, boss = await workspace.agent("boss@example.com", role="supervisor")
    body = {"week_start": "2026-12-07", "requirement": [1] * WEEK}
    denied = await workspace.api.post(
        "/api/v1/workforce/schedule-suggestion", headers=workspace.auth(anna), json=body
    )
    assert denied.status_code == 403
    patience = "/api/v1/workforce/patience"
    assert (await workspace.api.get(patience, headers=workspace.auth(anna))).status_code == 403
    seen = await workspace.api.get(patience, headers=workspace.auth(boss))
    assert seen.status_code == 200
    assert seen.json()["patience_seconds"] is None  # nobody waited yet
    bad_days = await workspace.api.get(patience, headers=workspace.auth(boss), params={"days": 0})
    assert bad_days.status_code == 422
    none_yet = await workspace.api.post(
        "/api/v1/workforce/schedule-suggestion", headers=workspace.auth(boss), json=body
    )
    assert none_yet.status_code == 422  # no templates yet
    assert "template" in none_yet.json()["error"]["message"]
    day, _, _ = await templates(workspace)
    for bad in (
        {**body, "requirement": [1] * (WEEK - 1)},
        {**body, "requirement": [-1] * WEEK},
        {"week_start": "2026-12-07"},  # neither a requirement nor targets
        {**body, "staffing": {"aht_seconds": 300}},  # both
        {**body, "template_ids": [day, 999_999]},
        {**body, "time_limit_seconds": 0},
        {**body, "max_per_day": 0},
        {**body, "surprise": 1},
    ):
        refused = await workspace.api.post(
            "/api/v1/workforce/schedule-suggestion", headers=workspace.auth(boss), json=bad
        )
        assert refused.status_code == 422, bad
    # From the forecast with no history: a clear 422, not a 500.
    no_history = await workspace.api.post(
        "/api/v1/workforce/schedule-suggestion",
        headers=workspace.auth(boss),
        json={"week_start": "2026-12-07", "staffing": {"aht_seconds": 300}},
    )
    assert no_history.status_code == 422
    ok = await workspace.api.post(
        "/api/v1/workforce/schedule-suggestion", headers=workspace.auth(boss), json=body
    )
    assert ok.status_code == 200, ok.text


MONDAY = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


async def test_suggestion_from_the_forecast(workspace: Workspace, frozen: None) -> None:
    # Two weeks of history from a first chat at midnight: on weekdays two chats between 10:00
    # and 10:30.
    clock.freeze(MONDAY)
    await (await workspace.visitor("Первый")).say("Здравствуйте")
    for day in range(14):
        if day % 7 < 5:
            for minute in (5, 20):
                clock.freeze(MONDAY + timedelta(days=day, hours=10, minutes=minute))
                visitor = await workspace.visitor(f"Гость {day}-{minute}")
                await visitor.say("Здравствуйте")
    clock.freeze(MONDAY + timedelta(weeks=2, minutes=1))
    day_id, _, _ = await templates(workspace)
    answer = await workspace.api.post(
        "/api/v1/workforce/schedule-suggestion",
        headers=workspace.auth(),
        json={
            "week_start": (MONDAY + timedelta(weeks=2)).date().isoformat(),
            "staffing": {"aht_seconds": 600, "target_level": 0.8, "target_seconds": 60},
        },
    )
    assert answer.status_code == 200, answer.text
    found = answer.json()
    need = found["requirement"]
    # People where the chats come (weekday mornings at 10), none at night or at weekends.
    assert need[slot(0, 10)] >= 1 and need[slot(0, 3)] == 0 and need[slot(5, 10)] == 0
    assert found["shortage"] == 0
    monday_day = next(s for s in found["starts"] if s["day"] == 0 and s["template_id"] == day_id)
    assert monday_day["count"] >= 1
    assert found["week_start"] == date(2026, 11, 16).isoformat()
