"""Runs due jobs: claim, run in its own transaction, retry with exponential backoff.

A claim sets ``locked_until``; a job whose worker died is claimed again once that lease
expires. On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED`` so several workers never take
the same job; on SQLite the single write connection serialises claims.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select

from otklik.config import Settings
from otklik.core.clock import utcnow
from otklik.core.db import Database
from otklik.jobs import periodic
from otklik.jobs.models import Job
from otklik.jobs.registry import (
    IOJobContext,
    JobContext,
    RetryAfter,
    RetryLater,
    handler_for,
    io_handler_for,
)

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
BATCH = 20


def backoff(attempt: int) -> timedelta:
    """2 s, 4 s, 8 s … capped at one hour."""
    return timedelta(seconds=min(3600, 2**attempt))


class JobRunner:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.poll_seconds = settings.job_poll_seconds
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="otklik-job-runner")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task

    async def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await periodic.schedule_due(self.db)
                ran = await self.run_due()
            except Exception:  # the loop must outlive any one failure
                log.exception("job runner iteration failed")
                ran = 0
            if ran == 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await self._stopping.wait()

    async def claim(self) -> list[Job]:
        now = utcnow()
        # Look first on the read pool: an idle poll must not take a turn on the write
        # connection (and, on SQLite, a commit) every second.
        async with self.db.session(write=False) as session:
            due = await session.scalar(select(Job.id).where(self._claimable(now)).limit(1))
        if due is None:
            return []
        async with self.db.session(write=True) as session:
            jobs = (
                (
                    await session.execute(
                        select(Job)
                        .where(
                            Job.run_at <= now,
                            or_(
                                Job.state == "queued",
                                (Job.state == "running") & (Job.locked_until < now),
                            ),
                        )
                        .order_by(Job.run_at, Job.id)
                        .limit(BATCH)
                        .with_for_update(skip_locked=True)
                    )
                )
                .scalars()
                .all()
            )
            for job in jobs:
                job.state = "running"
                job.locked_until = now + LEASE
                job.attempts += 1
        return list(jobs)

    @staticmethod
    def _claimable(now: datetime) -> ColumnElement[bool]:
        return (Job.run_at <= now) & or_(
            Job.state == "queued", (Job.state == "running") & (Job.locked_until < now)
        )

    async def run_due(self) -> int:
        jobs = await self.claim()
        for job in jobs:
            await self._run_one(job)
        return len(jobs)

    async def _run_one(self, job: Job) -> None:
        handler = handler_for(job.name)
        io_handler = io_handler_for(job.name)
        error: str | None = None
        retry_in: timedelta | None = None
        if handler is None and io_handler is None:
            error = f"no handler registered for {job.name!r}"
        else:
            try:
                if io_handler is not None:
                    context = IOJobContext(
                        self.db, self.settings, attempt=job.attempts, max_attempts=job.max_attempts
                    )
                    await io_handler(context, dict(job.payload))
                elif handler is not None:
                    async with self.db.session(write=True) as session:
                        await handler(JobContext(session, self.settings), dict(job.payload))
            except RetryAfter as exc:
                error = f"retry in {exc.seconds:.0f} s: {exc}"[:2000]
                retry_in = timedelta(seconds=max(exc.seconds, 0.1))
            except RetryLater as exc:
                error = str(exc)[:2000] or type(exc).__name__
                log.warning(
                    "job %s (%s) attempt %s/%s failed: %s",
                    job.id,
                    job.name,
                    job.attempts,
                    job.max_attempts,
                    error,
                )
            except Exception as exc:
                log.exception("job %s (%s) failed", job.id, job.name)
                error = f"{type(exc).__name__}: {exc}"[:2000]
        async with self.db.session(write=True) as session:
            stored = await session.get(Job, job.id)
            if stored is None:
                return
            stored.locked_until = None
            stored.last_error = error
            if error is None:
                stored.state = "done"
                stored.finished_at = utcnow()
            elif stored.attempts >= stored.max_attempts or (handler is None and io_handler is None):
                stored.state = "failed"
                stored.finished_at = utcnow()
            else:
                stored.state = "queued"
                stored.run_at = utcnow() + (retry_in or backoff(stored.attempts))
