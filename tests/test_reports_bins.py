"""The reports' distributions binned by the database (``reports/stats.py``) against the
exact figures computed here from the same facts, on SQLite and PostgreSQL: 240 conversations
with spread-out durations, several responses and handling segments each, some resolved
twice, written through the live write path (a fact and its hour's rollup); and the counts of
a period cut mid-hour (rollups for the whole hours, facts for the ends) after late facts."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from otklik.core.db import Base, Database
from otklik.reports import breakdowns, metrics, recording
from otklik.reports.metrics import Filters
from otklik.reports.models import ReportFact
from otklik.reports.recording import Span, Where
from otklik.reports.schemas import Stat
from otklik.reports.stats import BIN_RATIO, stat

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
PERIOD = Filters(since=START + timedelta(hours=6), until=START + timedelta(days=2))


async def _conversations(db: Database, n: int) -> None:
    tables = Base.metadata.tables
    async with db.session(write=True) as session:
        await session.execute(
            tables["inboxes"].insert(),
            [{"id": 1, "name": "Bins", "channel": "widget", "public_key": "bins"}],
        )
        await session.execute(
            tables["contacts"].insert(), [{"id": i, "name": f"C{i}"} for i in range(1, n + 1)]
        )
        await session.execute(
            tables["conversations"].insert(),
            [
                {"id": i, "inbox_id": 1, "contact_id": i, "channel": "widget", "created_at": START}
                for i in range(1, n + 1)
            ],
        )


Fact = tuple[int, str, datetime, float, float, int | None, bool, int]


def _facts(n: int) -> list[Fact]:
    """(conversation, kind, at, seconds, business seconds, n, first, agent)."""
    rng = random.Random(16)
    facts: list[Fact] = []
    for c in range(1, n + 1):
        at = START + timedelta(minutes=rng.randint(0, 2 * 24 * 60))
        agent = 1 + c % 5
        made: list[tuple[str, datetime, float, int | None, bool]] = [
            ("created", at, 0.0, None, False)
        ]
        made.append(("first_response", at, rng.lognormvariate(6, 1.5), None, False))
        for _ in range(rng.randint(1, 4)):
            at += timedelta(minutes=rng.randint(1, 300))
            made.append(("response", at, rng.lognormvariate(6, 1.5), None, False))
        for _ in range(rng.randint(1, 2)):
            at += timedelta(minutes=rng.randint(1, 300))
            made.append(("handle", at, rng.lognormvariate(8, 1), rng.randint(1, 3), False))
        for i in range(1 if c % 4 else 2):
            at += timedelta(minutes=rng.randint(1, 600))
            made.append(("resolved", at, (at - START).total_seconds(), 1, i == 0))
        for kind, when, seconds, k, first in made:
            business = seconds * rng.choice((1.0, 0.5, 0.25))
            facts.append((c, kind, when, seconds, business, k, first, agent))
    return facts


async def _write(db: Database, facts: list[Fact]) -> None:
    def write(conn: Any) -> None:
        for c, kind, at, seconds, business, k, first, agent in facts:
            where = Where(c, 1, "widget", 1)
            measured = Span(seconds, business) if kind != "created" else None
            agent_id = None if kind == "created" else agent
            recording.add(
                conn, where, kind, at, agent_id=agent_id, measured=measured, n=k, first=first
            )

    async with db.session(write=True) as session:
        await session.run_sync(lambda s: write(s.connection()))


def _exact(facts: list[Fact], clock: int) -> dict[str, Stat]:
    """The definitions of docs/metrics.md, computed from every fact of the period."""
    inside = [f for f in facts if PERIOD.since <= f[2] < PERIOD.until]
    of = defaultdict(list)
    for f in inside:
        of[f[1]].append(f)
    per: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for f in sorted(inside, key=lambda f: f[2]):
        per[f[1]][f[0]].append(f[3 + clock])
    last = {c: values[-1] for c, values in per["resolved"].items()}
    return {
        "first_response": stat(f[3 + clock] for f in of["first_response"]),
        "response": stat(sum(v) / len(v) for v in per["response"].values()),
        "resolution_first": stat(f[3 + clock] for f in of["resolved"] if f[6]),
        "resolution_full": stat(last.values()),
        "handle": stat(sum(v) for v in per["handle"].values()),
    }


def _close(got: Stat, want: Stat) -> None:
    assert got.count == want.count
    assert want.mean is not None and got.mean is not None
    assert math.isclose(got.mean, want.mean, rel_tol=1e-9)
    for name in ("median", "p90"):
        value, exact = getattr(got, name), getattr(want, name)
        # Within one bin: (1 + value) ÷ (1 + exact) within the bin ratio.
        assert 1 / BIN_RATIO <= (1 + value) / (1 + exact) <= BIN_RATIO, (name, value, exact)


async def test_binned_distributions_match_the_exact_ones(db: Database) -> None:
    await _conversations(db, 240)
    facts = _facts(240)
    await _write(db, facts)
    async with db.session(write=False) as session:
        got = await metrics.figures(session, PERIOD)
    for clock, name in ((0, "calendar"), (1, "business")):
        want = _exact(facts, clock)
        for metric, exact in want.items():
            _close(getattr(getattr(got, metric), name), exact)
    assert got.response.calendar.count > 200  # most of the 240 conversations, not a few


async def test_counts_of_a_cut_period_after_late_facts(db: Database) -> None:
    await _conversations(db, 240)
    facts = _facts(240)
    # Written in a shuffled order, as late events and the backfill write them.
    random.Random(7).shuffle(facts)
    await _write(db, facts)
    cut = Filters(
        since=PERIOD.since + timedelta(minutes=17), until=PERIOD.until - timedelta(minutes=29)
    )
    async with db.session(write=False) as session:
        counted = await metrics.counts(session, ("created", "resolved", "response"), cut)
        by_agent = await breakdowns.table(session, cut, "agent")
        heat = {
            zone: await breakdowns.heatmap(session, cut, timezone=zone)
            for zone in ("Europe/Moscow", "Asia/Kolkata")
        }
        for kind, n in counted.items():
            in_facts = await session.scalar(
                select(func.count()).where(
                    ReportFact.kind == kind, ReportFact.at >= cut.since, ReportFact.at < cut.until
                )
            )
            assert n == in_facts, kind
    want = sum(1 for f in facts if f[1] == "resolved" and cut.since <= f[2] < cut.until)
    assert counted["resolved"] == want > 0
    assert sum(row.resolved for row in by_agent) == want
    # The heatmap of the cut period (Moscow: rollups and facts; UTC+5:30: local hours
    # straddle the UTC ones of the rollups, so the facts).
    for zone, got in heat.items():
        cells: dict[tuple[int, int], int] = defaultdict(int)
        for f in facts:
            if f[1] == "created" and cut.since <= f[2] < cut.until:
                local = f[2].astimezone(ZoneInfo(zone))
                cells[(local.weekday(), local.hour)] += 1
        assert {(c.weekday, c.hour): c.n for c in got} == cells, zone
    handled = [f for f in facts if f[1] == "handle" and cut.since <= f[2] < cut.until]
    total = sum(row.handle_total for row in by_agent)
    assert math.isclose(total, sum(f[3] for f in handled), rel_tol=1e-9)
