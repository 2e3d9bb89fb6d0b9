"""The overview for one tag from rows kept per tag (ADR 0032), not from the facts.

A tag filter means the conversations that carry the tag *now*. ``report_tag_counts`` and
``report_tag_day_bins`` hold, per tag, the counts and the durations' bins of every fact of
the conversations carrying it: a new fact of a tagged conversation is counted in its tags'
rows as it is written (:func:`count_fact`), and when a conversation's tags change its facts
so far are added to the added tags' rows and taken out of the removed ones' (:func:`fold`:
one ``INSERT … SELECT … GROUP BY`` per table over the conversation's few facts). The same
statements over every tagged conversation derive the rows from existing facts
(:func:`derived`: migration 0049, the bench). Which tags a conversation's facts are in is
kept in ``report_conversations.tags``.

``report_tag_pair_counts`` and ``report_tag_pair_day_bins`` (ADR 0034) do the same per pair
of tags, for a conversation carrying at most :data:`PAIRS_UP_TO`: several tags ("any of")
are their rows added up less their pairs' rows (``metrics.py``, ``distributions.py``), and
only what that still counts wrongly, conversations carrying three of them or more than
:data:`PAIRS_UP_TO` tags, is read from the facts (``overlap.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import combinations
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, case, func, text, tuple_
from sqlalchemy.engine import Connection

from otklik.core import write_shard
from otklik.core.db import insert_for
from otklik.reports import derive
from otklik.reports.models import (
    ReportTagCount,
    ReportTagDayBin,
    ReportTagPairCount,
    ReportTagPairDayBin,
)
from otklik.reports.stats import bin_python

COUNTS = cast(Table, ReportTagCount.__table__)
BINS = cast(Table, ReportTagDayBin.__table__)
PAIR_COUNTS = cast(Table, ReportTagPairCount.__table__)
PAIR_BINS = cast(Table, ReportTagPairDayBin.__table__)
#: The fact kinds counted per tag (the overview's counts), and the rollup-only kinds.
TAG_COUNTED = ("created", "resolved", "reopened", "escalated")
TAG_KINDS = frozenset((*TAG_COUNTED, "fcr_candidate", "fcr_spoiled", "escalated_created"))
#: A conversation carrying at most this many tags has its facts counted in every pair of
#: them too (``report_tag_pair_*``, ADR 0034): 28 pairs at most, so a fact of a conversation
#: with many tags does not write hundreds of rows. One carrying more (rare) is found and
#: counted from its facts when several of its tags are asked for (``overlap.py``).
PAIRS_UP_TO = 8
#: A row's key: a tag, or a pair of tags.
Key = tuple[str] | tuple[str, str]


def parse(stored: str | None) -> frozenset[str]:
    """The tags of ``report_conversations.tags``."""
    return frozenset(json.loads(stored)) if stored else frozenset()


def dump(tags: Iterable[str]) -> str | None:
    ordered = sorted(set(tags))
    return json.dumps(ordered) if ordered else None


def pairs_of(tags: Iterable[str]) -> list[tuple[str, str]]:
    """The pairs of ``tags`` (each in code-point order, as the rows keep them) when a
    conversation carrying them has pair rows (at most :data:`PAIRS_UP_TO` tags), else none."""
    ordered = sorted(set(tags))
    return list(combinations(ordered, 2)) if len(ordered) <= PAIRS_UP_TO else []


def among(tag: Any, other: Any, tags: Iterable[str]) -> ColumnElement[bool]:
    """A pair table's rows of the pairs of ``tags`` (the reads of several tags; any number
    of them may be chosen, :func:`pairs_of` is what one conversation's rows hold)."""
    return tuple_(tag, other).in_(list(combinations(sorted(set(tags)), 2)))


def _keys(table: Table) -> list[str]:
    """The key columns of a tag or pair table before the time (``tag`` [, ``other``])."""
    return ["tag", "other"] if "other" in table.c else ["tag"]


