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
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, func, text
from sqlalchemy.engine import Connection

from otklik.core import write_shard
from otklik.core.db import insert_for
from otklik.reports import derive
from otklik.reports.models import ReportTagCount, ReportTagDayBin
from otklik.reports.stats import bin_python

COUNTS = cast(Table, ReportTagCount.__table__)
BINS = cast(Table, ReportTagDayBin.__table__)
#: The fact kinds counted per tag (the overview's counts), and the rollup-only kinds.
TAG_COUNTED = ("created", "resolved", "reopened", "escalated")
TAG_KINDS = frozenset((*TAG_COUNTED, "fcr_candidate", "fcr_spoiled", "escalated_created"))


def parse(stored: str | None) -> frozenset[str]:
    """The tags of ``report_conversations.tags``."""
    return frozenset(json.loads(stored)) if stored else frozenset()


def dump(tags: Iterable[str]) -> str | None:
    ordered = sorted(set(tags))
    return json.dumps(ordered) if ordered else None


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
    """Count a fact in its conversation's tags' rows: ``kinds`` in its UTC ``hour``, each
    ``(measure, seconds)`` of ``values`` in its day's bin. At most two statements."""
    tags, kinds, values = list(tags), list(kinds), list(values)
    dialect = conn.dialect.name
    if tags and kinds:
        rows = [
            {"tag": t, "kind": k, "hour": hour, "shard": shard, "n": 1} for t in tags for k in kinds
        ]
        stmt = insert_for(dialect)(COUNTS).values(rows)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["tag", "kind", "hour", "shard"],
                set_={"n": COUNTS.c.n + stmt.excluded.n},
            )
        )
    if tags and values:
        day = hour.replace(hour=0)
        bins = [
            {
                "tag": t,
                "day": day,
                "measure": m,
                "bin": bin_python(v),
                "shard": shard,
                "n": 1,
                "total": v,
                "low": v,
                "high": v,
            }
            for t in tags
            for m, v in values
        ]
        stmt = insert_for(dialect)(BINS).values(bins)
        least, greatest = _least_greatest(dialect)
        c, x = BINS.c, stmt.excluded
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=["tag", "day", "measure", "bin", "shard"],
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
    """Whose facts under which tag: the ``FROM``, the tag, a condition, the tag as the first
    ``GROUP BY`` terms, the shard and the sign (SQL text)."""

    facts: str
    tag: str
    where: str
    group: str
    shard: str
    sign: str


def _source(dialect: str, one: bool) -> _Source:
    """One bound conversation, tag and sign (:func:`fold`: the conversation's facts by its
    index), or every row of ``conversation_tags`` added (:func:`derived`)."""
    if one:
        return _Source(
            f"report_facts f{derive.by_conversation(dialect)}",
            "CAST(:tag AS VARCHAR(50))",
            "f.conversation_id = :cid AND ",
            "",
            "CAST(:shard AS INTEGER)",  # the write connection's (``core/write_shard.py``)
            "CAST(:sign AS INTEGER)",
        )
    # Run once, by itself (a migration): one row per key, as ``derive`` writes the rollups.
    joined = "report_facts f JOIN conversation_tags t ON t.conversation_id = f.conversation_id"
    return _Source(joined, "t.tag", "", "t.tag, ", "0", "1")


