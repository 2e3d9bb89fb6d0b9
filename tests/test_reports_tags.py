"""The overview for one tag or several (the tags' own rows, ADR 0032) and for one operator
(the operators' day bins) against figures computed by hand and against the facts, on SQLite
and PostgreSQL: a tag added after a conversation's facts were written, a tag removed,
conversations with two and three tags, filters on two and three tags, facts at the period's
ends; and the migration's derivation of those rows equal to what the live path wrote."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from otklik.config import Settings
from otklik.core import write_shard
from otklik.core.db import Database
from otklik.core.migrate import alembic_config, upgrade_async
from otklik.reports import (
    breakdowns,
    derive,
    distributions,
    metrics,
    overlap,
    tagged,
    tracking,
)
from otklik.reports.filters import Filters
from otklik.reports.schemas import Figures
from otklik.reports.tracking import Conv
from tests.report_checks import same_figures
from tests.support import Workspace
from tests.test_reports_bins import conversations
from tests.test_reports_metrics import migrated

DAY = datetime(2026, 3, 2, tzinfo=UTC)
#: From 06:00 of the first day: its end (18 h) from the facts, then two whole days.
PERIOD = Filters(since=DAY + timedelta(hours=6), until=DAY + timedelta(days=3))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hour, minutes=minute)


class _Life:
    """One conversation's events through the subscribers' functions (``tracking.py``),
    its ``conversation_tags`` rows kept as the conversations domain keeps them."""

    def __init__(self, conn: Connection, cid: int, born: datetime, tags: tuple[str, ...]):
        self.conn, self.cid, self.born, self.tags = conn, cid, born, tags
        self.status, self.agent = "open", None
        self._tag_rows(tags, ())
        tracking.created(conn, None, self.conv())
        tracking.customer_wrote(conn, self.conv(), born, reopened=False)

    def conv(self) -> Conv:
        return Conv(self.cid, 1, "widget", None, None, self.status, self.born, self.tags)

    def _tag_rows(self, added: tuple[str, ...], removed: tuple[str, ...]) -> None:
        for tag in removed:
            self.conn.execute(
                text("DELETE FROM conversation_tags WHERE conversation_id = :c AND tag = :t"),
                {"c": self.cid, "t": tag},
            )
        for tag in added:
            self.conn.execute(
                text("INSERT INTO conversation_tags (conversation_id, tag) VALUES (:c, :t)"),
                {"c": self.cid, "t": tag},
            )

    def reply(self, when: datetime, agent: int) -> None:
        tracking.operator_replied(self.conn, None, self.conv(), agent, when)

    def resolve(self, when: datetime) -> None:
        self.status = "resolved"
        tracking.updated(self.conn, None, self.conv(), when)

    def write(self, when: datetime) -> None:
        reopened = self.status == "resolved"
        self.status = "open"
        tracking.customer_wrote(self.conn, self.conv(), when, reopened=reopened)

    def escalate(self, when: datetime) -> None:
        tracking.escalated(self.conn, self.cid, when, agent_id=None, from_team_id=None)

    def retag(self, when: datetime, tags: tuple[str, ...]) -> None:
        old = self.tags
        self._tag_rows(
            tuple(t for t in tags if t not in old), tuple(t for t in old if t not in tags)
        )
        self.tags = tags
        tracking.updated(self.conn, None, self.conv(), when)


def _story(conn: Connection) -> None:
    """1: untagged while it happens (escalated too), "vip" added after its resolution.
    2: "vip" and "billing" from its creation, resolved the next day, reopened.
    3: "vip" from its creation, removed the next day. 4: never tagged.
    5: "vip", every fact in the part of the first day the period starts in."""
    one = _Life(conn, 1, at(1, 10), ())
    one.reply(at(1, 10, 10), agent=1)  # first response and response 600 s
    one.escalate(at(1, 10, 30))
    one.resolve(at(1, 11))  # resolution 3,600 s, handle 3,000 s (from the reply)
    one.retag(at(1, 12), ("vip",))
    two = _Life(conn, 2, at(1, 9), ("billing", "vip"))
    two.reply(at(1, 9, 20), agent=2)  # 1,200 s
    two.resolve(at(2, 9))  # 86,400 s, handle 85,200 s
    two.write(at(2, 15))  # reopened within 7 days: not a first-contact resolution
    three = _Life(conn, 3, at(1, 13), ("vip",))
    three.reply(at(1, 13, 5), agent=3)  # 300 s
    three.resolve(at(1, 13, 30))  # 1,800 s
    three.retag(at(2, 10), ())
    four = _Life(conn, 4, at(1, 8), ())
    four.reply(at(1, 8, 1), agent=1)  # 60 s
    four.resolve(at(1, 8, 2))  # 120 s
    five = _Life(conn, 5, at(0, 21), ("vip",))
    five.reply(at(0, 21, 3), agent=5)  # 180 s
    five.resolve(at(0, 21, 10))  # 600 s, handle 420 s


async def _lived(db: Database) -> None:
    await conversations(db, 5)
    async with db.session(write=True) as session:
        await session.run_sync(lambda s: _story(s.connection()))


async def _figures(db: Database, **filters: Any) -> Figures:
    period = Filters(since=PERIOD.since, until=PERIOD.until, **filters)
    async with db.session(write=False) as session:
        return await metrics.figures(session, period)


def _stat(value: Any) -> tuple[int, float | None, float | None, float | None]:
    return (value.count, value.mean, value.median, value.p90)


async def test_one_tag_from_its_rows_as_by_hand_and_as_the_facts(db: Database) -> None:
    await _lived(db)
    async with db.session(write=False) as session:
        scope = metrics.access.scope_in(session)
        assert metrics.tag_rows(Filters(PERIOD.since, PERIOD.until, tags=("vip",)), scope)
    vip = await _figures(db, tags=("vip",))
    # 1 (tagged after its facts), 2 and 5 (at the period's start, from the facts); not 3.
    assert (vip.created, vip.resolved, vip.reopened, vip.escalated) == (3, 3, 1, 1)
    resolutions, handles = (3, 90600 / 3, 3600.0, 86400.0), (3, 88620 / 3, 3000.0, 85200.0)
    assert {
        metric: _stat(getattr(vip, metric).calendar) for metric in distributions.DISTRIBUTIONS
    } == {
        "first_response": (3, 660.0, 600.0, 1200.0),
        "response": (3, 660.0, 600.0, 1200.0),
        "resolution_first": resolutions,
        "resolution_full": resolutions,
        "handle": handles,
        "handle_per_dialog": handles,  # one dialog at a time each
    }
    assert _stat(vip.resolution_first.business) == resolutions  # round the clock
    # 2 reopened within 7 days: 2 of 3; 1 escalated of the 3 created.
    assert (vip.fcr.numerator, vip.fcr.denominator) == (2, 3)
    assert (vip.escalation_rate.numerator, vip.escalation_rate.denominator) == (1, 3)
    # The same from the facts (an inbox filter too sends the tag filter to the facts).
    same_figures(vip, await _figures(db, tags=("vip",), inbox_ids=(1,)))
    same_figures(vip, await _figures(db, tags=("vip", "unused")))
    billing = await _figures(db, tags=("billing",))
    assert (billing.created, billing.resolved, billing.reopened) == (1, 1, 1)
    assert _stat(billing.first_response.calendar) == (1, 1200.0, 1200.0, 1200.0)
    assert billing.fcr.numerator == 0
    # Any of two tags: 2 carries both and counts once (1, 2 and 5).
    both = await _figures(db, tags=("vip", "billing"))
    same_figures(both, vip)
    none = await _figures(db, tags=("unused",))
    assert (none.created, none.first_response.calendar.count) == (0, 0)


async def test_one_operator_from_the_operators_bins(db: Database) -> None:
    await _lived(db)
    async with db.session(write=False) as session:
        scope = metrics.access.scope_in(session)
        assert distributions.operator_bins_usable(Filters(DAY, DAY, agent_ids=(1,)), scope)
    one = await _figures(db, agent_ids=(1,))
    # Operator 1: conversations 1 and 4 (replied, resolved as the handler).
    assert _stat(one.first_response.calendar) == (2, 330.0, 330.0, 600.0)
    assert _stat(one.resolution_full.calendar) == (2, 1860.0, 1860.0, 3600.0)
    assert _stat(one.handle.calendar) == (2, 1530.0, 1530.0, 3000.0)
    # The facts (an inbox filter too sends the operator filter to the facts).
    same_figures(one, await _figures(db, agent_ids=(1,), inbox_ids=(1,)))
    same_figures(
        await _figures(db, agent_ids=(5,)), await _figures(db, agent_ids=(5,), inbox_ids=(1,))
    )


def _overlapping(conn: Connection) -> None:
    """Conversations 6–11 under "vip", "billing" and "urgent", most with two or three of
    them, facts on the whole days and in the part of the first day; conversation 6's first
    response (605 s) shares its bin with 1's (600 s), so that bin's smallest is one
    conversation's and its largest another's."""
    six = _Life(conn, 6, at(1, 10), ("billing", "urgent", "vip"))
    six.reply(at(1, 10, 10) + timedelta(seconds=5), agent=2)
    six.escalate(at(1, 10, 20))
    six.resolve(at(1, 11))
    six.write(at(1, 20))  # reopened within 7 days: FCR spoiled
    six.reply(at(1, 20, 30), agent=2)
    six.resolve(at(2, 1))
    seven = _Life(conn, 7, at(0, 22), ("billing", "vip"))  # created in the part of day 0
    seven.reply(at(0, 22, 5), agent=3)
    seven.resolve(at(1, 3))
    eight = _Life(conn, 8, at(1, 14), ("urgent",))
    eight.reply(at(1, 14, 2), agent=1)
    eight.resolve(at(1, 14, 30))
    nine = _Life(conn, 9, at(2, 8), ("billing",))
    nine.reply(at(2, 8, 10), agent=1)
    nine.resolve(at(2, 9))
    nine.retag(at(2, 10), ("billing", "vip"))  # the second tag after its facts
    ten = _Life(conn, 10, at(2, 12), ("urgent", "vip"))
    ten.reply(at(2, 12, 1), agent=3)
    ten.retag(at(2, 13), ("vip",))  # one of two taken out
    ten.resolve(at(2, 14))
    eleven = _Life(conn, 11, at(1, 7), ("billing", "urgent"))
    eleven.reply(at(1, 7, 30), agent=1)  # never resolved


async def _rows_as_the_facts(db: Database, choices: list[tuple[str, ...]]) -> None:
    """Each choice of tags from the rows equals the facts' answer (the inbox filter sends it
    to the facts), over ``PERIOD`` and a period whose whole days and whole hours do not
    coincide."""
    for period in (PERIOD, Filters(since=at(0, 6, 17), until=at(2, 15, 43))):
        for tags in choices:
            async with db.session(write=False) as session:
                rows = await metrics.figures(session, replace(period, tags=tags))
                facts = await metrics.figures(session, replace(period, tags=tags, inbox_ids=(1,)))
            same_figures(rows, facts)


async def test_several_tags_from_their_rows_as_the_facts(db: Database) -> None:
    """ "Any of" several tags from the tags' rows added up less the conversations counted
    more than once equals the facts' answer (read with an inbox filter too), for each
    choice of tags."""
    await conversations(db, 11)
    async with db.session(write=True) as session:
        await session.run_sync(lambda s: (_story(s.connection()), _overlapping(s.connection())))
    choices = [
        ("billing", "vip"),
        ("billing", "urgent", "vip"),
        ("billing", "urgent"),
        ("urgent", "vip"),
        ("unused", "vip"),
    ]
    async with db.session(write=False) as session:
        scope = metrics.access.scope_in(session)
        for tags in choices:
            assert metrics.tag_rows(Filters(PERIOD.since, PERIOD.until, tags=tags), scope) == tags
    await _rows_as_the_facts(db, choices)
    every = await _figures(db, tags=("billing", "urgent", "vip"))
    # Created in the period and carrying any of them now: 1, 2, 5, 6, 7, 8, 9, 10, 11 (not
    # 3, whose tag was taken out): nine, against 15 in the three tags' rows added up.
    assert (every.created, every.resolved, every.reopened, every.escalated) == (9, 9, 2, 2)
    assert _stat(every.first_response.calendar)[0] == 10  # 6 also after its reopening
    assert (every.fcr.numerator, every.fcr.denominator) == (6, 8)  # 2 and 6 reopened
    assert (every.escalation_rate.numerator, every.escalation_rate.denominator) == (2, 9)


#: Tags beyond "billing", "urgent" and "vip" for conversations carrying many.
_MORE = tuple(f"more{i}" for i in range(tagged.PAIRS_UP_TO))


def _many(conn: Connection) -> None:
    """Conversations 12–14 carry more than ``PAIRS_UP_TO`` tags at some time (no pair rows
    then): 12 always; 13 gains its ninth tag after its first facts and loses it again after
    its resolution; 14 has two of the three tags and many more, then only two tags."""
    twelve = _Life(conn, 12, at(1, 9), ("billing", "urgent", "vip", *_MORE))
    twelve.reply(at(1, 9, 7), agent=1)
    twelve.resolve(at(1, 16))
    eight_tags = ("billing", "vip", *_MORE[:6])
    thirteen = _Life(conn, 13, at(1, 15), eight_tags)
    thirteen.reply(at(1, 15, 4), agent=2)
    thirteen.retag(at(1, 18), (*eight_tags, "urgent"))  # nine: its pairs' rows go
    thirteen.resolve(at(2, 2))
    thirteen.retag(at(2, 3), eight_tags)  # eight again: its pairs' rows come back
    thirteen.write(at(2, 4))
    fourteen = _Life(conn, 14, at(0, 23), ("urgent", "vip", *_MORE))
    fourteen.reply(at(1, 0, 30), agent=3)
    fourteen.resolve(at(1, 6))
    fourteen.retag(at(1, 7), ("urgent", "vip"))


async def test_conversations_with_more_tags_than_pairs_are_kept_for(db: Database) -> None:
    """A conversation carrying more than ``PAIRS_UP_TO`` tags has no pair rows, and its
    facts are read when several of its tags are asked for: "any of" from the rows still
    equals the facts' answer, also as a conversation's tags cross that number."""
    await conversations(db, 14)
    async with db.session(write=True) as session:
        await session.run_sync(
            lambda s: (_story(s.connection()), _overlapping(s.connection()), _many(s.connection()))
        )
    async with db.session(write=False) as session:
        held = await session.execute(
            text("SELECT DISTINCT tag, other FROM report_tag_pair_counts WHERE tag = 'more0'")
        )
        # 13's eight tags now (12 has too many): none of the other tags come before "more".
        assert sorted(held) == [("more0", t) for t in _MORE[1:6] + ("vip",)]
    choices = [
        ("billing", "vip"),
        ("urgent", "vip"),
        ("billing", "urgent", "vip"),
        ("more0", "vip"),
        ("billing", "more0", "more1", "urgent"),
    ]
    await _rows_as_the_facts(db, choices)
    # Carrying "urgent" or "vip" now, all created in the period: every conversation but 3
    # and 4; resolved the same number of times (6 twice, 11 never).
    either = await _figures(db, tags=("urgent", "vip"))
    assert (either.created, either.resolved) == (12, 12)


async def test_volume_by_tag_from_the_tags_rows_as_by_hand_and_as_the_facts(db: Database) -> None:
    """The volume by tag for an admin without filters adds up the tags' hourly rows (the
    parts of an hour at the ends from the facts); with an inbox filter it reads the facts
    joined to the tags. Both count each conversation under the tags it carries now."""
    await conversations(db, 11)
    async with db.session(write=True) as session:
        await session.run_sync(lambda s: (_story(s.connection()), _overlapping(s.connection())))
    for period in (PERIOD, Filters(since=at(0, 6, 17), until=at(2, 15, 43))):
        async with db.session(write=False) as session:
            rows = await breakdowns.volume(session, period, "tag")
            facts = await breakdowns.volume(session, replace(period, inbox_ids=(1,)), "tag")
        assert rows == facts
    async with db.session(write=False) as session:
        whole = await breakdowns.volume(session, PERIOD, "tag")
    # vip now: 1, 2, 5, 6, 7, 9, 10 (6 resolved twice; 2 and 6 reopened); billing: 2, 6, 7,
    # 9, 11 (11 never resolved); urgent: 6, 8, 11. 3 lost its tag, 4 never had one.
    assert {r.key: (r.created, r.resolved, r.reopened) for r in whole} == {
        "billing": (5, 5, 2),
        "urgent": (3, 3, 1),
        "vip": (7, 8, 2),
    }


async def test_a_tag_taken_out_in_another_write_lane_s_shard(db: Database) -> None:
    """On PostgreSQL a tag's removal takes the values out in the shard of the lane that
    writes it, not in the one that counted them: the tag's bins add the shards up before
    asking whether a bin holds values (SQLite has one shard)."""
    await conversations(db, 2)

    def lived(conn: Connection) -> None:
        conn.info[write_shard._CLAIMED] = 1
        one = _Life(conn, 1, at(1, 10), ("vip",))
        one.reply(at(1, 10, 10), agent=1)  # 600 s
        two = _Life(conn, 2, at(1, 12), ("vip",))
        two.reply(at(1, 12, 20), agent=1)  # 1,200 s
        conn.info[write_shard._CLAIMED] = 2
        one.retag(at(1, 13), ())
        conn.info.pop(write_shard._CLAIMED)

    async with db.session(write=True) as session:
        await session.run_sync(lambda s: lived(s.connection()))
    vip = await _figures(db, tags=("vip",))
    assert _stat(vip.first_response.calendar) == (1, 1200.0, 1200.0, 1200.0)
    same_figures(vip, await _figures(db, tags=("vip",), inbox_ids=(1,)))


_SNAPSHOT = {
    "counts": "SELECT tag, kind, hour, sum(n) FROM report_tag_counts GROUP BY tag, kind, hour"
    " HAVING sum(n) != 0 ORDER BY 1, 2, 3",
    "bins": "SELECT tag, day, measure, bin, sum(n), sum(total), min(low), max(high)"
    " FROM report_tag_day_bins WHERE n != 0 GROUP BY tag, day, measure, bin ORDER BY 1, 2, 3, 4",
    "pair_counts": "SELECT tag, other, kind, hour, sum(n) FROM report_tag_pair_counts"
    " GROUP BY tag, other, kind, hour HAVING sum(n) != 0 ORDER BY 1, 2, 3, 4",
    "pair_bins": "SELECT tag, other, day, measure, bin, sum(n), sum(total), min(low), max(high)"
    " FROM report_tag_pair_day_bins WHERE n != 0 GROUP BY tag, other, day, measure, bin"
    " ORDER BY 1, 2, 3, 4, 5",
    "operators": "SELECT day, measure, team_key, bin, sum(n), sum(total), min(low), max(high)"
    " FROM report_day_bins WHERE inbox_id = -3 GROUP BY day, measure, team_key, bin"
    " ORDER BY 1, 2, 3, 4",
}


async def _snapshot(db: Database) -> dict[str, Any]:
    async with db.session(write=False) as session:
        found: dict[str, Any] = {}
        for name, query in _SNAPSHOT.items():
            rows = (await session.execute(text(query))).all()
            found[name] = [
                tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows
            ]
        tags = await session.execute(
            text("SELECT conversation_id, tags FROM report_conversations ORDER BY 1")
        )
        found["state"] = [(c, sorted(json.loads(t)) if t else []) for c, t in tags]
        return found


async def test_the_derivation_writes_what_the_live_path_wrote(db: Database) -> None:
    """Migrations 0049 and 0052 and the bench derive the tags' and the pairs' rows, the
    conversations' tags and the operators' overview bins from existing facts: the same
    rows and figures (conversations with tags added and taken out, with three of them, and
    with more than ``PAIRS_UP_TO``)."""
    await conversations(db, 14)
    async with db.session(write=True) as session:
        await session.run_sync(
            lambda s: (_story(s.connection()), _overlapping(s.connection()), _many(s.connection()))
        )
    live = await _snapshot(db)
    chosen: list[dict[str, Any]] = [
        {"tags": ("vip",)},
        {"tags": ("billing", "urgent", "vip")},
        {"agent_ids": (1,)},
    ]
    before = [await _figures(db, **f) for f in chosen]
    assert live["state"][:5] == [
        (1, ["vip"]),
        (2, ["billing", "vip"]),
        (3, []),
        (4, []),
        (5, ["vip"]),
    ]
    assert live["pair_counts"] and live["pair_bins"]
    async with db.session(write=True) as session:
        for statement in (
            "DELETE FROM report_tag_counts",
            "DELETE FROM report_tag_day_bins",
            "DELETE FROM report_tag_pair_counts",
            "DELETE FROM report_tag_pair_day_bins",
            "DELETE FROM report_day_bins WHERE inbox_id = -3",
            "UPDATE report_conversations SET tags = NULL",
        ):
            await session.execute(text(statement))
        dialect = session.get_bind().dialect.name
        derived_rows = [
            *derive.operator_bins(dialect),
            *tagged.derived(dialect),
            *tagged.pairs_derived(dialect),
        ]
        for statement in derived_rows:
            await session.execute(text(statement))
    derived = await _snapshot(db)
    assert derived == live
    for filters, figures in zip(chosen, before, strict=True):
        same_figures(await _figures(db, **filters), figures)


async def _post(ws: Workspace, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A conversation action (``/conversations/<path>``) that must succeed."""
    done = await ws.api.post(f"/api/v1/conversations/{path}", headers=ws.auth(), json=body)
    assert done.status_code == 200, done.text
    result: dict[str, Any] = done.json()
    return result


