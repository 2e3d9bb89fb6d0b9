"""Time triggers: "no operator reply" / "no customer reply" fire once per waiting period."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from otklik.config import Settings
from otklik.core import clock
from otklik.core.db import Database
from otklik.jobs.registry import JobContext, handler_for
from tests.scripts_support import conversation, messages, rule
from tests.support import Workspace

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


@pytest.fixture(autouse=True)
def _sessions_outlive_the_jump(settings: Settings) -> None:
    """The clock jumps a day ahead: the admin's sign-in must not end as idle meanwhile."""
    settings.session_idle_hours = 24 * 7


@contextmanager
def at(minutes: float) -> Iterator[None]:
    clock.freeze(START + timedelta(minutes=minutes))
    try:
        yield
    finally:
        clock.freeze(None)


async def run_job(ws: Workspace, db: Database, minutes: float) -> None:
    """What the periodic job does each minute, run by hand at a chosen time."""
    handler = handler_for("scripts.time_triggers")
    assert handler is not None
    with at(minutes):
        async with db.session(write=True) as session:
            await handler(JobContext(session, ws.server.settings), {})


async def test_no_operator_reply_fires_once_per_waiting_period(
    workspace: Workspace, db: Database
) -> None:
    ws = workspace
    with at(0):
        await rule(
            ws,
            name="Nudge team",
            trigger={"type": "no_operator_reply", "minutes": 10},
            conditions=[{"field": "text", "op": "not_contains", "value": "спам"}],
            actions=[
                {"type": "set_priority", "priority": "high"},
                {"type": "send_message", "text": "Мы скоро ответим, {{contact.name}}."},
            ],
        )
        visitor = await ws.visitor("Оля")
        conversation_id = (await visitor.say("вопрос"))["conversation_id"]
        spammer = await ws.visitor("Spam")
        spam_id = (await spammer.say("спам спам"))["conversation_id"]

    await run_job(ws, db, 9)
    assert (await conversation(ws, conversation_id))["priority"] == "normal"
    await run_job(ws, db, 11)
    after = await conversation(ws, conversation_id)
    assert after["priority"] == "high"
    assert (await conversation(ws, spam_id))["priority"] == "normal"  # condition failed
    bot = [m["text"] for m in await messages(ws, conversation_id) if m["author_type"] == "bot"]
    assert bot == ["Мы скоро ответим, Оля."]
    # Its own message did not re-arm it; later runs in the same period do nothing.
    await run_job(ws, db, 30)
    await run_job(ws, db, 300)
    bot = [m["text"] for m in await messages(ws, conversation_id) if m["author_type"] == "bot"]
    assert len(bot) == 1
    # An operator answers, the customer writes again: a new period, the rule may fire again.
    with at(301):
        await ws.reply(conversation_id, "Отвечаю")
        await visitor.say("ещё вопрос")
    await run_job(ws, db, 305)
    await run_job(ws, db, 312)
    bot = [m for m in await messages(ws, conversation_id) if m["author_type"] == "bot"]
    assert len(bot) == 2


async def test_no_customer_reply_and_rules_do_not_act_retroactively(
    workspace: Workspace, db: Database
) -> None:
    ws = workspace
    with at(0):
        old_visitor = await ws.visitor("Old")
        old_id = (await old_visitor.say("давно"))["conversation_id"]
        await ws.reply(old_id, "ответ")
    with at(100):
        await rule(
            ws,
            name="Still there?",
            trigger={"type": "no_customer_reply", "minutes": 30},
            actions=[
                {"type": "send_message", "text": "Вы ещё здесь?"},
                {"type": "add_tags", "tags": ["nudged"]},
            ],
        )
        visitor = await ws.visitor("New")
        conversation_id = (await visitor.say("привет"))["conversation_id"]
    await run_job(ws, db, 120)
    assert (await conversation(ws, conversation_id))["tags"] == []  # still waiting for us
    with at(121):
        await ws.reply(conversation_id, "Здравствуйте! Чем помочь?")
    await run_job(ws, db, 150)
    assert (await conversation(ws, conversation_id))["tags"] == []  # 29 minutes
    await run_job(ws, db, 152)
    assert (await conversation(ws, conversation_id))["tags"] == ["nudged"]
    await run_job(ws, db, 200)
    await run_job(ws, db, 400)
    texts = [m["text"] for m in await messages(ws, conversation_id)]
    assert texts.count("Вы ещё здесь?") == 1
    # The old conversation's 30 minutes ran out before the rule existed: left alone.
    assert (await conversation(ws, old_id))["tags"] == []
    # A disabled rule does nothing; enabling it again does not sweep up the past either.
    rules = (await ws.api.get("/api/v1/automation-rules", headers=ws.auth())).json()["items"]
    with at(401):
        await ws.api.patch(
            f"/api/v1/automation-rules/{rules[0]['id']}", headers=ws.auth(), json={"enabled": False}
        )
        await visitor.say("да")
        await ws.reply(conversation_id, "Хорошо")
    await run_job(ws, db, 440)
    with at(441):
        await ws.api.patch(
            f"/api/v1/automation-rules/{rules[0]['id']}", headers=ws.auth(), json={"enabled": True}
        )
    await run_job(ws, db, 442)
    texts = [m["text"] for m in await messages(ws, conversation_id)]
    assert texts.count("Вы ещё здесь?") == 1