def _count_statement(dialect: str, one: bool) -> str:
    o = _source(dialect, one)
    h, shard, sign = derive.hour(dialect, "f.at"), o.shard, o.sign
    source = f"FROM {o.facts} WHERE {o.where}"
    group = f"GROUP BY {o.group}{h}"
    kinds = ", ".join(f"'{k}'" for k in TAG_COUNTED)
    parts = [
        f"SELECT {o.tag} AS tag, f.kind AS kind, {h} AS hour, {shard} AS shard,"
        f" {sign} * count(*) AS n {source}f.kind IN ({kinds}) {group}, f.kind",
        f"SELECT {o.tag}, 'fcr_candidate', {h}, {shard}, {sign} * count(*) {source}"
        f"f.kind = 'resolved' AND f.first AND f.n = 1 {group}",
        f"SELECT {o.tag}, 'fcr_spoiled', {h}, {shard}, {sign} * count(*) {source}"
        "f.kind = 'resolved' AND f.first AND f.n = 1 AND EXISTS (SELECT 1"
        f" FROM report_facts r{derive.by_conversation(dialect)}"
        " WHERE r.conversation_id = f.conversation_id"
        " AND r.kind = 'reopened' AND r.at > f.at"
        f" AND {derive.within_week(dialect, 'r.at', 'f.at')}) {group}",
        f"SELECT {o.tag}, 'escalated_created', {h}, {shard}, {sign} * count(*) {source}"
        "f.kind = 'created' AND EXISTS (SELECT 1 FROM report_facts e"
        f" WHERE e.conversation_id = f.conversation_id AND e.kind = 'escalated') {group}",
    ]
    t = COUNTS.name
    return (
        f"INSERT INTO {t} (tag, kind, hour, shard, n) SELECT * FROM"
        f" ({' UNION ALL '.join(parts)}) u WHERE true"
        f" ON CONFLICT (tag, kind, hour, shard) DO UPDATE SET n = {t}.n + excluded.n"
    )


def _bin_statement(dialect: str, one: bool) -> str:
    o = _source(dialect, one)
    d, shard, sign = derive.day(dialect, "f.at"), o.shard, o.sign
    parts = []
    for measure, kind, extra in derive.MEASURES:
        for clock, column in (("c", "f.seconds"), ("b", "f.business_seconds")):
            value = f"coalesce({column}, 0.0)"
            unit = derive.bin_sql(value)
            parts.append(
                f"SELECT {o.tag} AS tag, {d} AS day, '{measure}_{clock}' AS measure,"
                f" {unit} AS bin, {shard} AS shard, {sign} * count(*) AS n,"
                f" {sign} * sum({value}) AS total, min({value}) AS low, max({value}) AS high"
                f" FROM {o.facts} WHERE {o.where}f.kind = '{kind}'"
                f"{extra.replace('first', 'f.first')} GROUP BY {o.group}{d}, {unit}"
            )
    t = BINS.name
    smallest, largest = ("LEAST", "GREATEST") if dialect == "postgresql" else ("min", "max")

    def kept(column: str, pick: str) -> str:
        """A removal keeps the bin's smallest/largest; an emptied row takes the new one's."""
        return (
            f"CASE WHEN excluded.n < 0 THEN {t}.{column} WHEN {t}.n <= 0 THEN excluded.{column}"
            f" ELSE {pick}({t}.{column}, excluded.{column}) END"
        )

    return (
        f"INSERT INTO {t} (tag, day, measure, bin, shard, n, total, low, high) SELECT * FROM"
        f" ({' UNION ALL '.join(parts)}) u WHERE true"
        f" ON CONFLICT (tag, day, measure, bin, shard) DO UPDATE SET n = {t}.n + excluded.n,"
        f" total = {t}.total + excluded.total, low = {kept('low', smallest)},"
        f" high = {kept('high', largest)}"
    )


def fold(
    conn: Connection, conversation_id: int, *, added: Iterable[str], removed: Iterable[str]
) -> None:
    """A conversation's tags changed: its facts so far are counted in each added tag's rows
    and taken out of each removed tag's (two statements per tag)."""
    dialect = conn.dialect.name
    statements = [text(_count_statement(dialect, True)), text(_bin_statement(dialect, True))]
    shard = write_shard.of(conn, conversation_id)
    for tags, sign in ((sorted(removed), -1), (sorted(added), 1)):
        for tag in tags:
            for statement in statements:
                conn.execute(
                    statement, {"cid": conversation_id, "tag": tag, "sign": sign, "shard": shard}
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
