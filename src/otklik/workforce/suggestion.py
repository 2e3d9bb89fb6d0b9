"""Schedule suggestion: how many operators start each shift template on each day of a week so
that every half-hour has the staff it needs, with the least over-staffing (OR-Tools CP-SAT,
the model ``pyworkforce``'s ``MinAbsDifference`` solves, written for our templates).

The week is 7 × 48 local half-hours from ``week_start`` 00:00 in the workspace's time zone,
taken as repeating: a night shift starting on the last day covers the first day's early
hours. An operator covers a half-hour when they work at least 15 of its minutes outside
their breaks. Every half-hour's shortage is penalised far above any over-staffing, so the
answer covers the requirement whenever the templates (and ``max_per_day``) can; what they
cannot is reported as ``shortage``. Then the fewest people among equally good answers.

The solver is deterministic: one search worker, a fixed seed, and the limit counted in its
deterministic time (its own measure of work, not the clock), so the same input gives the
same answer on a busy machine as on an idle one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.db import Database
from otklik.core.errors import invalid
from otklik.workforce import forecast, shifts
from otklik.workforce.schemas import (
    ShiftTemplateOut,
    StaffingTargets,
    SuggestedShift,
    SuggestedStart,
    SuggestionIn,
    SuggestionOut,
)
from otklik.workforce.staffing import figures_for

DAYS = 7
SLOTS_PER_DAY = 48
WEEK = DAYS * SLOTS_PER_DAY
SLOT_MINUTES = 30
WEEK_MINUTES = DAYS * 24 * 60
#: A half-hour is covered by a shift that works this many of its minutes.
COVERING_MINUTES = 15
#: Objective weights: a missing operator-interval outweighs any over-staffing, and one
#: over-staffed interval outweighs one more person.
SHORTAGE_WEIGHT = 10_000_000
OVER_WEIGHT = 1_000


@dataclass(frozen=True, slots=True)
class Template:
    id: int
    #: Minutes after local midnight.
    start: int
    length: int
    #: (offset from the start, minutes) of each break.
    breaks: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Solution:
    #: ``counts[day][k]``: operators starting template ``k`` (in the order given) on ``day``.
    counts: list[list[int]]
    coverage: list[int]
    over_staffing: int
    shortage: int
    #: ``optimal`` or ``feasible`` (the limit came first).
    status: str
    solve_seconds: float


def covered_intervals(template: Template, day: int) -> list[int]:
    """The week's half-hours (0‥335) that template started on ``day`` covers."""
    worked = [True] * template.length
    for offset, minutes in template.breaks:
        for k in range(offset, min(template.length, offset + minutes)):
            worked[k] = False
    per_slot: dict[int, int] = {}
    first = day * 24 * 60 + template.start
    for k, on in enumerate(worked):
        if on:
            slot = ((first + k) % WEEK_MINUTES) // SLOT_MINUTES
            per_slot[slot] = per_slot.get(slot, 0) + 1
    return sorted(slot for slot, minutes in per_slot.items() if minutes >= COVERING_MINUTES)


def solve(
    requirement: Sequence[int],
    templates: Sequence[Template],
    *,
    max_per_day: int | None = None,
    time_limit: float = 10.0,
) -> Solution:
    """Starts per day and template covering ``requirement`` (336 half-hours) with the least
    over-staffing; ``time_limit`` in the solver's deterministic seconds."""
    from ortools.sat.python import cp_model  # (heavy import: only when asked)

    if len(requirement) != WEEK:
        raise ValueError(f"the requirement has {WEEK} half-hours")
    model = cp_model.CpModel()
    top = max(max(requirement, default=0), 1)
    cap = top if max_per_day is None else min(top, max_per_day)
    starts = [
        [model.new_int_var(0, cap, f"x_{day}_{k}") for k in range(len(templates))]
        for day in range(DAYS)
    ]
    covering: list[list[cp_model.IntVar]] = [[] for _ in range(WEEK)]
    for day in range(DAYS):
        for k, template in enumerate(templates):
            for slot in covered_intervals(template, day):
                covering[slot].append(starts[day][k])
    over = [model.new_int_var(0, cap * max(1, len(covering[i])), f"o_{i}") for i in range(WEEK)]
    short = [model.new_int_var(0, requirement[i], f"s_{i}") for i in range(WEEK)]
    for i in range(WEEK):
        model.add(sum(covering[i]) + short[i] - over[i] == requirement[i])
    if max_per_day is not None:
        for day in range(DAYS):
            model.add(sum(starts[day]) <= max_per_day)
    people = [x for row in starts for x in row]
    model.minimize(SHORTAGE_WEIGHT * sum(short) + OVER_WEIGHT * sum(over) + sum(people))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 17
    solver.parameters.max_deterministic_time = time_limit
    # a guard for a machine so loaded that deterministic time crawls: the answer may then
    # differ, but the request still ends
    solver.parameters.max_time_in_seconds = time_limit * 3
    began = time.perf_counter()
    status = solver.solve(model)
    elapsed = time.perf_counter() - began
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ValueError("no schedule found within the time limit: give it longer")
    counts = [[int(solver.value(x)) for x in row] for row in starts]
    coverage = [sum(int(solver.value(x)) for x in covering[i]) for i in range(WEEK)]
    return Solution(
        counts=counts,
        coverage=coverage,
        over_staffing=sum(max(0, c - r) for c, r in zip(coverage, requirement, strict=True)),
        shortage=sum(max(0, r - c) for c, r in zip(coverage, requirement, strict=True)),
        status="optimal" if status == cp_model.OPTIMAL else "feasible",
        solve_seconds=elapsed,
    )


