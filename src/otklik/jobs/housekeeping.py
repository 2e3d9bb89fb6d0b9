"""Housekeeping: the hourly ``maintenance.prune`` job runs every domain's pruning step.

A domain registers its step with :func:`prune_step` in its own ``jobs.py`` (which
``otklik.wiring`` imports); this package knows none of them. All steps share the job's
transaction, and finished jobs are pruned last.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete

from otklik.core.clock import utcnow
from otklik.jobs.models import Job
from otklik.jobs.registry import JobContext, job

PruneStep = Callable[[JobContext], Awaitable[None]]
#: Done and failed jobs are kept this long (for ``otklik`` admins looking at failures).
FINISHED_JOBS_KEPT = timedelta(days=7)

_steps: list[PruneStep] = []


def prune_step(step: PruneStep) -> PruneStep:
    """Run ``step`` in every ``maintenance.prune`` job (once, however often it is registered)."""
    if step not in _steps:
        _steps.append(step)
    return step


@job("maintenance.prune")
async def prune(ctx: JobContext, payload: dict[str, Any]) -> None:
    for step in list(_steps):
        await step(ctx)
    await ctx.session.execute(
        delete(Job).where(
            Job.state.in_(("done", "failed")), Job.finished_at < utcnow() - FINISHED_JOBS_KEPT
        )
    )
