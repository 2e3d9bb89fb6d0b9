"""The conversations' jobs: snooze wake-ups and the periodic idle auto-resolve."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from otklik.conversations.lifecycle import resolve_idle, wake_snoozed
from otklik.jobs.registry import JobContext, job


@job("conversations.wake_snoozed")  # enqueued by ``service.change_status``
async def wake_snoozed_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    await wake_snoozed(
        ctx.session,
        conversation_id=int(payload["conversation_id"]),
        until=datetime.fromisoformat(payload["until"]),
    )


@job("maintenance.auto_resolve")
async def auto_resolve(ctx: JobContext, payload: dict[str, Any]) -> None:
    if ctx.settings.auto_resolve_hours > 0:
        await resolve_idle(ctx.session, idle_hours=ctx.settings.auto_resolve_hours)
