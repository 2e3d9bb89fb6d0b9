"""One INSERT or UPDATE of the live path as SQL text, run on the driver's own handle.

Through SQLAlchemy's async adapter a statement costs ~100–150 µs of Python (cache key,
execution context, result) for a few microseconds of database work (``core/sqlite_raw.py``
says why). A subscriber that writes on every message or every new conversation inside a
unit of work (the report facts, for one) can afford that only a few times, so its statements
are written here once per dialect: ``{values}`` in the text becomes the placeholders of
``columns`` (``?1…`` on SQLite, ``$1…`` on PostgreSQL), and the values go in as each column's
own bind processor stores them, exactly as SQLAlchemy would write them (``{<column>}``
places one column's value by name, for an UPDATE). :meth:`run` answers
the rows changed, or ``None`` when the connection has no such handle (a read connection, a
session that has not begun at the driver): the caller then runs its Core statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from asyncpg import Connection as AsyncpgConnection
from sqlalchemy import Table
from sqlalchemy.engine import Connection

from otklik.core import pg_raw, sqlite_raw


class RawStatement:
    def __init__(self, table: Table, template: str, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.template = template
        self.sqlite = self._text(template, "?")
        self.postgresql = self._text(template, "$")
        self._numbered: dict[int, str] = {1: self.postgresql}

    def _text(self, template: str, mark: str, first: int = 1) -> str:
        """``{values}``: every column's placeholder in order; ``{<column>}``: that one's
        (an UPDATE may name a value twice). Numbered from ``first``."""
        marks = {column: f"{mark}{i}" for i, column in enumerate(self.columns, start=first)}
        return template.format(values=", ".join(marks.values()), **marks)

    def numbered_from(self, first: int) -> str:
        """The PostgreSQL text with its placeholders numbered from ``$first``."""
        text = self._numbered.get(first)
        if text is None:
            text = self._numbered[first] = self._text(self.template, "$", first)
        return text

    def params(self, conn: Connection, values: dict[str, Any]) -> list[Any]:
        return sqlite_raw.codec(self.table, conn.dialect).params(self.columns, values)

    def run(self, conn: Connection, values: dict[str, Any]) -> int | None:
        sqlite = sqlite_raw.handle(conn)
        if sqlite is not None:
            return sqlite.execute(self.sqlite, self.params(conn, values)).rowcount
        pg = pg_raw.handle(conn)
        if pg is not None:
            return pg_raw.execute(pg, self.postgresql, *self.params(conn, values))
        return None

    def run_later(self, conn: Connection, values: dict[str, Any]) -> bool | None:
        """:meth:`run` for a write whose answer nobody reads: on PostgreSQL, inside
        ``pg_raw.riding``, it waits to ride with the next statement (no round trip of its
        own). ``None`` where :meth:`run` answers it."""
        pg = pg_raw.handle(conn)  # None on SQLite: no round trip to save there
        if pg is not None and self._ride(pg, self.params(conn, values)):
            return True
        return None if self.run(conn, values) is None else True

    def _ride(self, pg: AsyncpgConnection, params: list[Any]) -> bool:
        return pg_raw.ride(pg, self.table.name, self.numbered_from, params)


class RawPair:
    """Two statements that need nothing of each other's results, written together: on
    PostgreSQL in one round trip (the first as a data-modifying ``WITH`` of the second, which
    PostgreSQL always runs to completion), on SQLite one after the other on its handle (no
    round trip to save there). :meth:`run` answers ``None`` where :class:`RawStatement`
    would; the caller then runs its Core statements."""

    def __init__(self, first: RawStatement, second: RawStatement) -> None:
        self.first = first
        self.second = second
        self.postgresql = (
            f"WITH done AS ({first.postgresql}) {second.numbered_from(len(first.columns) + 1)}"
        )

    def run(self, conn: Connection, first: dict[str, Any], second: dict[str, Any]) -> bool | None:
        if sqlite_raw.handle(conn) is not None:
            self.first.run(conn, first)
            self.second.run(conn, second)
            return True
        pg = pg_raw.handle(conn)
        if pg is None:
            return None
        params = self.first.params(conn, first) + self.second.params(conn, second)
        pg_raw.execute(pg, self.postgresql, *params)
        return True

    def run_later(
        self, conn: Connection, first: dict[str, Any], second: dict[str, Any]
    ) -> bool | None:
        """:meth:`run`, each statement waiting to ride with the next one on PostgreSQL
        inside ``pg_raw.riding`` (``RawStatement.run_later``)."""
        pg = pg_raw.handle(conn)
        if pg is not None and self.first._ride(pg, self.first.params(conn, first)):
            self.second._ride(pg, self.second.params(conn, second))
            return True
        return self.run(conn, first, second)
