"""Attachments' housekeeping: uploads that no message took."""

from __future__ import annotations

from otklik.attachments.service import prune_unsent
from otklik.jobs.housekeeping import prune_step
from otklik.jobs.registry import JobContext


@prune_step
async def prune_attachments(ctx: JobContext) -> None:
    await prune_unsent(ctx.session, settings=ctx.settings)