def _least_greatest(dialect: str) -> tuple[Any, Any]:
    return (func.least, func.greatest) if dialect == "postgresql" else (func.min, func.max)


def count_fact(
    conn: Connection,
    tags: Iterable[str],
    shard: int,
    hour: datetime,
    kinds: Iterable[str],
    values: Iterable[tuple[str, float]] = (),
) -> None:
    """Count a fact in its conversation's tags' rows and its tags' pairs' rows: ``kinds``
    in its UTC ``hour``, each ``(measure, seconds)`` of ``values`` in its day's bin. At
    most four statements (two for a conversation without pairs)."""
    tags, kinds, values = sorted(set(tags)), list(kinds), list(values)
    keyed: list[tuple[Table, Table, list[Key]]] = [(COUNTS, BINS, [(t,) for t in tags])]
    pairs = pairs_of(tags)
    if pairs:
        keyed.append((PAIR_COUNTS, PAIR_BINS, list(pairs)))
    for counts, bins, keys in keyed:
        if keys and kinds:
            _add_counts(conn, counts, keys, shard, hour, kinds)
        if keys and values:
            _add_bins(conn, bins, keys, shard, hour.replace(hour=0), values)


def _add_counts(
    conn: Connection, table: Table, keys: list[Key], shard: int, hour: datetime, kinds: list[str]
) -> None:
    names = _keys(table)
    rows = [
        {**dict(zip(names, key, strict=True)), "kind": k, "hour": hour, "shard": shard, "n": 1}
        for key in keys
        for k in kinds
    ]
    stmt = insert_for(conn.dialect.name)(table).values(rows)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[*names, "kind", "hour", "shard"],
            set_={"n": table.c.n + stmt.excluded.n},
        )
    )


def _add_bins(
    conn: Connection,
    table: Table,
    keys: list[Key],
    shard: int,
    day: datetime,
    values: list[tuple[str, float]],
) -> None:
    names = _keys(table)
    rows = [
        {
            **dict(zip(names, key, strict=True)),
            "day": day,
            "measure": m,
            "bin": bin_python(v),
            "shard": shard,
            "n": 1,
            "total": v,
            "low": v,
            "high": v,
        }
        for key in keys
        for m, v in values
    ]
    dialect = conn.dialect.name
    stmt = insert_for(dialect)(table).values(rows)
    least, greatest = _least_greatest(dialect)
    c, x = table.c, stmt.excluded
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[*names, "day", "measure", "bin", "shard"],
            set_={
                "n": c.n + x.n,
                "total": c.total + x.total,
                "low": case((c.n <= 0, x.low), else_=least(c.low, x.low)),
                "high": case((c.n <= 0, x.high), else_=greatest(c.high, x.high)),
            },
        )
    )


@dataclass(frozen=True, slots=True)
class _Source:
    """Whose facts under which key: the ``FROM``, the key columns (``tag`` [, ``other``]) as
    selected, a condition, the key as the first ``GROUP BY`` terms, the shard and the sign
    (SQL text)."""

    facts: str
    keys: str
    where: str
    group: str
    shard: str
    sign: str


