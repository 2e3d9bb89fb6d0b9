"""Staffing: handle time by concurrency from our own dialogs, Erlang C's answer at once and
the simulation's as a background job (``workforce/erlang.py``, ``workforce/simulation.py``).

A dialog's concurrency is how many dialogs its operator had open on average (time-weighted)
while it was handled, rounded; its handle time is how long it was handled. Measured over the
last ``days``: the AHT at each concurrency is what Erlang C gets when none is given.
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.clock import utcnow
from otklik.core.errors import invalid, not_found
from otklik.jobs.registry import IOJobContext, enqueue, io_job
from otklik.workforce import erlang, erlang_a, simulation
from otklik.workforce.models import HandlingInterval, StaffingSimulation
from otklik.workforce.patience import MIN_ABANDONED, estimate_patience
from otklik.workforce.schemas import HandleTimeOut, SimulationOut, StaffingIn, StaffingOut

SIMULATE_JOB = "workforce.simulate"


async def handle_times(session: AsyncSession, *, days: int) -> list[HandleTimeOut]:
    """Mean handle time of the dialogs ended in the last ``days``, by concurrency."""
    since = utcnow() - timedelta(days=days)
    rows = (
        await session.scalars(
            select(HandlingInterval)
            .where(HandlingInterval.ended_at.is_not(None), HandlingInterval.ended_at > since)
            .order_by(HandlingInterval.agent_id, HandlingInterval.started_at)
        )
    ).all()
    by_agent: dict[int, list[HandlingInterval]] = defaultdict(list)
    for row in rows:
        by_agent[row.agent_id].append(row)
    totals: dict[int, list[float]] = defaultdict(lambda: [0.0, 0])
    for intervals in by_agent.values():
        for dialog in intervals:
            assert dialog.ended_at is not None
            length = (dialog.ended_at - dialog.started_at).total_seconds()
            if length <= 0:
                continue
            overlap = 0.0  # seconds of other dialogs during this one
            for other in intervals:  # (by start: none after this one's end counts)
                if other.started_at >= dialog.ended_at:
                    break
                if other is dialog or other.ended_at is None:
                    continue
                lo = max(other.started_at, dialog.started_at)
                hi = min(other.ended_at, dialog.ended_at)
                if lo < hi:
                    overlap += (hi - lo).total_seconds()
            concurrency = max(1, math.floor(1 + overlap / length + 0.5))
            totals[concurrency][0] += length
            totals[concurrency][1] += 1
    return [
        HandleTimeOut(concurrency=c, aht_seconds=round(total / count, 1), dialogs=int(count))
        for c, (total, count) in sorted(totals.items())
    ]


@dataclass(frozen=True, slots=True)
class Figures:
    """One model's answer, whichever model gave it."""

    model: str
    staffing: erlang.Staffing
    abandonment: float


