"""The hottest statements on PostgreSQL, run on the write connection's own asyncpg handle.

The PostgreSQL twin of ``sqlite_raw.py``. Inside a unit of work that runs synchronously on the
write connection (``AsyncConnection.run_sync``, in SQLAlchemy's greenlet), each Core statement
costs SQLAlchemy's execution machinery — cache key, execution context, the adapter's mutex,
result object — around one round trip to the server. Here the same statements go straight to
the asyncpg connection behind it, awaited from the greenlet with SQLAlchemy's own
``await_``, in the same transaction and savepoint (the adapter has begun it: the unit's
``SAVEPOINT`` went through SQLAlchemy first). Values are bound and read with the columns' own
SQLAlchemy processors (``sqlite_raw.Codec``), so rows are what an ORM write stores; asyncpg's
JSON codecs are the ones SQLAlchemy registered on the connection.
"""

from __future__ import annotations

from typing import Any

from asyncpg import Connection as AsyncpgConnection
from asyncpg import Record
from sqlalchemy.engine import Connection
from sqlalchemy.util import await_


def handle(conn: Connection) -> AsyncpgConnection | None:
    """The asyncpg connection behind ``conn`` inside a transaction it has begun; ``None`` for
    anything else (SQLite, or no transaction begun at the driver yet)."""
    adapted = conn.connection.dbapi_connection
    driver = conn.connection.driver_connection
    if not isinstance(driver, AsyncpgConnection):
        return None
    if getattr(adapted, "_transaction", None) is None:
        return None  # the adapter begins lazily: let SQLAlchemy run the first statement
    return driver


def transaction_of(conn: Connection) -> object | None:
    """The driver's transaction ``conn`` is in now (the adapter's asyncpg one), to tie a note
    to it: a later transaction is another object."""
    transaction: object | None = getattr(conn.connection.dbapi_connection, "_transaction", None)
    return transaction


def fetchrow(raw: AsyncpgConnection, sql: str, *args: Any) -> Record | None:
    row: Record | None = await_(raw.fetchrow(sql, *args))
    return row


def fetch(raw: AsyncpgConnection, sql: str, *args: Any) -> list[Record]:
    rows: list[Record] = await_(raw.fetch(sql, *args))
    return rows


def execute(raw: AsyncpgConnection, sql: str, *args: Any) -> int:
    """Run ``sql``; the rows it changed (from the command tag, ``INSERT 0 1``)."""
    tag: str = await_(raw.execute(sql, *args))
    last = tag.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def marks(first: int, count: int) -> str:
    """``count`` placeholders from ``$first`` on, comma-separated: for statements that write
    several rows' values (``sqlite_raw.Insert.row``) in one text."""
    return ", ".join(f"${i}" for i in range(first, first + count))
