"""Routing's periodic job."""

from __future__ import annotations

from typing import Any

from otklik.jobs.registry import JobContext, job
from otklik.routing.service import drain_all_queues


@job("routing.drain")
async def drain_queues(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Lets skill fall-back timeouts take effect even when nothing else happens."""
    await drain_all_queues(ctx.session)
