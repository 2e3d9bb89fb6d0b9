"""The volume forecast (issue 17, item 3): weekly seasonality (STL) and a trend (Holt) on
30-minute counts, shown beside the actual counts; from real conversations, frozen clock."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from otklik.core import clock
from otklik.workforce.forecast import WEEK, weekly_trend
from tests.support import Workspace


def weekly(i: int) -> float:
    """A week of chats: busy weekday afternoons, quiet nights and weekends."""
    day, slot = divmod(i % WEEK, 48)
    daytime = max(0.0, math.sin((slot - 14) / 34 * math.pi)) if 14 <= slot < 48 else 0.0
    return (12 if day < 5 else 3) * daytime


def test_the_forecast_follows_the_week_and_the_trend() -> None:
    def growing(i: int) -> float:
        return weekly(i) + 2 * i / WEEK  # two more chats per half-hour every week

    history = [growing(i) for i in range(4 * WEEK)]
    fitted, ahead = weekly_trend(history, WEEK)
    assert len(fitted) == len(history) and len(ahead) == WEEK
    truth = [growing(i) for i in range(4 * WEEK, 5 * WEEK)]
    error = sum(abs(a - t) for a, t in zip(ahead, truth, strict=True)) / sum(truth)
    assert error < 0.15
    # The weekly shape: a Monday afternoon is far busier than a Sunday one or a night.
    monday_3pm, sunday_3pm, monday_3am = 30, 6 * 48 + 30, 6
    assert ahead[monday_3pm] - ahead[sunday_3pm] > 6  # 9 in truth
    assert ahead[monday_3am] < ahead[monday_3pm] / 2
    # The trend carries on: next week's weekdays above the last week's.
    assert sum(ahead[: 5 * 48]) > sum(history[-WEEK:][: 5 * 48])
    assert min(ahead) >= 0


MONDAY = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[None]:
    yield
    clock.freeze(None)


async def test_forecast_from_conversations_against_actuals(
    workspace: Workspace, frozen: None
) -> None:
    # Three weeks: on weekdays two chats between 10:00 and 10:30, at weekends none.
    for day in range(21):
        if day % 7 < 5:
            for minute in (5, 20):
                clock.freeze(MONDAY + timedelta(days=day, hours=10, minutes=minute))
                visitor = await workspace.visitor(f"Гость {day}-{minute}")
                await visitor.say("Здравствуйте")
    clock.freeze(MONDAY + timedelta(weeks=3, minutes=1))  # Monday of the fourth week, 00:01

    response = await workspace.api.get(
        "/api/v1/workforce/forecast", headers=workspace.auth(), params={"weeks": 1}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["interval_minutes"] == 30
    history, ahead = body["history"], body["forecast"]
    assert len(history) == WEEK and len(ahead) == WEEK
    assert datetime.fromisoformat(ahead[0]["start"]) == MONDAY + timedelta(weeks=3)
    # The last week's actual counts are there beside the fitted values.
    actual = {datetime.fromisoformat(p["start"]): p["actual"] for p in history}
    assert actual[MONDAY + timedelta(weeks=2, hours=10)] == 2
    assert actual[MONDAY + timedelta(weeks=2, hours=11)] == 0
    assert sum(actual.values()) == 10
    expected = {datetime.fromisoformat(p["start"]): p["expected"] for p in ahead}
    monday_10 = MONDAY + timedelta(weeks=3, hours=10)
    saturday_10 = MONDAY + timedelta(weeks=3, days=5, hours=10)
    assert expected[monday_10] == pytest.approx(2, abs=0.6)
    assert expected[saturday_10] < 0.5
    assert expected[monday_10 + timedelta(hours=4)] < 0.5


async def test_forecast_needs_two_weeks_and_a_lead(workspace: Workspace, frozen: None) -> None:
    _, anna = await workspace.agent("anna@example.com")
    denied = await workspace.api.get("/api/v1/workforce/forecast", headers=workspace.auth(anna))
    assert denied.status_code == 403
    empty = await workspace.api.get("/api/v1/workforce/forecast", headers=workspace.auth())
    assert empty.status_code == 422
    clock.freeze(MONDAY)
    visitor = await workspace.visitor("Гость")
    await visitor.say("Привет")
    clock.freeze(MONDAY + timedelta(days=10))
    short = await workspace.api.get("/api/v1/workforce/forecast", headers=workspace.auth())
    assert short.status_code == 422
    assert "2 full weeks" in short.json()["error"]["message"]
    for params in ({"weeks": 0}, {"weeks": 7}, {"history_weeks": 1}):
        bad = await workspace.api.get(
            "/api/v1/workforce/forecast", headers=workspace.auth(), params=params
        )
        assert bad.status_code == 422, params
