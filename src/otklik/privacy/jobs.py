"""Personal-data jobs: building an export, the hourly retention run, and pruning old
exports (housekeeping)."""

from __future__ import annotations

from typing import Any

from otklik.jobs.housekeeping import prune_step
from otklik.jobs.registry import JobContext, job
from otklik.privacy import exports, service

RETENTION_JOB = "privacy.retention"


@job(exports.EXPORT_JOB)
async def build_export(ctx: JobContext, payload: dict[str, Any]) -> None:
    await exports.build_export(
        ctx.session, settings=ctx.settings, export_id=int(payload["export_id"])
    )


@job(RETENTION_JOB)
async def retention(ctx: JobContext, payload: dict[str, Any]) -> None:
    await service.apply_retention(ctx.session, settings=ctx.settings)


@prune_step
async def prune_exports(ctx: JobContext) -> None:
    await exports.prune_old(ctx.session, settings=ctx.settings)
