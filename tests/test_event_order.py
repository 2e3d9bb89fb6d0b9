"""The event order on PostgreSQL with several writers: stamped at commit, never skipped."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest
from sqlalchemy import select

from otklik.config import Settings
from otklik.core.db import Database
from otklik.core.events import FeedEntry, Reach
from otklik.realtime import log, notify
from otklik.realtime.models import Event
from otklik.realtime.protocol import STREAM_AGENTS


async def test_a_late_commit_is_never_skipped_and_does_not_hold_up_others(
    settings: Settings,
) -> None:
    if settings.resolved_database_url().startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: commit order is row order by construction")
    first, second = Database(settings), Database(settings)  # as two server processes
    appended = asyncio.Event()
    release = asyncio.Event()

    async def slow() -> None:
        async with first.session(write=True) as session:
            await log.append(session, stream=STREAM_AGENTS, type="test.slow", payload={})
            appended.set()
            await release.wait()

    try:
        slow_writer = asyncio.create_task(slow())
        await asyncio.wait_for(appended.wait(), 30)
        # A second process writes while the first one's transaction is still open: it must
        # not wait for it (the order lock is only taken just before a commit).
        async with second.session(write=True) as session:
            await asyncio.wait_for(
                log.append(session, stream=STREAM_AGENTS, type="test.fast", payload={}), 30
            )
        async with second.session(write=False) as session:
            seen = await log.replay(session, streams=[STREAM_AGENTS], after_id=0, limit=10)
        assert [f.text for f in seen.events if "test.slow" in f.text] == []
        fast_id = seen.last_event_id
        assert fast_id > 0
        release.set()
        await asyncio.wait_for(slow_writer, 30)
        # A client that heard the fast event and resumes after it gets the slow one.
        async with second.session(write=False) as session:
            resumed = await log.replay(session, streams=[STREAM_AGENTS], after_id=fast_id, limit=10)
        assert len(resumed.events) == 1 and '"type":"test.slow"' in resumed.events[0].text
        assert resumed.events[0].event_id is not None and resumed.events[0].event_id > fast_id
    finally:
        release.set()
        await first.dispose()
        await second.dispose()


async def test_one_process_writes_on_several_lanes_and_publishes_in_commit_order(
    settings: Settings,
) -> None:
    if settings.resolved_database_url().startswith("sqlite"):
        pytest.skip("SQLite has one write connection per process")
    db = Database(settings.model_copy(update={"pg_write_connections": 3}))
    published: list[int] = []

    async def publish(session: Any) -> None:
        published.extend(f.event_id or 0 for f in log.take_pending(session))

    db.after_commit.append(publish)
    appended = asyncio.Event()
    release = asyncio.Event()

    async def slow() -> None:
        async with db.session(write=True) as session:
            await log.append(session, stream=STREAM_AGENTS, type="test.slow", payload={})
            appended.set()
            await release.wait()

    async def quick(n: int) -> None:
        async with db.session(write=True) as session:
            await log.append(session, stream=STREAM_AGENTS, type="test.quick", payload={"n": n})

    try:
        slow_writer = asyncio.create_task(slow())
        await asyncio.wait_for(appended.wait(), 30)
        # A transaction held open on one lane does not hold up a write that finds another.
        await asyncio.wait_for(quick(-1), 30)
        release.set()
        await asyncio.wait_for(slow_writer, 30)
        await asyncio.wait_for(asyncio.gather(*(quick(n) for n in range(40))), 60)
        async with db.session(write=False) as session:
            stored = await log.replay(session, streams=[STREAM_AGENTS], after_id=0, limit=100)
    finally:
        release.set()
        await db.dispose()
    assert len(published) == 42
    assert published == sorted(published)  # this process's sockets hear them in seq order
    assert published == [f.event_id for f in stored.events]


async def test_every_process_hears_every_commit_once_and_in_order(settings: Settings) -> None:
    if settings.resolved_database_url().startswith("sqlite"):
        pytest.skip("SQLite's frames go to the one process's sockets after each commit")
    first, second = Database(settings), Database(settings)  # as two server processes
    heard: list[int] = []
    listener = await asyncpg.connect(settings.resolved_database_url().replace("+asyncpg", ""))
    count = 60

    def on_notify(_conn: Any, _pid: int, _channel: str, payload: str) -> None:
        heard.append(json.loads(payload)["e"])

    await listener.add_listener(notify.CHANNEL, on_notify)

    async def write(db: Database, n: int) -> None:
        async with db.session(write=True) as session:
            await log.append(session, stream=STREAM_AGENTS, type="test.n", payload={"n": n})

    try:
        await asyncio.gather(*(write(first if n % 2 else second, n) for n in range(count)))
        async with asyncio.timeout(30):
            while len(heard) < count:  # noqa: ASYNC110 - notifications arrive on their own
                await asyncio.sleep(0.01)
        async with first.session(write=False) as session:
            stored = await log.replay(session, streams=[STREAM_AGENTS], after_id=0, limit=100)
    finally:
        await listener.close()
        await first.dispose()
        await second.dispose()
    # Notified inside each transaction: delivered once per commit, in commit (seq) order,
    # whichever process wrote it.
    assert heard == sorted(heard)
    assert heard == [f.event_id for f in stored.events]


async def test_rows_written_together_keep_their_own_ids_and_their_order(
    settings: Settings,
) -> None:
    """An event's feed is written in one statement (on PostgreSQL, one multi-row INSERT): each
    entry must come back with its own row's id, and the batch's order stamp must follow the
    entries' order — a swapped id would send one stream's frame under another's number."""
    db = Database(settings)
    entries = [
        FeedEntry(stream, f"test.{n}", json.dumps({"n": n}))
        for n, stream in enumerate(["conversation:1", STREAM_AGENTS, "contact:7", STREAM_AGENTS])
    ]
    try:
        async with db.session(write=True) as session:
            ids = await log.write_feed(session, entries)
            await log.write_feed(session, entries[:1])  # a later event of the same batch
        async with db.session(write=False) as session:
            rows = (
                await session.execute(
                    select(Event.id, Event.stream, Event.type, Event.seq).order_by(Event.seq)
                )
            ).all()
    finally:
        await db.dispose()
    by_id = {row.id: (row.stream, row.type) for row in rows}
    assert [by_id[i] for i in ids] == [(e.stream, e.type) for e in entries]
    assert [row.type for row in rows] == ["test.0", "test.1", "test.2", "test.3", "test.0"]
    assert [row.id for row in rows][:4] == ids