async def test_tagging_through_the_api_folds_the_facts(workspace: Workspace, db: Database) -> None:
    """The conversations domain's tag change reaches the reports (its update event)."""
    visitor = await workspace.visitor()
    sent = await visitor.say("hello")
    cid = int(sent["conversation_id"])
    await workspace.reply(cid, "hi")
    period = Filters(
        since=datetime.now(UTC) - timedelta(days=3), until=datetime.now(UTC) + timedelta(hours=1)
    )

    async def tagged_figures(tag: str) -> Figures:
        async with db.session(write=False) as session:
            return await metrics.figures(
                session, Filters(since=period.since, until=period.until, tags=(tag,))
            )

    for body, vip in (({"add": ["vip"]}, 1), ({"remove": ["vip"]}, 0)):
        await _post(workspace, f"{cid}/tags", body)
        got = await tagged_figures("vip")
        assert (got.created, got.first_response.calendar.count) == (vip, vip)
    async with db.session(write=False) as session:
        rows = (await session.execute(text("SELECT sum(n) FROM report_tag_counts"))).scalar()
    assert rows == 0  # added, then taken out again


def test_the_migration_derives_the_tag_rows(tmp_path: Path) -> None:
    """Upgrading a database of 0048 (facts, a tagged conversation) fills the tag's rows and
    the operators' overview bins."""
    facts = [  # kind, at, seconds, n, first
        ("created", "2026-03-02 10:00:00.000000", None, None, 0),
        ("first_response", "2026-03-02 10:05:00.000000", 300.0, None, 0),
        ("resolved", "2026-03-02 12:00:00.000000", 7200.0, 1, 1),
    ]
    queries = {
        "counts": "SELECT tag, kind, hour, n FROM report_tag_counts ORDER BY kind",
        "bins": "SELECT measure, n, total FROM report_tag_day_bins ORDER BY measure",
        "operator": "SELECT measure, team_key, total FROM report_day_bins WHERE inbox_id = -3"
        " ORDER BY measure",
    }
    tag = ("INSERT INTO conversation_tags VALUES (1, 'vip')",)
    found = migrated(tmp_path, "0048", facts, queries, tag)
    counts, bins, operator = (found[name] for name in queries)
    assert counts == [
        ("vip", "created", "2026-03-02 10:00:00.000000", 1),
        ("vip", "fcr_candidate", "2026-03-02 12:00:00.000000", 1),
        ("vip", "resolved", "2026-03-02 12:00:00.000000", 1),
    ]
    resolution = [(f"resolution_{w}_{c}", 1, 7200.0) for w in ("first", "full") for c in "bc"]
    assert bins == [
        ("first_response_b", 1, 300.0),
        ("first_response_c", 1, 300.0),
        *resolution,
    ]
    assert operator == [
        ("first_response_b", 7, 300.0),
        ("first_response_c", 7, 300.0),
        *[(m, 7, v) for m, _, v in resolution],
    ]


