"""How a report's transaction runs: PostgreSQL settings for its few heavy statements, also
on the read sessions beside it (``core/side_reads.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core import side_reads

#: PostgreSQL's memory for one report's grouping by conversation: with the default 4 MB a
#: month of 1,000,000 conversations' responses (333,000 groups) spilled to disk in 17
#: batches (1.7 s); in memory 1.0 s (``bench/RESULTS.md``). For this transaction only.
WORK_MEM = "64MB"


async def roomy(session: AsyncSession) -> None:
    """Let this transaction's groupings stay in memory, and its statements run without
    PostgreSQL's JIT compilation: a report's statements run for tenths of a second, and
    their cost estimates (above ``jit_above_cost``) had each compiled for 35–100 ms; the
    several-tags overview at 1M conversations took 1.73 s instead of 2.12 without it
    (``bench/RESULTS.md``, 5 Dec 2026)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        await session.execute(text("SET LOCAL jit = off"))


@asynccontextmanager
async def beside(session: AsyncSession) -> AsyncIterator[AsyncSession | None]:
    """``side_reads.beside`` set up as a report's transaction (:func:`roomy`)."""
    async with side_reads.beside(session) as other:
        if other is not None:
            await roomy(other)
        yield other