_AWKWARD = [
    "plain",
    'quotes " and \\ backslashes',
    "a literal \\u0001 and a real \x01 control character",
    "юникод и эмодзи 🙂",
    "x" * 8_000,  # too big for NOTIFY: travels as a reference to its row
]


@pytest.mark.parametrize("text", _AWKWARD, ids=["plain", "escapes", "control", "unicode", "big"])
def test_a_payload_made_before_its_number_is_the_one_made_after(text: str) -> None:
    """The order stamp writes each event's number into a payload made before it was drawn
    (``notify.template``): the result must be what ``notify.encode`` makes of the frame."""
    payload = json.dumps({"text": text}, ensure_ascii=False)
    reach = Reach(inbox_id=3, team_id=None, assignee_id=9)
    early = notify.template("conversation:5", "message.created", payload, reach)
    seq = 9_223_372_036_854_775_807  # the largest bigint: the room left for it must do
    filled = early.replace(notify.SEQ, str(seq))
    late = notify.encode(log._frame(seq, "conversation:5", "message.created", payload, reach))
    assert json.loads(filled) == json.loads(late)
    assert notify.decode(filled) == notify.decode(late)
    assert len(filled.encode()) <= notify.NOTIFY_LIMIT


async def test_a_batchs_frames_are_announced_in_the_order_it_made_them(settings: Settings) -> None:
    """Events and transient frames of one transaction, interleaved: a listener hears each
    once, in the order the transaction made them, each event under its own number (a big one
    as a reference to its row)."""
    if settings.resolved_database_url().startswith("sqlite"):
        pytest.skip("SQLite's frames go to the one process's sockets after each commit")
    db = Database(settings)
    heard: list[dict[str, Any]] = []
    listener = await asyncpg.connect(settings.resolved_database_url().replace("+asyncpg", ""))
    await listener.add_listener(
        notify.CHANNEL, lambda _c, _p, _ch, payload: heard.append(json.loads(payload))
    )
    expected: list[str] = []
    try:
        async with db.session(write=True) as session:
            for n in range(40):
                text = _AWKWARD[n % len(_AWKWARD)]
                await log.append(
                    session, stream=STREAM_AGENTS, type=f"test.{n}", payload={"t": text}
                )
                expected.append("ref" if len(text) > 1_000 else f"test.{n}")
                if n % 7 == 0:
                    typing = {"type": f"typing.{n}"}
                    log.stage_transient(session, stream=STREAM_AGENTS, frame=typing)
                    expected.append(f"typing.{n}")
        async with asyncio.timeout(30):
            while len(heard) < len(expected):  # noqa: ASYNC110 - notifications arrive on their own
                await asyncio.sleep(0.01)
        async with db.session(write=False) as session:
            stored = await log.replay(session, streams=[STREAM_AGENTS], after_id=0, limit=100)
    finally:
        await listener.close()
        await db.dispose()
    assert ["ref" if body.get("ref") else json.loads(body["t"])["type"] for body in heard] == (
        expected
    )
    assert [body["e"] for body in heard if body["e"] is not None] == [
        frame.event_id for frame in stored.events
    ]
    for body in heard:
        if body["e"] is not None and not body.get("ref"):
            frame = json.loads(body["t"])
            assert frame["id"] == body["e"]
            assert frame["data"]["t"] == _AWKWARD[int(frame["type"][5:]) % len(_AWKWARD)]