def test_the_migration_derives_the_pair_rows(tmp_path: Path) -> None:
    """Upgrading a database of 0051 (facts of a conversation with two tags) fills the pair's
    rows; the pair is kept in code-point order ("Z" before "a")."""
    facts = [  # kind, at, seconds, n, first
        ("created", "2026-03-02 10:00:00.000000", None, None, 0),
        ("first_response", "2026-03-02 10:05:00.000000", 300.0, None, 0),
    ]
    queries = {
        "counts": "SELECT tag, other, kind, hour, n FROM report_tag_pair_counts",
        "bins": "SELECT tag, other, measure, n, total FROM report_tag_pair_day_bins"
        " ORDER BY measure",
    }
    tags = (
        "INSERT INTO conversation_tags VALUES (1, 'a')",
        "INSERT INTO conversation_tags VALUES (1, 'Z')",
    )
    found = migrated(tmp_path, "0051", facts, queries, tags)
    assert found["counts"] == [("Z", "a", "created", "2026-03-02 10:00:00.000000", 1)]
    assert found["bins"] == [
        ("Z", "a", "first_response_b", 1, 300.0),
        ("Z", "a", "first_response_c", 1, 300.0),
    ]


async def test_a_merge_moves_the_tags_facts_with_the_tags(
    workspace: Workspace, db: Database
) -> None:
    """Merging moves the tags the target lacks: the target's facts join their rows, and the
    source's tag list keeps only what stayed with it."""
    from otklik.conversations.models import Conversation

    visitor = await workspace.visitor()
    target = int((await visitor.say("first"))["conversation_id"])
    # A second conversation of the same contact (the widget would reopen the first).
    async with db.session(write=True) as session:
        second = Conversation(
            inbox_id=workspace.inbox_id, contact_id=visitor.contact_id, channel="widget"
        )
        session.add(second)
    for cid, body in ((second.id, {"add": ["moved", "both"]}), (target, {"add": ["both"]})):
        await _post(workspace, f"{cid}/tags", body)
    merged = await _post(workspace, f"{target}/merge", {"other_id": second.id})
    assert sorted(merged["tags"]) == ["both", "moved"]
    source = await workspace.api.get(f"/api/v1/conversations/{second.id}", headers=workspace.auth())
    assert source.json()["tags"] == ["both"]
    now = datetime.now(UTC)
    async with db.session(write=False) as session:
        for tag in ("moved", "both"):
            period = Filters(since=now - timedelta(days=1), until=now + timedelta(hours=1))
            got = await metrics.figures(
                session, Filters(since=period.since, until=period.until, tags=(tag,))
            )
            assert got.created == 1, tag  # the target's creation (the source had no events)


