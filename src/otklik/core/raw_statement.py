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

from sqlalchemy import Table
from sqlalchemy.engine import Connection

from otklik.core import pg_raw, sqlite_raw


class RawStatement:
    def __init__(self, table: Table, template: str, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)
        self.sqlite = self._text(template, "?")
        self.postgresql = self._text(template, "$")

    def _text(self, template: str, mark: str) -> str:
        """``{values}``: every column's placeholder in order; ``{<column>}``: that one's
        (an UPDATE may name a value twice)."""
        marks = {column: f"{mark}{i}" for i, column in enumerate(self.columns, start=1)}
        return template.format(values=", ".join(marks.values()), **marks)

    def run(self, conn: Connection, values: dict[str, Any]) -> int | None:
        sqlite = sqlite_raw.handle(conn)
        if sqlite is not None:
            params = sqlite_raw.codec(self.table, conn.dialect).params(self.columns, values)
            return sqlite.execute(self.sqlite, params).rowcount
        pg = pg_raw.handle(conn)
        if pg is not None:
            params = sqlite_raw.codec(self.table, conn.dialect).params(self.columns, values)
            return pg_raw.execute(pg, self.postgresql, *params)
        return None
