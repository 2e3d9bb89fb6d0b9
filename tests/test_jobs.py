"""The jobs outbox: snoozes wake up, idle conversations resolve, failures retry with backoff."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from otklik.config import Settings
from otklik.core import clock
from otklik.core.db import Database
from otklik.jobs.models import Job
from otklik.jobs.registry import (
    IOJobContext,
    JobContext,
    RetryAfter,
    RetryLater,
    enqueue,
    io_job,
    job,
)
from otklik.jobs.runner import JobRunner
from tests.support import Workspace

calls: list[dict[str, Any]] = []


@job("tests.flaky")
async def flaky(ctx: JobContext, payload: dict[str, Any]) -> None:
    calls.append(payload)
    if payload.get("fail"):
        raise RuntimeError("remote said no")


@io_job("tests.network")
async def network(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    calls.append(payload)
    if payload.get("throttled") and len(calls) == 1:
        raise RetryAfter(30, "429 Too Many Requests")


async def test_io_job_runs_outside_a_transaction_and_honours_retry_after(
    db: Database, settings: Settings
) -> None:
    calls.clear()
    async with db.session(write=True) as session:
        await enqueue(session, name="tests.network", payload={"throttled": True})
    start = datetime.now(UTC)
    clock.freeze(start)
    try:
        await JobRunner(db, settings).run_due()
        async with db.session(write=False) as session:
            stored = (await session.execute(select(Job))).scalar_one()
        assert stored.state == "queued"
        assert stored.run_at == start + timedelta(seconds=30)  # as the remote asked
        assert stored.last_error == "retry in 30 s: 429 Too Many Requests"
        clock.freeze(start + timedelta(seconds=31))
        await JobRunner(db, settings).run_due()
    finally:
        clock.freeze(None)
    async with db.session(write=False) as session:
        stored = (await session.execute(select(Job))).scalar_one()
    assert stored.state == "done" and len(calls) == 2


async def test_snoozed_conversation_wakes_up_on_time(workspace: Workspace) -> None:
    visitor = await workspace.visitor()
    conversation_id = (await visitor.say("remind me later"))["conversation_id"]
    visitor_sock = await visitor.socket()
    await visitor_sock.ready()
    agent_sock = await workspace.agent_socket()
    await agent_sock.ready()
    until = datetime.now(UTC) + timedelta(seconds=1)
    snoozed = await workspace.api.post(
        f"/api/v1/conversations/{conversation_id}/status",
        headers=workspace.auth(),
        json={"status": "snoozed", "snooze_until": until.isoformat()},
    )
    assert snoozed.json()["status"] == "snoozed"
    woke = await agent_sock.until(
        lambda f: (
            f.get("type") == "conversation.updated"
            and f["data"]["conversation"]["status"] == "open"
        ),
    )
    assert woke["data"]["conversation"]["snooze_until"] is None
    seen = await visitor_sock.until(
        lambda f: (
            f.get("type") == "conversation.updated"
            and f["data"]["conversation"]["status"] == "open"
        ),
    )
    assert seen["data"]["conversation"] == {"id": conversation_id, "status": "open"}
    await visitor_sock.close()
    await agent_sock.close()


async def test_snooze_changed_before_wake_up_is_left_alone(workspace: Workspace) -> None:
    conversation_id = (await (await workspace.visitor()).say("hi"))["conversation_id"]
    url = f"/api/v1/conversations/{conversation_id}/status"
    until = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    await workspace.api.post(
        url, headers=workspace.auth(), json={"status": "snoozed", "snooze_until": until}
    )
    await workspace.api.post(url, headers=workspace.auth(), json={"status": "resolved"})
    db: Database = workspace.server.app.state.db
    runner = JobRunner(db, workspace.server.settings)
    clock.freeze(datetime.now(UTC) + timedelta(seconds=5))
    try:
        await runner.run_due()
    finally:
        clock.freeze(None)
    current = await workspace.api.get(
        f"/api/v1/conversations/{conversation_id}", headers=workspace.auth()
    )
    assert current.json()["status"] == "resolved"


async def test_idle_conversations_are_auto_resolved(workspace: Workspace) -> None:
    workspace.server.settings.auto_resolve_hours = 24
    idle = (await (await workspace.visitor("Idle")).say("old question"))["conversation_id"]
    db: Database = workspace.server.app.state.db
    clock.freeze(datetime.now(UTC) + timedelta(hours=25))
    try:
        busy = (await (await workspace.visitor("Busy")).say("new question"))["conversation_id"]
        async with db.session(write=True) as session:
            await enqueue(session, name="maintenance.auto_resolve", payload={})
        await JobRunner(db, workspace.server.settings).run_due()
        # The app's own runner may have taken the job first: the clock stays 25 h ahead
        # until it has finished, whoever runs it.
        for _ in range(100):
            async with db.session(write=False) as session:
                states = set(
                    await session.scalars(
                        select(Job.state).where(Job.name == "maintenance.auto_resolve")
                    )
                )
            if states <= {"done"}:
                break
            await asyncio.sleep(0.05)
    finally:
        clock.freeze(None)
    statuses = {}
    for conversation_id in (idle, busy):
        response = await workspace.api.get(
            f"/api/v1/conversations/{conversation_id}", headers=workspace.auth()
        )
        statuses[conversation_id] = response.json()["status"]
    assert statuses == {idle: "resolved", busy: "open"}


async def test_failing_job_retries_with_backoff_then_fails(
    db: Database, settings: Settings
) -> None:
    calls.clear()
    runner = JobRunner(db, settings)
    async with db.session(write=True) as session:
        await enqueue(session, name="tests.flaky", payload={"fail": True}, max_attempts=3)
    start = datetime.now(UTC)
    clock.freeze(start)
    try:
        assert await runner.run_due() == 1
        async with db.session(write=False) as session:
            stored = (await session.execute(select(Job))).scalar_one()
        assert stored.state == "queued" and stored.attempts == 1
        assert stored.last_error == "RuntimeError: remote said no"
        assert stored.run_at == start + timedelta(seconds=2)
        assert await runner.run_due() == 0  # not due yet
        for step in (3, 10):
            clock.freeze(start + timedelta(seconds=step))
            await runner.run_due()
    finally:
        clock.freeze(None)
    async with db.session(write=False) as session:
        stored = (await session.execute(select(Job))).scalar_one()
    assert stored.state == "failed" and stored.attempts == 3
    assert len(calls) == 3


async def test_job_enqueued_in_a_rolled_back_transaction_never_runs(
    db: Database, settings: Settings
) -> None:
    calls.clear()
    with pytest.raises(RuntimeError):
        async with db.session(write=True) as session:
            await enqueue(session, name="tests.flaky", payload={"n": 1})
            raise RuntimeError("the change failed")
    async with db.session(write=True) as session:
        await enqueue(session, name="tests.flaky", payload={"n": 2}, dedupe_key="k")
        await enqueue(session, name="tests.flaky", payload={"n": 3}, dedupe_key="k")
    await JobRunner(db, settings).run_due()
    assert calls == [{"n": 2}]


@io_job("tests.outside_down")
async def outside_down(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    raise RetryLater("smtp.example:587 refused the connection")


async def test_an_outside_failure_is_one_log_line_and_retried(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("WARNING", logger="otklik.jobs")
    async with db.session(write=True) as session:
        await enqueue(session, name="tests.outside_down", payload={}, max_attempts=3)
    await JobRunner(db, settings).run_due()
    async with db.session(write=False) as session:
        stored = (await session.execute(select(Job))).scalar_one()
    assert stored.state == "queued" and stored.attempts == 1
    assert stored.last_error == "smtp.example:587 refused the connection"
    (line,) = [r for r in caplog.records if "tests.outside_down" in r.getMessage()]
    assert line.exc_info is None  # the reason, without a traceback
    assert line.getMessage().endswith("attempt 1/3 failed: smtp.example:587 refused the connection")