def _sorted(found: overlap.Excess) -> tuple[dict[str, int], dict[str, list[Any]]]:
    """An excess's counts and bins (count and sum, in the order of their keys; the bins of
    one key from several reads added up)."""
    bins = {
        measure: sorted((b.key, b.n, round(b.total, 6)) for b in distributions.merge(values))
        for measure, values in found.bins.items()
        if values
    }
    return found.counts, bins


async def test_the_period_and_the_one_before_share_one_excess_read(db: Database) -> None:
    """The overview endpoint's two periods (:func:`metrics.with_previous`) read several
    tags' excess in one statement: each period's figures equal the facts' answer, and each
    excess the one read for its period alone. The period starts in the middle of day 1:
    the one before holds day 0 whole (7's and 5's facts) and 6's first resolution, whose
    reopening (day 1, 20:00) falls in the period after it; the period holds day 2 whole."""
    await conversations(db, 11)
    async with db.session(write=True) as session:
        await session.run_sync(lambda s: (_story(s.connection()), _overlapping(s.connection())))
    period = Filters(since=at(1, 12, 17), until=at(3, 4, 43))
    for tags in (("billing", "vip"), ("billing", "urgent", "vip")):
        chosen = replace(period, tags=tags)
        async with db.session(write=False) as session:
            rows = await metrics.with_previous(session, chosen)
            facts = [
                await metrics.figures(session, replace(p, inbox_ids=(1,)))
                for p in (chosen, chosen.previous())
            ]
            together = await metrics.several_excesses(session, [chosen, chosen.previous()])
            alone = [await metrics.several_excess(session, p) for p in (chosen, chosen.previous())]
        for got, expected in zip(rows, facts, strict=True):
            same_figures(got, expected)
        assert [_sorted(e) for e in together] == [_sorted(e) for e in alone]
        if len(tags) == 2:
            # The pairs' rows answer two tags: no conversation's facts are read.
            assert [_sorted(e) for e in together] == [({}, {}), ({}, {})]
            continue
        # 6 carries all three, counted once too few by the rows less their pairs: its
        # creation and spoiled FCR in the period before, its reopening in the period, and
        # its second resolution in the period's whole day 2.
        assert (together[1].counts["created"], together[1].counts["fcr_spoiled"]) == (-1, -1)
        assert together[0].counts["reopened"] == -1
        assert [b.n for b in together[0].bins["resolution_full_c"]] == [-1]
    before = rows[1]
    # First resolved before the period: 1, 5 and 7, and 6, reopened within it.
    assert (before.fcr.numerator, before.fcr.denominator) == (3, 4)


