"""Erlang A (issue 17, staffing with customer patience): the published figures of a worked
example, the limit of infinite patience (Erlang C), the simulation with abandonment within
one operator, and the model chosen when the patience is known."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from otklik.core import clock
from otklik.workforce import erlang, erlang_a, simulation
from otklik.workforce.staffing import figures_for
from tests.support import Workspace
from tests.test_workforce_staffing import simulation_result


def test_erlang_a_against_the_published_worked_example() -> None:
    """pyworkforce's Erlang A guide (pyworkforce.rodrigo-arenas.com, "Erlang A
    (abandonment)"): 100 chats in 30 minutes, AHT 3 minutes, 80 % within 20 seconds,
    patience 5 minutes, occupancy at most 85 %, abandonment at most 5 % → 13 positions with
    service level 0.858, occupancy 0.750, abandonment 0.025, waiting probability 0.226 and
    an average speed of answer of 0.125 minutes."""
    found = erlang_a.required_slots(
        load=10, aht=180, patience=300, target_level=0.8, target_seconds=20, max_occupancy=0.85
    )
    assert found.slots == 13
    assert found.service_level == pytest.approx(0.858, abs=5e-4)
    assert found.occupancy == pytest.approx(0.750, abs=5e-4)
    assert found.abandonment == pytest.approx(0.025, abs=5e-4)
    assert found.wait_probability == pytest.approx(0.226, abs=5e-4)
    assert found.average_wait / 60 == pytest.approx(0.125, abs=5e-4)
    assert found.abandonment <= 0.05
    # 12 slots miss the level: the search stops at the first that reaches it.
    assert erlang_a.metrics(12, 10, 180, 300, 20).service_level < 0.8


@pytest.mark.parametrize("slots", [13, 14, 16, 20])
def test_infinite_patience_is_erlang_c(slots: int) -> None:
    load, aht = 12.0, 360.0
    patient = erlang_a.metrics(slots, load, aht, 1e9, 20)
    assert patient.service_level == pytest.approx(
        erlang.service_level(slots, load, aht, 20), abs=1e-4
    )
    assert patient.wait_probability == pytest.approx(erlang.erlang_c(slots, load), abs=1e-4)
    assert patient.average_wait == pytest.approx(erlang.average_wait(slots, load, aht), rel=1e-3)
    assert patient.abandonment < 1e-4


def test_the_reference_figure_holds_with_patient_customers_and_drops_with_impatient_ones() -> None:
    reference = {"load": 12.0, "aht": 360.0, "target_level": 0.8, "target_seconds": 20}
    assert erlang_a.required_slots(**reference, patience=1e7).slots == 16
    impatient = erlang_a.required_slots(**reference, patience=120)
    assert impatient.slots < 16
    assert 0.01 < impatient.abandonment < 0.2
    # Abandoned chats are misses: the level never exceeds the share answered.
    assert impatient.service_level <= 1 - impatient.abandonment


def test_an_overloaded_queue_is_stable_with_abandonment() -> None:
    tight = erlang_a.metrics(5, 12, 360, 60, 20)
    assert tight.abandonment == pytest.approx(1 - 5 * 0.9598 / 12, abs=0.01)  # ~60 % leave
    assert tight.occupancy < 1
    assert 0 < tight.service_level < 0.3


def test_the_simulation_with_abandonment_agrees_within_one_operator() -> None:
    question = {"chats_per_hour": 120, "aht": 360, "target_level": 0.8, "target_seconds": 20}
    expected = erlang_a.required_slots(
        load=12, aht=360, patience=120, target_level=0.8, target_seconds=20
    )
    simulated = simulation.required_slots(**question, patience=120, hours=100)
    assert abs(simulated.slots - expected.slots) <= 1
    assert simulated.abandoned == pytest.approx(expected.abandonment, abs=0.03)


def test_the_model_follows_the_patience() -> None:
    question = {
        "chats_per_hour": 120,
        "aht": 360,
        "concurrency": 1,
        "target_level": 0.8,
        "target_seconds": 20,
        "max_occupancy": 1.0,
        "shrinkage": 0.2,
    }
    c = figures_for(**question, patience=None)
    a = figures_for(**question, patience=120)
    assert (c.model, c.staffing.operators, c.staffing.scheduled) == ("erlang_c", 16, 20)
    assert a.model == "erlang_a" and a.staffing.operators < 16 and a.abandonment > 0
    # So patient that Erlang A would sum millions of states: Erlang C answers.
    endless = figures_for(**question, patience=1e12)
    assert endless.model == "erlang_c"


# --- patience from our own first waits, and the API, on both databases


@pytest.fixture
def frozen() -> Iterator[None]:
    clock.freeze(datetime.now(UTC).replace(microsecond=0) - timedelta(days=1))
    yield
    clock.freeze(None)


def later(minutes: float) -> None:
    clock.freeze(clock.utcnow() + timedelta(minutes=minutes))


async def test_patience_from_abandoned_chats_chooses_erlang_a(
    workspace: Workspace, frozen: None
) -> None:
    # (short simulations: only the last one's figure is checked)
    question = {"chats_per_hour": 120, "aht_seconds": 360, "simulated_hours": 10}
    # No abandonment data yet: Erlang C, and Erlang A only with a patience given.
    plain = await workspace.api.post(
        "/api/v1/workforce/staffing", headers=workspace.auth(), json=question
    )
    assert plain.status_code == 200, plain.text
    assert (plain.json()["model"], plain.json()["operators"]) == ("erlang_c", 16)
    assert plain.json()["patience_seconds"] is None
    forced = await workspace.api.post(
        "/api/v1/workforce/staffing",
        headers=workspace.auth(),
        json={**question, "model": "erlang_a"},
    )
    assert forced.status_code == 422
    assert "patience_seconds" in forced.json()["error"]["message"]
    given = await workspace.api.post(
        "/api/v1/workforce/staffing",
        headers=workspace.auth(),
        json={**question, "patience_seconds": 120},
    )
    assert given.status_code == 200, given.text
    assert (given.json()["model"], given.json()["patience_source"]) == ("erlang_a", "given")
    assert given.json()["operators"] < 16 and given.json()["abandonment"] > 0

    # Four chats answered after 1 minute each; five left unanswered and closed after 3.
    for n in range(4):
        visitor = await workspace.visitor(f"Ждёт {n}")
        conversation_id = int((await visitor.say("Здравствуйте"))["conversation_id"])
        later(1)
        await workspace.reply(conversation_id, "Добрый день!")
    for n in range(5):
        visitor = await workspace.visitor(f"Ушёл {n}")
        conversation_id = int((await visitor.say("Есть кто?"))["conversation_id"])
        later(3)
        closed = await workspace.api.post(
            f"/api/v1/conversations/{conversation_id}/status",
            headers=workspace.auth(),
            json={"status": "resolved"},
        )
        assert closed.status_code == 200, closed.text
    later(1)
    seen = await workspace.api.get("/api/v1/workforce/patience", headers=workspace.auth())
    assert seen.status_code == 200, seen.text
    # Every wait (4 × 60 s answered, 5 × 180 s abandoned) over the 5 abandoned: 228 s.
    assert seen.json() == {
        "days": 28,
        "answered": 4,
        "abandoned": 5,
        "abandonment": round(5 / 9, 4),
        "patience_seconds": 228.0,
    }
    measured = await workspace.api.post(
        "/api/v1/workforce/staffing",
        headers=workspace.auth(),
        json={**question, "simulated_hours": 100},
    )
    body = measured.json()
    assert (body["model"], body["patience_source"], body["patience_seconds"]) == (
        "erlang_a",
        "measured",
        228.0,
    )
    assert body["operators"] < 16
    # Erlang C on request, whatever the data.
    c = await workspace.api.post(
        "/api/v1/workforce/staffing",
        headers=workspace.auth(),
        json={**question, "model": "erlang_c"},
    )
    assert (c.json()["model"], c.json()["operators"], c.json()["abandonment"]) == (
        "erlang_c",
        16,
        0,
    )

    clock.freeze(None)  # the job runner's clock runs again
    result = await simulation_result(workspace, body["simulation_id"])
    assert result["state"] == "done"
    assert result["params"]["patience_seconds"] == 228.0
    assert abs(result["operators"] - body["operators"]) <= 1
    assert result["abandoned"] > 0