def figures_for(
    *,
    chats_per_hour: float,
    aht: float,
    concurrency: int,
    target_level: float,
    target_seconds: float,
    max_occupancy: float,
    shrinkage: float,
    patience: float | None,
) -> Figures:
    """Erlang A when a patience is given (Erlang C if it is too long to matter), else
    Erlang C; slots become operators and people to schedule the same way for both."""
    if patience is not None:
        load = chats_per_hour * aht / 3600
        try:
            found = erlang_a.required_slots(
                load=load,
                aht=aht,
                patience=patience,
                target_level=target_level,
                target_seconds=target_seconds,
                max_occupancy=max_occupancy,
            )
        except erlang_a.PatienceTooLong:
            pass
        else:
            operators = math.ceil(found.slots / concurrency)
            return Figures(
                model="erlang_a",
                staffing=erlang.Staffing(
                    load=load,
                    slots=found.slots,
                    operators=operators,
                    scheduled=math.ceil(operators / (1 - shrinkage)) if operators else 0,
                    service_level=found.service_level,
                    occupancy=found.occupancy,
                    average_wait=found.average_wait,
                    wait_probability=found.wait_probability,
                ),
                abandonment=found.abandonment,
            )
    staffing = erlang.required(
        chats_per_hour=chats_per_hour,
        aht=aht,
        concurrency=concurrency,
        target_level=target_level,
        target_seconds=target_seconds,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
    return Figures(model="erlang_c", staffing=staffing, abandonment=0.0)


async def _patience(session: AsyncSession, data: StaffingIn) -> tuple[float | None, str | None]:
    """The patience the model uses and where it comes from (``None``: Erlang C)."""
    if data.model == "erlang_c":
        return None, None
    if data.patience_seconds is not None:
        return data.patience_seconds, "given"
    measured = (await estimate_patience(session, days=28)).patience_seconds
    if measured is not None:
        return measured, "measured"
    if data.model == "erlang_a":
        raise invalid(
            f"Fewer than {MIN_ABANDONED} abandoned chats in the last 28 days: "
            "give patience_seconds for Erlang A."
        )
    return None, None


async def recommend(
    session: AsyncSession, *, data: StaffingIn, requested_by_id: int
) -> StaffingOut:
    """Erlang A's or C's figures now; the same question queued for the simulation."""
    aht, source = data.aht_seconds, "given"
    if aht is None:
        measured = {h.concurrency: h for h in await handle_times(session, days=28)}
        if data.concurrency not in measured:
            raise invalid(
                f"No handled dialogs at concurrency {data.concurrency} in the last 28 days: "
                "give aht_seconds."
            )
        aht, source = measured[data.concurrency].aht_seconds, "measured"
    patience_seconds, patience_source = await _patience(session, data)
    try:
        found = figures_for(
            chats_per_hour=data.chats_per_hour,
            aht=aht,
            concurrency=data.concurrency,
            target_level=data.target_level,
            target_seconds=data.target_seconds,
            max_occupancy=data.max_occupancy,
            shrinkage=data.shrinkage,
            patience=patience_seconds,
        )
    except ValueError as exc:
        raise invalid(str(exc)) from exc
    if found.model == "erlang_c":
        patience_seconds = patience_source = None
    figures = found.staffing
    # the simulation answers the same question: customers abandon exactly when Erlang A's do
    params = {**data.model_dump(), "aht_seconds": aht, "patience_seconds": patience_seconds}
    row = StaffingSimulation(requested_by_id=requested_by_id, params=params, state="queued")
    session.add(row)
    await session.flush()
    await enqueue(session, name=SIMULATE_JOB, payload={"simulation_id": row.id}, max_attempts=2)
    return StaffingOut(
        model="erlang_a" if found.model == "erlang_a" else "erlang_c",
        aht_seconds=aht,
        aht_source=source,
        patience_seconds=patience_seconds,
        patience_source=patience_source,
        abandonment=round(found.abandonment, 4),
        load_erlangs=round(figures.load, 4),
        slots=figures.slots,
        operators=figures.operators,
        scheduled=figures.scheduled,
        service_level=round(figures.service_level, 4),
        occupancy=round(figures.occupancy, 4),
        average_wait_seconds=round(figures.average_wait, 2),
        wait_probability=round(figures.wait_probability, 4),
        simulation_id=row.id,
    )


async def get_simulation(session: AsyncSession, *, simulation_id: int) -> SimulationOut:
    row = await session.get(StaffingSimulation, simulation_id)
    if row is None:
        raise not_found("Simulation", simulation_id)
    result: dict[str, Any] = row.result or {}
    return SimulationOut(
        id=row.id,
        state=row.state,
        params=row.params,
        created_at=row.created_at,
        finished_at=row.finished_at,
        **result,
    )


def _simulate(params: dict[str, Any]) -> dict[str, Any]:
    """The simulation's answer to one question (CPU work: run in a thread)."""
    outcome = simulation.required_slots(
        chats_per_hour=params["chats_per_hour"],
        aht=params["aht_seconds"],
        target_level=params["target_level"],
        target_seconds=params["target_seconds"],
        max_occupancy=params["max_occupancy"],
        hours=params["simulated_hours"],
        patience=params.get("patience_seconds"),
        limit=erlang.MAX_SLOTS,
    )
    operators = math.ceil(outcome.slots / params["concurrency"])
    return {
        "slots": outcome.slots,
        "operators": operators,
        "scheduled": math.ceil(operators / (1 - params["shrinkage"])),
        "service_level": round(outcome.service_level, 4),
        "abandoned": round(outcome.abandoned, 4),
        "average_wait_seconds": round(outcome.average_wait, 2),
    }


@io_job(SIMULATE_JOB)
async def simulate_job(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    """Runs the simulation outside any transaction (seconds of CPU in a worker thread)."""
    simulation_id = int(payload["simulation_id"])
    async with ctx.db.session(write=False) as session:
        row = await session.get(StaffingSimulation, simulation_id)
        if row is None or row.state != "queued":
            return  # deleted, or already answered by an earlier run
        params = dict(row.params)
    try:
        result = await asyncio.to_thread(_simulate, params)
        state = "done"
    except Exception as exc:  # recorded where the lead sees it; the job is not retried
        result, state = {"error": f"{type(exc).__name__}: {exc}"[:500]}, "failed"
    async with ctx.db.session(write=True) as session:
        row = await session.get(StaffingSimulation, simulation_id)
        if row is not None:
            row.state, row.result, row.finished_at = state, result, utcnow()
