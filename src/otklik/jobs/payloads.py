"""Rewriting stored job payloads: a job may carry personal data (a Telegram update holds the
sender's name and text) for as long as finished jobs are kept. The caller decides what to
change (``otklik.privacy`` redacts an erased contact's strings); this module knows no domain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.jobs.models import Job

BATCH = 1000
#: Returns the new payload, or ``None`` to keep the stored one.
Rewrite = Callable[[dict[str, Any]], dict[str, Any] | None]


async def rewrite_payloads(session: AsyncSession, rewrite: Rewrite) -> int:
    """Apply ``rewrite`` to every job's payload (in batches by id); how many changed."""
    changed = 0
    last = 0
    while True:
        rows = (
            await session.execute(
                select(Job.id, Job.payload).where(Job.id > last).order_by(Job.id).limit(BATCH)
            )
        ).all()
        if not rows:
            return changed
        last = rows[-1].id
        for row in rows:
            new = rewrite(dict(row.payload))
            if new is not None:
                await session.execute(update(Job).where(Job.id == row.id).values(payload=new))
                changed += 1
