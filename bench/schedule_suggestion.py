"""Seconds to suggest a week of shifts (336 half-hours, six templates) with CP-SAT, beside a
greedy baseline in the same run, and what each leaves over-staffed.

``python -m bench.schedule_suggestion [--volume N] [--patience S] [--time-limit T]``: a week
of chats (busy weekday afternoons, quiet nights and weekends, ``N`` chats in the busiest
half-hour) becomes people per half-hour through Erlang A (``--patience``) or C; then
``suggestion.solve`` picks the shift starts, and a greedy cover (each time the first
half-hour short of people gets the shift covering it that over-staffs least) answers the
same requirement as the baseline.
"""

from __future__ import annotations

import argparse
import math
import time

from otklik.workforce.staffing import figures_for
from otklik.workforce.suggestion import WEEK, Template, covered_intervals, solve

#: Six templates from midnight to the evening, their lunches staggered (the night's none).
TEMPLATES = [
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


def volume(i: int, peak: float) -> float:
    day, slot = divmod(i, 48)
    shape = max(0.0, math.sin((slot - 14) / 34 * math.pi)) if slot >= 14 else 0.0
    return max(0.5, peak * shape * (1.0 if day < 5 else 0.35))


def requirement(peak: float, patience: float | None) -> tuple[list[int], str]:
    cache: dict[float, int] = {}
    need: list[int] = []
    model = "erlang_c"
    for i in range(WEEK):
        per_hour = round(volume(i, peak) * 2, 1)
        if per_hour not in cache:
            found = figures_for(
                chats_per_hour=per_hour,
                aht=360,
                concurrency=2,
                target_level=0.8,
                target_seconds=60,
                max_occupancy=0.85,
                shrinkage=0.3,
                patience=patience,
            )
            cache[per_hour], model = found.staffing.scheduled, found.model
        need.append(cache[per_hour])
    return need, model


def greedy(need: list[int]) -> tuple[int, int]:
    """(people, over-staffing) of the greedy cover."""
    options = [
        (day, k, covered_intervals(t, day)) for day in range(7) for k, t in enumerate(TEMPLATES)
    ]
    coverage = [0] * WEEK
    people = 0
    while True:
        short = next((i for i in range(WEEK) if coverage[i] < need[i]), None)
        if short is None:
            break
        best = min(
            (o for o in options if short in o[2]),
            key=lambda o: sum(1 for s in o[2] if coverage[s] >= need[s]),
        )
        for s in best[2]:
            coverage[s] += 1
        people += 1
    return people, sum(c - r for c, r in zip(coverage, need, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--volume", type=float, default=40, help="chats in the busiest half-hour")
    parser.add_argument("--patience", type=float, default=None, help="seconds: Erlang A")
    parser.add_argument("--time-limit", type=float, default=10)
    args = parser.parse_args()

    began = time.perf_counter()
    need, model = requirement(args.volume, args.patience)
    staffing_seconds = time.perf_counter() - began
    print(
        f"requirement: {WEEK} half-hours by {model} in {staffing_seconds:.3f} s; "
        f"peak {max(need)} people, {sum(need)} person-half-hours"
    )

    began = time.perf_counter()
    people_g, over_g = greedy(need)
    greedy_seconds = time.perf_counter() - began
    print(f"greedy (baseline): {greedy_seconds:.3f} s, {people_g} shifts, over-staffing {over_g}")

    for cap in (None, max(need) * 2):
        began = time.perf_counter()
        found = solve(need, TEMPLATES, max_per_day=cap, time_limit=args.time_limit)
        seconds = time.perf_counter() - began
        people = sum(sum(row) for row in found.counts)
        label = "CP-SAT" if cap is None else f"CP-SAT, at most {cap} a day"
        print(
            f"{label}: {seconds:.3f} s ({found.status}), {people} shifts, over-staffing "
            f"{found.over_staffing}, shortage {found.shortage}; "
            f"time {seconds / greedy_seconds:.1f}x the greedy's, "
            f"over-staffing {found.over_staffing / max(1, over_g):.2f}x"
        )


if __name__ == "__main__":
    main()