def _source(dialect: str, one: bool, pairs: bool) -> _Source:
    """One bound conversation, key and sign (:func:`fold`: the conversation's facts by its
    index), or every tagged conversation (:func:`derived`): under each row of
    ``conversation_tags``, or (``pairs``) under each pair of its tags when it carries at
    most :data:`PAIRS_UP_TO`."""
    if one:
        keys = "CAST(:tag AS VARCHAR(50)) AS tag"
        if pairs:
            keys += ", CAST(:other AS VARCHAR(50)) AS other"
        return _Source(
            f"report_facts f{derive.by_conversation(dialect)}",
            keys,
            "f.conversation_id = :cid AND ",
            "",
            "CAST(:shard AS INTEGER)",  # the write connection's (``core/write_shard.py``)
            "CAST(:sign AS INTEGER)",
        )
    # Run once, by itself (a migration): one row per key, as ``derive`` writes the rollups.
    joined = "report_facts f JOIN conversation_tags t ON t.conversation_id = f.conversation_id"
    if not pairs:
        return _Source(joined, "t.tag AS tag", "", "t.tag, ", "0", "1")
    # Code-point order, as Python's (PostgreSQL's default collation may sort otherwise).
    before = ' COLLATE "C"' if dialect == "postgresql" else ""
    paired = (
        f"{joined} JOIN conversation_tags u ON u.conversation_id = f.conversation_id"
        f" AND t.tag < u.tag{before} JOIN (SELECT conversation_id FROM conversation_tags"
        f" GROUP BY conversation_id HAVING count(*) BETWEEN 2 AND {PAIRS_UP_TO}) p"
        " ON p.conversation_id = f.conversation_id"
    )
    return _Source(paired, "t.tag AS tag, u.tag AS other", "", "t.tag, u.tag, ", "0", "1")


@cache  # the same text for each (dialect, one, pairs): built once, not per tag change
def _count_statement(dialect: str, one: bool, pairs: bool = False) -> str:
    o = _source(dialect, one, pairs)
    h, shard, sign = derive.hour(dialect, "f.at"), o.shard, o.sign
    source = f"FROM {o.facts} WHERE {o.where}"
    group = f"GROUP BY {o.group}{h}"
    kinds = ", ".join(f"'{k}'" for k in TAG_COUNTED)
    parts = [
        f"SELECT {o.keys}, f.kind AS kind, {h} AS hour, {shard} AS shard,"
        f" {sign} * count(*) AS n {source}f.kind IN ({kinds}) {group}, f.kind",
        f"SELECT {o.keys}, 'fcr_candidate', {h}, {shard}, {sign} * count(*) {source}"
        f"f.kind = 'resolved' AND f.first AND f.n = 1 {group}",
        f"SELECT {o.keys}, 'fcr_spoiled', {h}, {shard}, {sign} * count(*) {source}"
        "f.kind = 'resolved' AND f.first AND f.n = 1 AND EXISTS (SELECT 1"
        f" FROM report_facts r{derive.by_conversation(dialect)}"
        " WHERE r.conversation_id = f.conversation_id"
        " AND r.kind = 'reopened' AND r.at > f.at"
        f" AND {derive.within_week(dialect, 'r.at', 'f.at')}) {group}",
        f"SELECT {o.keys}, 'escalated_created', {h}, {shard}, {sign} * count(*) {source}"
        "f.kind = 'created' AND EXISTS (SELECT 1 FROM report_facts e"
        f" WHERE e.conversation_id = f.conversation_id AND e.kind = 'escalated') {group}",
    ]
    table = PAIR_COUNTS if pairs else COUNTS
    t, key = table.name, ", ".join(_keys(table))
    return (
        f"INSERT INTO {t} ({key}, kind, hour, shard, n) SELECT * FROM"
        f" ({' UNION ALL '.join(parts)}) u WHERE true"
        f" ON CONFLICT ({key}, kind, hour, shard) DO UPDATE SET n = {t}.n + excluded.n"
    )


