"""Report metrics on a small day of work, on SQLite and PostgreSQL, every number computed
by hand (``docs/metrics.md``): office hours Mon–Fri 9–13 and 14–18 Moscow time, four
chats on Wednesday 29 Oct 2025, one reopened, one escalated, a private note that answers
nobody, two dialogs handled at once."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection

from otklik.config import Settings
from otklik.core.db import Database
from otklik.core.migrate import upgrade
from otklik.reports import derive, metrics
from otklik.reports import service as reports
from otklik.reports.filters import Filters
from otklik.reports.schemas import Figures
from tests.auth_support import frozen
from tests.scripts_support import inbox_settings
from tests.support import Visitor, Workspace

MSK = ZoneInfo("Europe/Moscow")
OFFICE = {str(d): [[540, 780], [840, 1080]] for d in range(5)}  # 9–13, 14–18
DAY = datetime(2025, 10, 29, tzinfo=MSK)


def msk(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute, second=second)


async def office_hours(ws: Workspace) -> None:
    body = {"name": "Office", "timezone": "Europe/Moscow", "weekly": OFFICE}
    made = await ws.api.post("/api/v1/sla/calendars", headers=ws.auth(), json=body)
    assert made.status_code == 201, made.text
    linked = await ws.api.put(
        f"/api/v1/sla/calendars/{made.json()['id']}/links",
        headers=ws.auth(),
        json={"inbox_ids": [ws.inbox_id]},
    )
    assert linked.status_code == 200, linked.text


async def status(ws: Workspace, conversation_id: int, value: str) -> None:
    done = await ws.api.post(
        f"/api/v1/conversations/{conversation_id}/status",
        headers=ws.auth(),
        json={"status": value},
    )
    assert done.status_code == 200, done.text


async def chat(ws: Workspace, text: str) -> tuple[int, Visitor]:
    visitor = await ws.visitor()
    sent = await visitor.say(text)
    return int(sent["conversation_id"]), visitor


async def second_line(ws: Workspace) -> int:
    made = await ws.api.post(
        "/api/v1/teams", headers=ws.auth(), json={"name": "2nd line", "agent_ids": []}
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def a_day_of_work(ws: Workspace) -> dict[str, int]:
    """The fixture; the comments give each fact it must leave."""
    await office_hours(ws)
    # Every new chat gets a bot greeting at once: it answers nobody (no 0-second responses).
    await inbox_settings(ws, greeting_message="Hello! We answer within the hour.")
    team = await second_line(ws)
    ids: dict[str, int] = {}
    with frozen(msk(10)) as clock:
        ids["a"], a = await chat(ws, "hello")  # created 10:00, waiting since 10:00
        clock.advance(minutes=6)
        await ws.reply(ids["a"], "hi")  # first response 6 min; handled from 10:06
        clock.advance(minutes=4)
        await a.say("one more thing")  # 10:10 waiting
        clock.advance(minutes=2)
        await a.say("and another")  # 10:12: still waiting since 10:10
        clock.advance(minutes=8)
        await ws.reply(ids["a"], "done")  # 10:20: response 10 min, 2nd reply session
        clock.advance(minutes=10)
        await status(ws, ids["a"], "resolved")  # 10:30: resolution 30 min, handle 24 min

        clock.now = msk(12, 50)
        clock.advance()
        ids["b"], b = await chat(ws, "question before lunch")
        clock.now = msk(14, 10)
        clock.advance()
        await ws.reply(ids["b"], "answer")  # 80 min; 10 + 10 business min
        clock.advance(minutes=10)
        await status(ws, ids["b"], "resolved")  # 14:20: 90 min; 10 + 20 business
        clock.now = msk(15)
        clock.advance()
        await b.say("it broke again")  # reopened 15:00; a new first response
        clock.advance(minutes=5)
        await ws.reply(ids["b"], "fixed")  # 15:05: first response 5 min
        clock.advance(minutes=5)
        await status(ws, ids["b"], "resolved")  # 15:10: full resolution 140 min (80)

        clock.now = msk(16)
        clock.advance()
        ids["c"], _ = await chat(ws, "quick one")
        clock.advance(seconds=30)
        ids["d"], _ = await chat(ws, "a hard one")  # 16:00:30
        clock.advance(seconds=30)
        await ws.reply(ids["c"], "looking", private=True)  # 16:01, a note answers nobody
        clock.advance(seconds=30)
        await ws.reply(ids["d"], "let me see")  # 16:01:30: first response 60 s
        clock.advance(minutes=1, seconds=30)
        escalated = await ws.api.post(
            f"/api/v1/conversations/{ids['d']}/escalate",
            headers=ws.auth(),
            json={"to_team_id": team, "reason": "needs the 2nd line"},
        )
        assert escalated.status_code == 200, escalated.text  # 16:03
        clock.advance(minutes=1)
        await ws.reply(ids["c"], "here you go")  # 16:04: first response 4 min
        clock.advance(minutes=1)
        await status(ws, ids["c"], "resolved")  # 16:05: handled 60 s with D at once
    return ids


async def figures(db: Database, **filters: Any) -> Figures:
    period = Filters(since=DAY, until=DAY + timedelta(days=1), **filters)
    async with db.session(write=False) as session:
        return await metrics.figures(session, period)


def stat(value: Any) -> tuple[int, float | None, float | None, float | None]:
    return (value.count, value.mean, value.median, value.p90)


async def test_every_metric_of_a_day_by_hand(workspace: Workspace, db: Database) -> None:
    ids = await a_day_of_work(workspace)
    listed = await workspace.api.get(
        f"/api/v1/conversations/{ids['a']}/messages", headers=workspace.auth()
    )
    assert "bot" in [m["author_type"] for m in listed.json()["items"]]
    got = await figures(db)

    assert (got.created, got.resolved, got.reopened, got.escalated) == (4, 4, 1, 1)
    # First responses: A 360, B 4800 (1200 business), B reopened 300, D 60, C 240.
    assert stat(got.first_response.calendar) == (5, 5760 / 5, 300, 4800)
    assert stat(got.first_response.business) == (5, 2160 / 5, 300, 1200)
    # Per-conversation values belong to the resolution closing their cycle (ADR 0031); D
    # is not resolved, so it has none. Response time, the mean of each cycle's responses:
    # A (360 + 600) / 2 = 480; B's first cycle 4800 (1200 business: 12:50–13:00 and
    # 14:00–14:10), its second after the reopening 300; C 240. Sorted 240, 300, 480, 4800:
    # median (300 + 480) / 2, p90 the 4th of 4.
    assert stat(got.response.calendar) == (4, 5820 / 4, 390, 4800)
    assert stat(got.response.business) == (4, 2220 / 4, 390, 1200)
    # First resolutions: A 1800, B 5400 (1800), C 300. Full: every resolution from the
    # conversation's creation: A 1800, B 5400 and B again at 15:10, 8400 (4800), C 300.
    assert stat(got.resolution_first.calendar) == (3, 2500, 1800, 5400)
    assert stat(got.resolution_first.business) == (3, 1300, 1800, 1800)
    assert stat(got.resolution_full.calendar) == (4, 15900 / 4, 3600, 8400)
    assert stat(got.resolution_full.business) == (4, 8700 / 4, 1800, 4800)
    # Handle time per cycle, the segments up to its resolution added up: A 10:06–10:30
    # 1440; B 14:10–14:20 600 and, after the reopening, 15:05–15:10 300; C 16:04–16:05 60
    # (shared with D: 30 per dialog). All in office hours: business = calendar.
    assert stat(got.handle.calendar) == (4, 2400 / 4, 450, 1440)
    assert stat(got.handle.business) == (4, 2400 / 4, 450, 1440)
    assert stat(got.handle_per_dialog.calendar) == (4, 2370 / 4, 450, 1440)
    # FCR: only C (A had two reply sessions, B was reopened).
    assert (got.fcr.numerator, got.fcr.denominator) == (1, 3)
    assert (got.reopen_rate.numerator, got.reopen_rate.denominator) == (1, 4)
    assert got.reopen_rate.percent == 25
    assert (got.escalation_rate.numerator, got.escalation_rate.denominator) == (1, 4)


async def test_filters_and_an_empty_period(workspace: Workspace, db: Database) -> None:
    await a_day_of_work(workspace)
    other = await figures(db, inbox_ids=(workspace.inbox_id + 1000,))
    assert (other.created, other.first_response.calendar.count) == (0, 0)
    assert other.fcr.percent is None
    widget = await figures(db, channels=("widget",))
    assert widget.created == 4
    async with db.session(write=False) as session:
        before = await metrics.figures(session, Filters(since=DAY - timedelta(days=1), until=DAY))
    assert before.created == 0 and before.first_response.calendar.mean is None


async def test_the_backfill_rebuilds_facts_from_stored_history(
    workspace: Workspace, db: Database
) -> None:
    await a_day_of_work(workspace)
    async with db.session(write=True) as session:
        for name in ("report_facts", "report_hourly", "report_conversations"):
            await session.execute(text(f"DELETE FROM {name}"))
    assert (await figures(db)).created == 0

    done, after = [], 0
    while True:
        async with db.session(write=True) as session:
            last = await reports.backfill_batch(session, after_id=after, size=3)
        if last is None:
            break
        done.append(last)
        after = last
    assert len(done) == 2  # 4 conversations, 3 a batch

    got = await figures(db)
    # Only B's last resolution is stored: its reopening and first resolution are not known.
    assert (got.created, got.resolved, got.reopened, got.escalated) == (4, 3, 0, 1)
    assert stat(got.first_response.calendar) == (4, 5460 / 4, 300, 4800)
    assert stat(got.first_response.business) == (4, 1860 / 4, 300, 1200)
    # One cycle each now (no reopening known): A 480, B (4800 + 300) / 2, C 240; D open.
    assert stat(got.response.calendar) == (3, 3270 / 3, 480, 2550)
    assert stat(got.resolution_full.calendar) == (3, 3500, 1800, 8400)

    async with db.session(write=True) as session:  # run again: nothing left to do
        assert await reports.backfill_batch(session, after_id=0) is None
    assert (await figures(db)).created == 4


_DERIVED = (
    "DELETE FROM report_day_bins",
    "DELETE FROM report_facts WHERE kind IN ('conv_response', 'conv_handle', 'conv_handle_dialog')",
    "DELETE FROM report_hourly WHERE kind IN ('conv_response', 'conv_handle',"
    " 'conv_handle_dialog', 'fcr_candidate', 'fcr_spoiled', 'escalated_created')",
    "UPDATE report_conversations SET cycle_responses = 0, cycle_response_c = 0,"
    " cycle_response_b = 0, cycle_handles = 0, cycle_handle_c = 0, cycle_handle_b = 0,"
    " cycle_handle_dc = 0, cycle_handle_db = 0",
)
_SNAPSHOT = {
    "bins": "SELECT day, measure, inbox_id, channel, team_key, bin, sum(n), sum(total),"
    " min(low), max(high) FROM report_day_bins GROUP BY day, measure, inbox_id, channel,"
    " team_key, bin ORDER BY 1, 2, 3, 4, 5, 6",
    "facts": "SELECT conversation_id, kind, at, agent_id, seconds, business_seconds, n"
    " FROM report_facts WHERE kind LIKE 'conv%' ORDER BY 1, 2, 3",
    "hourly": "SELECT hour, kind, inbox_id, channel, team_key, agent_key, sum(n),"
    " sum(seconds) FROM report_hourly GROUP BY hour, kind, inbox_id, channel, team_key,"
    " agent_key ORDER BY 1, 2, 3, 4, 5, 6",
    "state": "SELECT conversation_id, cycle_responses, cycle_response_c, cycle_response_b,"
    " cycle_handles, cycle_handle_c, cycle_handle_dc FROM report_conversations ORDER BY 1",
}


async def _snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    async with db.session(write=False) as session:
        found = {}
        for name, query in _SNAPSHOT.items():
            rows = (await session.execute(text(query))).all()
            found[name] = [
                tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows
            ]
        return found


async def test_bulk_derivation_writes_what_the_live_path_wrote(
    workspace: Workspace, db: Database
) -> None:
    """Migration 0048 and the bench derive the cycle facts, their rollups, the day bins and
    the open cycles' sums from existing facts (``reports/derive.py``): the same rows and
    figures as the events wrote one at a time."""
    await a_day_of_work(workspace)
    live, before = await _snapshot(db), await figures(db)
    assert len(live["facts"]) == 3 * 4 and live["bins"]  # 3 conv_* facts × 4 resolutions
    # D is open: its one response (60 s) is the running cycle.
    assert (ids := [row for row in live["state"] if row[1]]) and ids[-1][1:4] == (1, 60.0, 60.0)
    async with db.session(write=True) as session:
        for statement in _DERIVED:
            await session.execute(text(statement))
    assert (await figures(db)).handle.calendar.count == 0
    async with db.session(write=True) as session:
        dialect = session.get_bind().dialect.name
        for statement in [*derive.statements(dialect), *derive.operator_bins(dialect)]:
            await session.execute(text(statement))
    assert await _snapshot(db) == live
    assert await figures(db) == before


def bare_facts(conn: Connection, facts: list[tuple[Any, ...]]) -> None:
    """Facts of conversation 1 by operator 7 (kind, at, seconds, n, first) on a bare
    connection (it does not enforce foreign keys: the facts alone will do)."""
    for kind, at, seconds, n, first in facts:
        conn.execute(
            text(
                "INSERT INTO report_facts (conversation_id, kind, at, inbox_id, channel,"
                " team_id, agent_id, seconds, business_seconds, n, first) VALUES (1, :kind,"
                " :at, 1, 'widget', NULL, 7, :s, :s, :n, :first)"
            ),
            {"kind": kind, "at": at, "s": seconds, "n": n, "first": first},
        )


def migrated(
    tmp_path: Path,
    revision: str,
    facts: list[tuple[Any, ...]],
    queries: dict[str, str],
    setup: tuple[str, ...] = (),
) -> dict[str, list[tuple[Any, ...]]]:
    """A SQLite database at ``revision`` given ``facts`` (and ``setup``'s statements),
    upgraded to the head: what each of ``queries`` finds then."""
    settings = Settings(data_dir=tmp_path, secret_key="migration-secret-0123456789")
    upgrade(settings, revision)
    engine = create_engine(f"sqlite:///{tmp_path / 'otklik.db'}")
    with engine.begin() as conn:
        for statement in setup:
            conn.execute(text(statement))
        bare_facts(conn, facts)
    upgrade(settings)
    with engine.connect() as conn:
        found = {name: [tuple(r) for r in conn.execute(text(q))] for name, q in queries.items()}
    engine.dispose()
    return found


def test_the_migration_derives_bins_from_existing_facts(tmp_path: Path) -> None:
    """Upgrading a database of 0047 (facts, no day bins) fills the bins, the cycle facts
    and the rollup-only counts."""
    facts = [  # kind, at, seconds, n, first
        ("created", "2026-03-02 10:00:00.000000", None, None, 0),
        ("response", "2026-03-02 10:05:00.000000", 300.0, None, 0),
        ("response", "2026-03-02 11:00:00.000000", 100.0, None, 0),
        ("handle", "2026-03-02 12:00:00.000000", 3000.0, 2, 0),
        ("resolved", "2026-03-02 12:00:00.000000", 7200.0, 1, 1),
        ("escalated", "2026-03-03 09:00:00.000000", None, None, 0),
    ]
    queries = {
        "derived": "SELECT kind, seconds, n FROM report_facts WHERE kind LIKE 'conv%'"
        " ORDER BY kind",
        "bins": "SELECT measure, day, n, total FROM report_day_bins WHERE inbox_id >= 0"
        " ORDER BY measure",
        # The tables' rows: operator 7 (inbox -1) and no team (inbox -2), each response.
        "by_owner": "SELECT inbox_id, team_key, measure, total FROM report_day_bins"
        " WHERE inbox_id IN (-1, -2)"
        " ORDER BY inbox_id, total",
        "rolled": "SELECT kind, hour, n FROM report_hourly"
        " WHERE kind IN ('fcr_candidate', 'escalated_created') ORDER BY kind",
    }
    found = migrated(tmp_path, "0047", facts, queries)
    derived, bins, by_owner, rolled = (found[name] for name in queries)
    # The cycle: responses (300 + 100) / 2; one segment of 3000 s shared by 2 dialogs.
    assert [tuple(r) for r in derived] == [
        ("conv_handle", 3000.0, 1),
        ("conv_handle_dialog", 1500.0, 1),
        ("conv_response", 200.0, 2),
    ]
    day = "2026-03-02 00:00:00.000000"
    assert {(m, d, n, total) for m, d, n, total in bins} == {
        (f"{measure}_{clock}", day, 1, value)
        for measure, value in (
            ("conv_handle", 3000.0),
            ("conv_handle_dialog", 1500.0),
            ("conv_response", 200.0),
            ("resolution_first", 7200.0),
            ("resolution_full", 7200.0),
        )
        for clock in "cb"
    }
    assert [tuple(r) for r in by_owner] == [
        (-2, 0, "response_c", 100.0),
        (-2, 0, "response_c", 300.0),
        (-1, 7, "response_c", 100.0),
        (-1, 7, "response_c", 300.0),
    ]
    # Escalated the next day, counted in the hour the conversation was created.
    assert [tuple(r) for r in rolled] == [
        ("escalated_created", "2026-03-02 10:00:00.000000", 1),
        ("fcr_candidate", "2026-03-02 12:00:00.000000", 1),
    ]
