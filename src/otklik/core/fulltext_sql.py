"""The match condition and rank of a full-text query on either backend (ADR 23).

SQLite: an FTS5 table ``<table>_fts`` with external content (the table's ``search_terms``,
kept by triggers; for the live tables, once per transaction: ``core/search_backlog.py``),
joined by rowid; rank = ``bm25``. PostgreSQL: the table's generated ``search_tsv`` column
(``to_tsvector('simple', search_terms)``, GIN-indexed); rank = ``ts_rank``. Candidates
are taken newest first (``ORDER BY id DESC LIMIT``), so a common word costs as much as a
rare one; the caller ranks only those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Table,
    UnaryExpression,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    update,
)
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql.expression import TableClause

from otklik.core import search_backlog
from otklik.core.fulltext import Query, fts5_match, pg_tsquery


@dataclass(frozen=True, slots=True)
class Match:
    #: The searched table, joined to its FTS5 table on SQLite.
    source: FromClause
    condition: ColumnElement[bool]
    #: Higher is better.
    score: ColumnElement[Any]
    newest_first: UnaryExpression[Any]


def match(base: Table, query: Query, dialect: str) -> Match:
    name = base.name
    if dialect == "sqlite":
        fts = table(f"{name}_fts", column("rowid"))
        return Match(
            source=base.join(fts, fts.c.rowid == base.c.id),
            condition=literal_column(f"{name}_fts").op("MATCH", is_comparison=True)(
                bindparam("fts_query", fts5_match(query))
            ),
            score=-func.bm25(literal_column(f"{name}_fts")),
            newest_first=fts.c.rowid.desc(),
        )
    tsv: ColumnElement[Any] = literal_column(f"{name}.search_tsv")
    # Inlined, not bound: a prepared statement's generic plan cannot know how common the
    # words are, and would walk the newest messages backwards even for a rare word (the
    # query text is quoted letters and digits only, ``core/fulltext.py``).
    tsquery = func.to_tsquery(
        literal_column("'simple'::regconfig"),
        bindparam("tsquery", pg_tsquery(query), literal_execute=True),
    )
    return Match(
        source=base,
        condition=tsv.op("@@")(tsquery),
        score=func.ts_rank(tsv, tsquery),
        newest_first=base.c.id.desc(),
    )


#: Rows per statement when the index is rebuilt.
REFILL_BATCH = 2000


def refill_sync(
    conn: Connection,
    base: TableClause,
    sources: Sequence[str],
    to_terms: Callable[[Row[Any]], str],
    progress: Callable[[int, int], None] | None = None,
    *,
    rebuild: bool = True,
) -> int:
    """Recompute ``search_terms`` of every row of ``base`` from its ``sources`` columns, in
    batches by id; then, on SQLite, rebuild the FTS5 table from them (``otklik reindex`` and
    the migration that adds the index)."""
    total = conn.execute(select(func.count()).select_from(base)).scalar_one()
    write = (
        update(base).where(base.c.id == bindparam("row_id")).values(search_terms=bindparam("terms"))
    )
    done, last = 0, 0
    columns = [base.c.id, base.c.search_terms, *(base.c[name] for name in sources)]
    while True:
        rows = conn.execute(
            select(*columns).where(base.c.id > last).order_by(base.c.id).limit(REFILL_BATCH)
        ).all()
        if not rows:
            break
        # Only rows whose terms changed are written (each write also updates the index).
        changed = [
            {"row_id": row.id, "terms": terms}
            for row in rows
            if (terms := to_terms(row)) != row.search_terms
        ]
        if changed:
            conn.execute(write, changed)
        last = rows[-1].id
        done += len(rows)
        if progress is not None:
            progress(done, total)
    if rebuild and conn.dialect.name == "sqlite":
        fts = f"{base.name}_fts"
        conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
        search_backlog.forget(conn, base.name)
    return done