@cache
def _bin_statement(dialect: str, one: bool, pairs: bool = False) -> str:
    o = _source(dialect, one, pairs)
    d, shard, sign = derive.day(dialect, "f.at"), o.shard, o.sign
    parts = []
    for measure, kind, extra in derive.MEASURES:
        for clock, column in (("c", "f.seconds"), ("b", "f.business_seconds")):
            value = f"coalesce({column}, 0.0)"
            unit = derive.bin_sql(value)
            parts.append(
                f"SELECT {o.keys}, {d} AS day, '{measure}_{clock}' AS measure,"
                f" {unit} AS bin, {shard} AS shard, {sign} * count(*) AS n,"
                f" {sign} * sum({value}) AS total, min({value}) AS low, max({value}) AS high"
                f" FROM {o.facts} WHERE {o.where}f.kind = '{kind}'"
                f"{extra.replace('first', 'f.first')} GROUP BY {o.group}{d}, {unit}"
            )
    table = PAIR_BINS if pairs else BINS
    t, key = table.name, ", ".join(_keys(table))
    smallest, largest = ("LEAST", "GREATEST") if dialect == "postgresql" else ("min", "max")

    def kept(column: str, pick: str) -> str:
        """A removal keeps the bin's smallest/largest; an emptied row takes the new one's."""
        return (
            f"CASE WHEN excluded.n < 0 THEN {t}.{column} WHEN {t}.n <= 0 THEN excluded.{column}"
            f" ELSE {pick}({t}.{column}, excluded.{column}) END"
        )

    return (
        f"INSERT INTO {t} ({key}, day, measure, bin, shard, n, total, low, high) SELECT * FROM"
        f" ({' UNION ALL '.join(parts)}) u WHERE true"
        f" ON CONFLICT ({key}, day, measure, bin, shard) DO UPDATE SET n = {t}.n + excluded.n,"
        f" total = {t}.total + excluded.total, low = {kept('low', smallest)},"
        f" high = {kept('high', largest)}"
    )


def fold(
    conn: Connection, conversation_id: int, *, before: frozenset[str], now: frozenset[str]
) -> None:
    """A conversation's tags changed from ``before`` to ``now``: its facts so far are taken
    out of the rows of each tag (and pair of tags) it no longer has, and counted in the
    rows of each one it has gained (two statements per tag or pair)."""
    dialect = conn.dialect.name
    shard = write_shard.of(conn, conversation_id)
    changes: list[tuple[bool, set[Key], set[Key]]] = [
        (False, {(t,) for t in before}, {(t,) for t in now}),
        (True, set(pairs_of(before)), set(pairs_of(now))),
    ]
    for pairs, old, new in changes:
        statements = [
            text(_count_statement(dialect, True, pairs)),
            text(_bin_statement(dialect, True, pairs)),
        ]
        for keys, sign in ((sorted(old - new), -1), (sorted(new - old), 1)):
            for key in keys:
                named = dict(zip(("tag", "other"), key, strict=False))
                for statement in statements:
                    conn.execute(
                        statement, {"cid": conversation_id, **named, "sign": sign, "shard": shard}
                    )


def derived(dialect: str) -> list[str]:
    """The tag rows of every tagged conversation's facts, and which tags each conversation's
    facts are in (migration 0049, the bench): once, on empty tag tables."""
    listed = (
        "CAST(json_agg(g.tag) AS TEXT)" if dialect == "postgresql" else "json_group_array(g.tag)"
    )
    return [
        _count_statement(dialect, False),
        _bin_statement(dialect, False),
        f"UPDATE report_conversations SET tags = (SELECT {listed} FROM conversation_tags g"
        " WHERE g.conversation_id = report_conversations.conversation_id)"
        " WHERE conversation_id IN (SELECT conversation_id FROM conversation_tags)",
    ]


def pairs_derived(dialect: str) -> list[str]:
    """The pair rows of every conversation carrying two to :data:`PAIRS_UP_TO` tags
    (migration 0052, the bench): once, on empty pair tables. On PostgreSQL the tags'
    statistics first: on a table just filled (the bench) the planner took the conversations
    with two tags or more for 22 instead of 14,000 and checked each against every tag row:
    the day bins took 734 s at 1M conversations. With the statistics the plan hashes the
    tag rows instead, at a thousandth of the estimated cost."""
    statements = [_count_statement(dialect, False, True), _bin_statement(dialect, False, True)]
    if dialect == "postgresql":
        statements.insert(0, "ANALYZE conversation_tags")
    return statements
