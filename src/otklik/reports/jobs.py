"""The reports' jobs: every minute, enqueue the scheduled reports that are due
(``scheduling.enqueue_due``); then mail each one (a network job, outside any transaction).

A mail the SMTP server refuses for now (down, 4xx) is tried again with backoff; a
permanent refusal, or no email inbox to send from, is recorded on the schedule where its
owner sees it. The mail job never moves the schedule's period: that was done, once, when
it was enqueued.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import aiosmtplib

from otklik.channels.base import ChannelFailure, DeliveryError
from otklik.channels.email import outgoing
from otklik.core.clock import utcnow
from otklik.jobs.registry import IOJobContext, JobContext, RetryLater, io_job, job
from otklik.reports import mailing, scheduling
from otklik.reports.models import ReportSchedule

log = logging.getLogger(__name__)
SWEEP_JOB = "reports.schedules"
NO_SENDER = "No active email inbox to send from: add one in Settings → Inboxes."


@job(SWEEP_JOB)
async def sweep(ctx: JobContext, payload: dict[str, Any]) -> None:
    await scheduling.enqueue_due(ctx.session, now=utcnow())


async def _record(
    ctx: IOJobContext, schedule_id: int, until: datetime, *, error: str | None
) -> None:
    async with ctx.db.session(write=True) as session:
        await scheduling.record_result(
            session,
            schedule_id=schedule_id,
            until=until,
            sent_at=None if error else utcnow(),
            error=error,
        )
    if error:
        log.warning("The scheduled report %s was not sent: %s", schedule_id, error)


@io_job(scheduling.SEND_JOB)
async def send_report(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    schedule_id = int(payload["schedule_id"])
    since = datetime.fromisoformat(payload["since"])
    until = datetime.fromisoformat(payload["until"])
    async with ctx.db.session(write=False) as session:
        schedule = await session.get(ReportSchedule, schedule_id)
        if schedule is None or not schedule.active:
            return  # deleted or paused since: nothing to send
        if schedule.sent_until is not None and schedule.sent_until >= until:
            return  # a rerun of a job that had sent its mail: never twice
        report: mailing.Report | None = None
        try:
            report = await mailing.gather(session, schedule=schedule, since=since, until=until)
        except mailing.NotSendable as exc:
            error = str(exc)
        config = await outgoing.sender(session, ctx.settings)
    if report is None:
        await _record(ctx, schedule_id, until, error=error)
        return
    if config is None:
        await _record(ctx, schedule_id, until, error=NO_SENDER)
        return
    mail = mailing.build(report, sender=config.address, sender_name=config.from_name or "Otklik")
    try:
        await outgoing.send(mail, config, ctx.settings)
    except DeliveryError as exc:
        await _record(ctx, schedule_id, until, error=str(exc))
        return
    except (ChannelFailure, aiosmtplib.SMTPException) as exc:
        if ctx.last_attempt:
            await _record(ctx, schedule_id, until, error=str(exc) or type(exc).__name__)
            return
        raise RetryLater(f"scheduled report {schedule_id}: {exc}") from exc
    await _record(ctx, schedule_id, until, error=None)