async def test_overlapping_windows_are_read_one_by_one(db: Database) -> None:
    """Windows whose hours overlap cannot share the statement (a fact falls in one of
    them): each is read alone, and equals its own read."""
    await conversations(db, 11)
    async with db.session(write=True) as session:
        await session.run_sync(lambda s: (_story(s.connection()), _overlapping(s.connection())))
    first = overlap.Window((at(0, 0), at(2, 0)), (at(0, 0), at(2, 0)))
    second = overlap.Window((at(1, 0), at(3, 0)), (at(1, 0), at(3, 0)))
    tags = ("billing", "urgent", "vip")
    async with db.session(write=False) as session:
        both = await overlap.excess(session, tags, [first, second])
        alone = [(await overlap.excess(session, tags, [w]))[0] for w in (first, second)]
    assert [_sorted(e) for e in both] == [_sorted(e) for e in alone]
    assert both[0].counts["created"] and both[1].counts["created"]


_BY_CONVERSATION = "ix_report_facts_conversation_kind"


async def _index_columns(db: Database) -> str:
    async with db.session(write=False) as session:
        if session.get_bind().dialect.name == "postgresql":
            query = "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
            return str((await session.execute(text(query), {"name": _BY_CONVERSATION})).scalar())
        query = f"SELECT name FROM pragma_index_xinfo('{_BY_CONVERSATION}') WHERE key"
        return ", ".join(str(name) for (name,) in await session.execute(text(query)))


async def test_migration_0050_widens_the_index_by_conversation(
    settings: Settings, db: Database
) -> None:
    """The facts' index by conversation covers what the excess reads (on PostgreSQL the
    columns after ``at`` included), and the downgrade puts the narrow one back."""
    wide = {
        "sqlite": "conversation_id, kind, at, first, n, seconds, business_seconds",
        "postgresql": "(conversation_id, kind, at) INCLUDE (first, n, seconds, business_seconds)",
    }
    narrow = {"sqlite": "conversation_id, kind", "postgresql": "(conversation_id, kind)"}
    dialect = db.dialect
    assert (await _index_columns(db)).endswith(wide[dialect])
    await asyncio.to_thread(command.downgrade, alembic_config(settings), "0049")
    assert (await _index_columns(db)).endswith(narrow[dialect])
    await upgrade_async(settings)
    assert (await _index_columns(db)).endswith(wide[dialect])
