"""The reports' writes outside the event flow: the backfill of existing conversations."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core import config_cache
from otklik.reports import backfill
from otklik.sla.policies import CONFIG


async def backfill_batch(session: AsyncSession, *, after_id: int, size: int = 500) -> int | None:
    """Facts for the next ``size`` conversations that have none (see ``backfill.py``);
    the last conversation id done, ``None`` when none were left."""
    config = await config_cache.get(session, CONFIG)
    return await session.run_sync(
        lambda s: backfill.batch(s.connection(), config, after_id=after_id, size=size)
    )
