"""The reports' distributions binned by the database (``reports/stats.py``) against the
exact figures computed here from the same facts, on SQLite and PostgreSQL: 240 conversations
with spread-out durations, several responses and handling segments each, some resolved
twice, written through the live write path (a fact and its hour's rollup); and the counts of
a period cut mid-hour (rollups for the whole hours, facts for the ends) after late facts."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from otklik.core.db import Base, Database
from otklik.reports import breakdowns, derive, distributions, metrics, recording
from otklik.reports.filters import Filters
from otklik.reports.models import ReportFact
from otklik.reports.recording import Span, Where
from otklik.reports.schemas import Stat
from otklik.reports.stats import BIN_RATIO, stat
from tests.report_checks import same_figures

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
PERIOD = Filters(since=START + timedelta(hours=6), until=START + timedelta(days=2))


async def conversations(db: Database, n: int) -> None:
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
    """(conversation, kind, at, seconds, business seconds, n, first, agent): each resolution
    closes a cycle of responses and handling segments and carries its ``conv_*`` facts, as
    the live path writes them (``tracking.py``); every 4th conversation is reopened and
    resolved again."""
    rng = random.Random(16)
    facts: list[Fact] = []
    for c in range(1, n + 1):
        at = START + timedelta(minutes=rng.randint(0, 2 * 24 * 60))
        born = at
        agent = 1 + c % 5
        made: list[tuple[str, datetime, float, float, int | None, bool]] = [
            ("created", at, 0.0, 0.0, None, False)
        ]

        def timed(seconds: float) -> tuple[float, float]:
            return seconds, seconds * rng.choice((1.0, 0.5, 0.25))

        made.append(("first_response", at, *timed(rng.lognormvariate(6, 1.5)), None, False))
        for cycle in range(1 if c % 4 else 2):
            if cycle:
                at += timedelta(minutes=rng.randint(1, 600))
                made.append(("reopened", at, 0.0, 0.0, None, False))
            responses, handles = [], []
            for _ in range(rng.randint(1, 4)):
                at += timedelta(minutes=rng.randint(1, 300))
                responses.append(timed(rng.lognormvariate(6, 1.5)))
                made.append(("response", at, *responses[-1], None, False))
            for _ in range(rng.randint(1, 2)):
                at += timedelta(minutes=rng.randint(1, 300))
                k = rng.randint(1, 3)
                handles.append((*timed(rng.lognormvariate(8, 1)), k))
                made.append(("handle", at, handles[-1][0], handles[-1][1], k, False))
            at += timedelta(minutes=rng.randint(1, 600))
            resolution = (at - born).total_seconds()
            made.append(("resolved", at, *timed(resolution), len(responses), cycle == 0))
            mean = [sum(r[i] for r in responses) / len(responses) for i in (0, 1)]
            made.append(("conv_response", at, mean[0], mean[1], len(responses), False))
            summed = [sum(h[i] for h in handles) for i in (0, 1)]
            made.append(("conv_handle", at, summed[0], summed[1], len(handles), False))
            shared = [sum(h[i] / h[2] for h in handles) for i in (0, 1)]
            made.append(("conv_handle_dialog", at, shared[0], shared[1], len(handles), False))
        for kind, when, seconds, business, k, first in made:
            facts.append((c, kind, when, seconds, business, k, first, agent))
    return facts


def _one_place(conversation_id: int) -> Where:
    return Where(conversation_id, 1, "widget", 1)


async def _write(
    db: Database, facts: list[Fact], place: Callable[[int], Where] = _one_place
) -> None:
    def write(conn: Any) -> None:
        for c, kind, at, seconds, business, k, first, agent in facts:
            where = place(c)
            measured = Span(seconds, business) if kind != "created" else None
            agent_id = None if kind == "created" else agent
            recording.add(
                conn, where, kind, at, agent_id=agent_id, measured=measured, n=k, first=first
            )

    async with db.session(write=True) as session:
        await session.run_sync(lambda s: write(s.connection()))
        # What the subscribers count at a reopening (these facts bypass them).
        await session.execute(text(derive.spoiled_rollup(session.get_bind().dialect.name)))


def _exact(facts: list[Fact], clock: int, period: Filters = PERIOD) -> dict[str, Stat]:
    """The definitions of docs/metrics.md (ADR 0031), computed from every fact of the
    period: one value per fact, the per-conversation ones from the cycle their resolution
    closes (recomputed here from the cycle's responses and segments)."""
    of = defaultdict(list)
    cycle: dict[int, list[Fact]] = defaultdict(list)
    per: dict[str, list[float]] = defaultdict(list)
    for f in sorted(facts, key=lambda f: (f[0], f[2])):
        inside = period.since <= f[2] < period.until
        if inside:
            of[f[1]].append(f)
        if f[1] in ("response", "handle"):
            cycle[f[0]].append(f)
        elif f[1] == "resolved":
            responses = [g[3 + clock] for g in cycle[f[0]] if g[1] == "response"]
            handles = [g for g in cycle[f[0]] if g[1] == "handle"]
            cycle[f[0]] = []
            if inside:
                per["response"].append(sum(responses) / len(responses))
                per["handle"].append(sum(g[3 + clock] for g in handles))
                per["handle_per_dialog"].append(sum(g[3 + clock] / (g[5] or 1) for g in handles))
    return {
        "first_response": stat(f[3 + clock] for f in of["first_response"]),
        "response": stat(per["response"]),
        "resolution_first": stat(f[3 + clock] for f in of["resolved"] if f[6]),
        "resolution_full": stat(f[3 + clock] for f in of["resolved"]),
        "handle": stat(per["handle"]),
        "handle_per_dialog": stat(per["handle_per_dialog"]),
    }


def _close(got: Stat, want: Stat) -> None:
    assert got.count == want.count
    if want.count == 0:
        return
    assert want.mean is not None and got.mean is not None
    assert math.isclose(got.mean, want.mean, rel_tol=1e-9)
    for name in ("median", "p90"):
        value, exact = getattr(got, name), getattr(want, name)
        # Within one bin: (1 + value) ÷ (1 + exact) within the bin ratio.
        assert 1 / BIN_RATIO <= (1 + value) / (1 + exact) <= BIN_RATIO, (name, value, exact)


async def test_binned_distributions_match_the_exact_ones(db: Database) -> None:
    await conversations(db, 240)
    facts = _facts(240)
    await _write(db, facts)
    async with db.session(write=False) as session:
        got = await metrics.figures(session, PERIOD)
    for clock, name in ((0, "calendar"), (1, "business")):
        want = _exact(facts, clock)
        for metric, exact in want.items():
            _close(getattr(getattr(got, metric), name), exact)
    assert got.response.calendar.count > 150  # most of the 240 conversations, not a few


async def _tag_everything(db: Database, n: int) -> None:
    async with db.session(write=True) as session:
        await session.execute(
            Base.metadata.tables["conversation_tags"].insert(),
            [{"conversation_id": i, "tag": "all"} for i in range(1, n + 1)],
        )


async def test_day_bins_and_facts_give_the_same_figures(db: Database) -> None:
    """An admin's overview reads the whole UTC days from ``report_day_bins`` and the ends
    from the facts; a tag every conversation has with an inbox filter forces the facts
    for all of it: the figures agree, whatever the period's edges (mid-day, a whole day,
    under a day)."""
    await conversations(db, 240)
    await _tag_everything(db, 240)
    facts = _facts(240)
    await _write(db, facts)
    periods = [
        PERIOD,
        Filters(
            since=START + timedelta(hours=13, minutes=17),
            until=START + timedelta(days=2, hours=5, minutes=3),
        ),
        Filters(since=START + timedelta(days=1), until=START + timedelta(days=2)),
        Filters(since=START + timedelta(hours=3), until=START + timedelta(hours=20)),
    ]
    # Unfiltered: the rows of every dimension set; by inbox and team: their own rows.
    narrowed = {"inbox_ids": (1,), "team_ids": (1,)}
    for period, narrow in [(p, {}) for p in periods] + [(periods[1], narrowed)]:
        period = Filters(since=period.since, until=period.until, **narrow)
        # A tag with an inbox filter is read from the facts (tags alone from their own
        # rows, which these facts written directly do not have); every conversation is
        # tagged "all" and in inbox 1.
        facts_only = {"inbox_ids": (1,), **narrow}
        tagged = Filters(since=period.since, until=period.until, tags=("all",), **facts_only)
        async with db.session(write=False) as session:
            scope = metrics.access.scope_in(session)
            whole_days = distributions.day_split(period, scope)[0]
            assert (whole_days is None) == (period.until - period.since < timedelta(days=1))
            binned = await metrics.figures(session, period)
            from_facts = await metrics.figures(session, tagged)
        for metric in distributions.DISTRIBUTIONS:
            for name in ("calendar", "business"):
                a = getattr(getattr(binned, metric), name)
                b = getattr(getattr(from_facts, metric), name)
                assert (a.count, a.median, a.p90) == (b.count, b.median, b.p90), metric
                if a.count:
                    assert math.isclose(a.mean, b.mean, rel_tol=1e-9), metric
                _close(a, _exact(facts, 0 if name == "calendar" else 1, period)[metric])
        for rate in ("fcr", "reopen_rate", "escalation_rate"):
            assert getattr(binned, rate) == getattr(from_facts, rate), rate
        async with db.session(write=False) as session:
            for by in ("agent", "team"):
                rows = await breakdowns.table(session, period, by)
                facts_rows = await breakdowns.table(session, tagged, by)
                assert len(rows) == len(facts_rows) > 0
                for a_row, b_row in zip(rows, facts_rows, strict=True):
                    assert a_row.model_dump(exclude={"handle_total", "handle_mean"}) == (
                        b_row.model_dump(exclude={"handle_total", "handle_mean"})
                    ), by
                    assert math.isclose(a_row.handle_total, b_row.handle_total, rel_tol=1e-9)
        assert binned.resolution_full.calendar.count > 0


def _spread(conversation_id: int) -> Where:
    """Conversations over two inboxes and three teams (one third without a team)."""
    team = conversation_id % 3
    return Where(conversation_id, 1 + conversation_id % 2, "widget", team or None)


async def test_a_supervisor_s_overview_from_their_day_bins_and_own_facts(db: Database) -> None:
    """A supervisor sees their inboxes and teams, and what was theirs elsewhere: the whole
    days come from the day bins of their inboxes' and teams' rows plus their own facts
    outside them; the figures equal those of every fact they see (a tag on every
    conversation sends the read to the facts), and their own facts elsewhere count."""
    await conversations(db, 240)
    async with db.session(write=True) as session:
        inboxes = Base.metadata.tables["inboxes"]
        await session.execute(
            inboxes.insert(), [{"id": 2, "name": "Two", "channel": "widget", "public_key": "two"}]
        )
    await _tag_everything(db, 240)
    await _write(db, _facts(240), place=_spread)
    lead = metrics.access.Scope(3, "supervisor", frozenset({1}), frozenset({2}))
    not_theirs = metrics.access.Scope(99, "supervisor", frozenset({1}), frozenset({2}))
    period = Filters(
        since=START + timedelta(hours=13, minutes=17),
        until=START + timedelta(days=2, hours=5, minutes=3),
    )
    seen = {}
    for name, scope in (("lead", lead), ("not theirs", not_theirs)):
        for narrow in ({}, {"channels": ("widget",)}):
            chosen = Filters(since=period.since, until=period.until, **narrow)
            async with db.session(write=False) as session:
                metrics.access.bind(session, scope)
                assert distributions._supervised(chosen, scope)
                rows = await metrics.figures(session, chosen)
                facts = await metrics.figures(session, replace(chosen, tags=("all",)))
            same_figures(rows, facts)
            seen[name] = rows
    async with db.session(write=False) as session:
        everything = await metrics.figures(session, period)
    # Operator 3's conversations in inbox 2 outside team 2 are the lead's only.
    lead_n = seen["lead"].resolution_full.calendar.count
    assert everything.resolution_full.calendar.count > lead_n
    assert lead_n > seen["not theirs"].resolution_full.calendar.count > 0


async def test_counts_of_a_cut_period_after_late_facts(db: Database) -> None:
    await conversations(db, 240)
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