def _template(row: ShiftTemplateOut) -> Template:
    hours, minutes = (int(part) for part in row.start.split(":"))
    return Template(
        id=row.id,
        start=hours * 60 + minutes,
        length=row.length_minutes,
        breaks=tuple((b.offset, b.minutes) for b in row.breaks),
    )


def suggested_shifts(
    week_start: date, templates: Sequence[ShiftTemplateOut], counts: Sequence[Sequence[int]]
) -> list[SuggestedShift]:
    """The suggestion as shifts to place: one row per day and template with operators
    (``count`` of them start it), times as instants from the workspace's time zone. What
    accepting the suggestion into the calendar gives ``place_shift`` one operator at a time."""
    zone = shifts.workspace_zone()
    rows: list[SuggestedShift] = []
    for day in range(DAYS):
        on = week_start + timedelta(days=day)
        for template, count in zip(templates, counts[day], strict=True):
            if count <= 0:
                continue
            hours, minutes = (int(part) for part in template.start.split(":"))
            local = datetime(on.year, on.month, on.day, hours, minutes, tzinfo=zone)
            starts_at = local.astimezone(UTC)
            rows.append(
                SuggestedShift(
                    date=on,
                    template_id=template.id,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=template.length_minutes),
                    count=count,
                )
            )
    return rows


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a suggestion reads from the database: the templates, and the forecast volume
    per half-hour of the week when the requirement is to be derived from it."""

    templates: list[ShiftTemplateOut]
    volume: list[float | None] | None


async def read_inputs(session: AsyncSession, data: SuggestionIn) -> Inputs:
    """The templates asked (all when none are named) and, without a requirement, the
    forecast (its model runs in a worker thread)."""
    available = await shifts.list_templates(session)
    if data.template_ids is not None:
        by_id = {t.id: t for t in available}
        missing = [i for i in data.template_ids if i not in by_id]
        if missing:
            raise invalid(f"Unknown shift templates: {missing}.")
        chosen = [by_id[i] for i in dict.fromkeys(data.template_ids)]
    else:
        chosen = sorted(available, key=lambda t: t.id)
    if not chosen:
        raise invalid("No shift templates: create one first.")
    if data.requirement is not None:
        return Inputs(chosen, None)
    outlook = await forecast.forecast(session, weeks=2, history_weeks=8)
    first = datetime(
        data.week_start.year,
        data.week_start.month,
        data.week_start.day,
        tzinfo=shifts.workspace_zone(),
    ).astimezone(UTC)
    volume: list[float | None] = [None] * WEEK
    for point in outlook.forecast:
        index = int((point.start - first) / timedelta(minutes=SLOT_MINUTES))
        if 0 <= index < WEEK:
            volume[index] = point.expected
    if all(v is None for v in volume):
        raise invalid("The forecast does not reach that week: pick a week in the next two.")
    return Inputs(chosen, volume)


def requirement_from_volume(volume: Sequence[float | None], params: StaffingTargets) -> list[int]:
    """People to schedule per half-hour: each half-hour's forecast chats through Erlang A
    (with a patience) or C (``staffing.figures_for``) with the staffing targets."""
    needed: dict[float, int] = {}
    result: list[int] = []
    for chats in volume:
        per_hour = round((chats or 0.0) * 60 / SLOT_MINUTES, 1)
        if per_hour <= 0:
            result.append(0)
            continue
        if per_hour not in needed:
            needed[per_hour] = figures_for(
                chats_per_hour=per_hour,
                aht=params.aht_seconds,
                concurrency=params.concurrency,
                target_level=params.target_level,
                target_seconds=params.target_seconds,
                max_occupancy=params.max_occupancy,
                shrinkage=params.shrinkage,
                patience=params.patience_seconds,
            ).staffing.scheduled
        result.append(needed[per_hour])
    return result


def suggest(data: SuggestionIn, inputs: Inputs) -> SuggestionOut:
    """The suggestion (CPU work, seconds at most: run it in a thread, outside any
    transaction). ``ValueError`` when the solver found nothing within its limit."""
    chosen = inputs.templates
    if data.requirement is not None:
        requirement = list(data.requirement)
    else:
        assert inputs.volume is not None and data.staffing is not None
        requirement = requirement_from_volume(inputs.volume, data.staffing)
    found = solve(
        requirement,
        [_template(t) for t in chosen],
        max_per_day=data.max_per_day,
        time_limit=data.time_limit_seconds,
    )
    return SuggestionOut(
        week_start=data.week_start,
        interval_minutes=SLOT_MINUTES,
        status=found.status,
        solve_seconds=round(found.solve_seconds, 3),
        requirement=requirement,
        coverage=found.coverage,
        over_staffing=found.over_staffing,
        shortage=found.shortage,
        people=sum(sum(row) for row in found.counts),
        starts=[
            SuggestedStart(
                day=day,
                date=data.week_start + timedelta(days=day),
                template_id=template.id,
                template_name=template.name,
                count=found.counts[day][k],
            )
            for day in range(DAYS)
            for k, template in enumerate(chosen)
        ],
        shifts=suggested_shifts(data.week_start, chosen, found.counts),
    )


async def shifts_to_place(db: Database, data: SuggestionIn) -> list[SuggestedShift]:
    """The suggestion as the shifts to place in the calendar (``date``, ``template_id``,
    ``starts_at``, ``ends_at``, ``count``): what accepting it hands to the calendar's
    ``place_shift``, one operator at a time. Reads in a read-only session and solves in a
    worker thread, so the caller should not hold a write transaction around it."""
    async with db.session(write=False) as session:
        inputs = await read_inputs(session, data)
    found = await asyncio.to_thread(suggest, data, inputs)
    return found.shifts
