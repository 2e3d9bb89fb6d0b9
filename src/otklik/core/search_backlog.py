"""SQLite: the live tables' new rows reach their full-text index once per transaction.

ADR 23 kept each FTS5 index by triggers that wrote it row by row. FTS5 holds what it is given
in memory until the transaction ends, or until a savepoint begins or ends: then it writes
everything it holds out to the index as a new segment, which it later merges with others.
Every unit of a write batch runs in its own savepoint (``core/unit.py``), so each visitor's
message wrote an index segment of its own and paid for merging it: ~40 µs of CPU out of
~400 a message (ADR 35, ``bench/RESULTS.md``). Bare ``sqlite3``: a row indexed by the
trigger between savepoints costs 21 µs more than a plain row; noted and indexed with its
batch, 6 µs.

So on ``messages`` and ``contacts`` (written on every message and every new conversation)
the insert trigger only notes the row in ``search_backlog``, a plain table, and the same
transaction indexes what it noted just before it commits, in one statement per table
(:func:`index_on_commit`, a SQLAlchemy ``commit`` event on every SQLite engine of the app). A
committed row is therefore in the index, as before. The update and delete triggers (migration
0053) tell a noted row from an indexed one: FTS5 must be told exactly what it indexed.
A transaction committed around the app (a script on bare ``sqlite3``) leaves its rows noted;
the next commit through the app indexes them. The admins' rarely written tables (canned
answers, articles) keep ADR 23's triggers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from otklik.core import sqlite_raw

#: The tables whose index follows through the backlog (migration 0053 made their triggers).
SOURCES = ("messages", "contacts")

_NOTED = "SELECT DISTINCT source FROM search_backlog"
_INDEX = {
    source: f"INSERT INTO {source}_fts(rowid, search_terms) SELECT t.id, t.search_terms"
    f" FROM search_backlog AS b JOIN {source} AS t ON t.id = b.id"
    f" WHERE b.source = '{source}' AND t.search_terms IS NOT NULL"
    for source in SOURCES
}
_CLEAR = "DELETE FROM search_backlog"


def _index_with(execute: Callable[[str], Iterable[Sequence[Any]]]) -> None:
    noted = [source for (source,) in execute(_NOTED)]
    if not noted:
        return
    for source in noted:
        statement = _INDEX.get(source)
        if statement is not None:
            execute(statement)
    execute(_CLEAR)


def index_noted(raw: sqlite3.Connection) -> None:
    """Index the rows noted in the backlog and forget them, in the open transaction."""
    _index_with(raw.execute)


def index_on_commit(conn: Connection) -> None:
    """SQLAlchemy's ``commit`` event: the last statements of the transaction, before its
    ``COMMIT``. On the write connection, on its own ``sqlite3`` handle (a statement through
    SQLAlchemy's machinery costs ten times the check, ``core/sqlite_raw.py``)."""
    raw = sqlite_raw.handle(conn)
    _index_with(raw.execute if raw is not None else conn.exec_driver_sql)


def follow(engine: AsyncEngine) -> None:
    """Make every transaction of ``engine`` index what it noted before it commits."""
    event.listen(engine.sync_engine, "commit", index_on_commit)


def forget(conn: Connection, source: str) -> None:
    """Drop the notes of ``source`` after its FTS5 table was rebuilt from every row (they
    are in it now: indexing them again would count them twice)."""
    if source in SOURCES:
        conn.exec_driver_sql("DELETE FROM search_backlog WHERE source = ?", (source,))
