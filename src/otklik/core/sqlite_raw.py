"""The hottest statements on SQLite, run on the write connection's own ``sqlite3`` handle.

On the live path a statement through SQLAlchemy's async adapter costs 40–60 µs of Python
(cache key, execution context, result object, and a greenlet switch per call into the
driver's awaitable surface) for a few microseconds of SQLite work. A visitor's message runs
seven of them. Inside a unit of work that already runs synchronously on the write connection
(``AsyncConnection.run_sync``), the inline driver (``sqlite_inline.py``) can hand over its
plain ``sqlite3.Connection``, in the same transaction and savepoint, and those statements run
there directly.

Values still go in and come out the way SQLAlchemy stores and reads them: :class:`Codec` takes
each column's own bind and result processors from the dialect (``TypeEngine.bind_processor``
/ ``result_processor``), so a datetime written here is the same text an ORM write produces
and reads back as the same aware ``datetime``. Only the SQL text is written by hand. The codecs
and :meth:`Insert.row` serve PostgreSQL's twin too (``pg_raw.py``), with that dialect's
processors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Dialect

from otklik.core.sqlite_inline import InlineConnection

Processor = Callable[[Any], Any] | None


def handle(conn: Connection) -> sqlite3.Connection | None:
    """The plain ``sqlite3`` connection behind ``conn`` when it is the inline write driver
    (SQLite's write engine); ``None`` for anything else (PostgreSQL, a read connection)."""
    driver = conn.connection.driver_connection
    return driver.raw if isinstance(driver, InlineConnection) else None


class Codec:
    """A table's columns as SQLAlchemy binds and reads them on one dialect."""

    def __init__(self, table: Table, dialect: Dialect) -> None:
        self.table = table
        self._dialect = dialect
        self._binds: dict[str, Processor] = {}
        for column in table.columns:
            impl = column.type.dialect_impl(dialect)
            self._binds[column.name] = impl.bind_processor(dialect)
        self._read: dict[str, Processor] | None = None
        # Each list of columns' processors, in order, made once: a live message converts
        # some forty values, and a lookup by name for each was a third of their cost.
        self._bind_plans: dict[tuple[str, ...], tuple[tuple[str, Processor], ...]] = {}
        self._result_plans: dict[tuple[str, ...], tuple[tuple[str, Processor], ...]] = {}

    @property
    def _results(self) -> dict[str, Processor]:
        """Result processors, made on first read: some of PostgreSQL's (asyncpg's float)
        need the driver's column type and cannot be made ahead; writers never need them."""
        if self._read is None:
            self._read = {
                column.name: column.type.dialect_impl(self._dialect).result_processor(
                    self._dialect, None
                )
                for column in self.table.columns
            }
        return self._read

    def params(self, names: tuple[str, ...], values: dict[str, Any]) -> list[Any]:
        """Positional parameters for ``names`` (``?`` placeholders in that order)."""
        plan = self._bind_plans.get(names)
        if plan is None:
            plan = self._bind_plans[names] = tuple((name, self._binds[name]) for name in names)
        params = []
        for name, process in plan:
            value = values[name]
            params.append(value if process is None or value is None else process(value))
        return params

    def row(self, names: tuple[str, ...], raw: Iterable[Any]) -> dict[str, Any]:
        """A result row of ``names`` as Python values."""
        plan = self._result_plans.get(names)
        if plan is None:
            plan = self._result_plans[names] = tuple((name, self._results[name]) for name in names)
        return {
            name: value if process is None else process(value)
            for (name, process), value in zip(plan, raw, strict=True)
        }


_codecs: dict[tuple[str, int], Codec] = {}


def codec(table: Table, dialect: Dialect) -> Codec:
    """The (cached) codec of ``table`` on ``dialect``."""
    key = (table.name, id(dialect))
    found = _codecs.get(key)
    if found is None:
        found = _codecs[key] = Codec(table, dialect)
    return found


class _Current:
    """What a context-sensitive column default reads of the row being inserted
    (``context.get_current_parameters()``, as SQLAlchemy's execution context offers it)."""

    __slots__ = ("_params",)

    def __init__(self, params: dict[str, Any]) -> None:
        self._params = params

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict[str, Any]:
        return self._params


class Insert:
    """One row's INSERT as Core writes it, for the driver's own handle.

    Core adds to the values it is given every column's Python-side default (``default=``:
    a constant, a function such as ``utcnow``, or one reading the row, such as a search
    index's terms), in the table's column order, and leaves out the columns with neither
    (their server default or NULL). :meth:`run` does the same, then stores each value as its
    column's bind processor does (:class:`Codec`). The SQL text is made once per set of
    columns; ``suffix`` follows the values (``ON CONFLICT … RETURNING …``)."""

    def __init__(self, table: Table, dialect: Dialect, suffix: str = "") -> None:
        self.table = table
        self.codec = codec(table, dialect)
        self._suffix = suffix
        self._names = tuple(column.name for column in table.columns)
        self._defaults: list[tuple[str, Any]] = []
        for column in table.columns:
            if column.key != column.name:
                raise ValueError(f"{table.name}.{column.name}: a column key of its own")
            default = column.default
            if default is None:
                continue
            if not (default.is_scalar or default.is_callable):
                raise ValueError(f"{table.name}.{column.name}: a SQL default (Core only)")
            self._defaults.append((column.name, default))
        self._texts: dict[tuple[str, ...], str] = {}

    def values(self, given: dict[str, Any]) -> dict[str, Any]:
        """``given`` and the defaults of the columns it does not name."""
        row = dict(given)
        for name, default in self._defaults:
            if name not in row:
                row[name] = default.arg if default.is_scalar else default.arg(_Current(row))
        return row

    def run(self, raw: sqlite3.Connection, given: dict[str, Any]) -> sqlite3.Cursor:
        names, params = self.row(given)
        text = self._texts.get(names)
        if text is None:
            text = self._texts[names] = (
                f"INSERT INTO {self.table.name} ({', '.join(names)})"
                f" VALUES ({', '.join('?' for _ in names)}){self._suffix}"
            )
        return raw.execute(text, params)

    def row(self, given: dict[str, Any]) -> tuple[tuple[str, ...], list[Any]]:
        """The columns the row names (``given`` and the defaults), in the table's order, and
        their values as stored: for a statement that writes the row among others."""
        row = self.values(given)
        names = tuple(name for name in self._names if name in row)
        return names, self.codec.params(names, row)


_inserts: dict[tuple[str, str, int], Insert] = {}


def insert(table: Table, dialect: Dialect, suffix: str = "") -> Insert:
    """The (cached) :class:`Insert` of ``table`` on ``dialect``."""
    key = (table.name, suffix, id(dialect))
    found = _inserts.get(key)
    if found is None:
        found = _inserts[key] = Insert(table, dialect, suffix)
    return found
