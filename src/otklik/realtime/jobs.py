"""The event log's housekeeping: events older than ``OTKLIK_EVENT_RETENTION_DAYS``."""

from __future__ import annotations

from datetime import timedelta

from otklik.core.clock import utcnow
from otklik.jobs.housekeeping import prune_step
from otklik.jobs.registry import JobContext
from otklik.realtime import log


@prune_step
async def prune_events(ctx: JobContext) -> None:
    retention = timedelta(days=ctx.settings.event_retention_days)
    await log.prune(ctx.session, before=utcnow() - retention)
