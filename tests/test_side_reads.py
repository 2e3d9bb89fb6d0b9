"""Reads beside a request's own (``core/side_reads.py``): a report's parts at once on
connections of their own, with the caller's scope, failures handed on as they are, and no
wait without end when many reports run at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.core import side_reads
from otklik.core.db import SIDE_CONNECTIONS, Database
from otklik.reports import metrics
from tests.report_checks import same_figures
from tests.test_reports_bins import conversations
from tests.test_reports_tags import PERIOD, _overlapping, _story


async def _lived(db: Database) -> None:
    await conversations(db, 11)
    async with db.session(write=True) as session:
        await session.run_sync(lambda s: (_story(s.connection()), _overlapping(s.connection())))


async def test_many_overviews_at_once_all_answer_as_one_alone(db: Database) -> None:
    """Each overview with several tags holds a read connection and reads its three parts
    at once where connections are free: with more of them running than the pools have
    connections, every one answers (a request that waited for a second connection beside
    its own while holding the first could wait for ever), the same as one read alone."""
    await _lived(db)
    chosen = replace(PERIOD, tags=("billing", "vip"))
    async with db.session(write=True) as session:  # a write turn reads nothing beside
        alone = await metrics.with_previous(session, chosen)

    async def one() -> tuple[metrics.Figures, metrics.Figures]:
        async with db.session(write=False) as session:
            return await metrics.with_previous(session, chosen)

    many = 2 * (8 + SIDE_CONNECTIONS)
    answers = await asyncio.wait_for(asyncio.gather(*(one() for _ in range(many))), 60)
    for now, before in answers:
        same_figures(now, alone[0])
        same_figures(before, alone[1])


async def test_the_reads_beside_keep_the_caller_s_scope(db: Database) -> None:
    """A supervisor who sees one inbox, and none of the conversations: the overview read
    in parts beside theirs counts nothing, like one read alone; an admin counts them."""
    await _lived(db)
    period = replace(PERIOD, tags=("billing", "vip"))
    elsewhere = access.Scope(7, "supervisor", frozenset({999}), frozenset())
    async with db.session(write=False) as session:
        access.bind(session, elsewhere)
        async with side_reads.beside(session) as other:
            assert other is not None and access.scope_in(other) == elsewhere
        now, before = await metrics.with_previous(session, period)
    assert (now.created, before.created, now.first_response.calendar.count) == (0, 0, 0)
    async with db.session(write=False) as session:
        access.bind(session, access.Scope(1, "admin", frozenset(), frozenset()))
        now, _ = await metrics.with_previous(session, period)
    assert now.created == 8  # 1, 2, 5, 6, 7, 9, 10, 11


async def test_a_failing_half_is_handed_on_as_it_is_and_stops_the_other(db: Database) -> None:
    """A failure in one part reaches the caller as its own exception (not wrapped in a
    group), and a part still running is stopped rather than waited for."""
    later_runs = asyncio.Event()
    stopped: list[bool] = []

    async def first_fails(session: AsyncSession, since: datetime, until: datetime) -> int:
        if since == PERIOD.since:
            if db.is_sqlite:
                await later_runs.wait()
            raise LookupError("the first half")
        later_runs.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            stopped.append(True)
            raise
        return 0

    async def later_fails(session: AsyncSession, since: datetime, until: datetime) -> int:
        if since == PERIOD.since:
            return 1
        raise LookupError("the later half")

    async with db.session(write=False) as session:
        with pytest.raises(LookupError, match="the first half"):
            await asyncio.wait_for(
                side_reads.halves(session, PERIOD.since, PERIOD.until, first_fails), 60
            )
        if db.is_sqlite:  # PostgreSQL reads the whole at once (its parallel workers)
            assert stopped == [True]
            with pytest.raises(LookupError, match="the later half"):
                await side_reads.halves(session, PERIOD.since, PERIOD.until, later_fails)
