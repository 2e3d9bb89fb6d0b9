"""The job handlers of the core: snooze wake-ups, idle auto-resolve, housekeeping."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete

from otklik.accounts import service as accounts
from otklik.attachments import service as attachments
from otklik.conversations import service as conversations
from otklik.core.clock import utcnow
from otklik.jobs.models import Job
from otklik.jobs.registry import JobContext, job
from otklik.realtime import log
from otklik.routing import service as routing


@job("conversations.wake_snoozed")
async def wake_snoozed(ctx: JobContext, payload: dict[str, Any]) -> None:
    await conversations.wake_snoozed(
        ctx.session,
        conversation_id=int(payload["conversation_id"]),
        until=datetime.fromisoformat(payload["until"]),
    )


@job("maintenance.auto_resolve")
async def auto_resolve(ctx: JobContext, payload: dict[str, Any]) -> None:
    if ctx.settings.auto_resolve_hours > 0:
        await conversations.resolve_idle(ctx.session, idle_hours=ctx.settings.auto_resolve_hours)


@job("maintenance.prune")
async def prune(ctx: JobContext, payload: dict[str, Any]) -> None:
    retention = timedelta(days=ctx.settings.event_retention_days)
    await log.prune(ctx.session, before=utcnow() - retention)
    await accounts.prune_login_attempts(ctx.session)
    await attachments.prune_unsent(ctx.session, settings=ctx.settings)
    await ctx.session.execute(
        delete(Job).where(
            Job.state.in_(("done", "failed")), Job.finished_at < utcnow() - timedelta(days=7)
        )
    )


@job("routing.drain")
async def drain_queues(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Lets skill fall-back timeouts take effect even when nothing else happens."""
    await routing.drain_all_queues(ctx.session)
