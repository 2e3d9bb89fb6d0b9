"""New rows of a large import written with PostgreSQL's ``COPY`` (asyncpg's binary copy):
one round trip per table and batch, and no statement to build per row, where an
``INSERT … VALUES`` executemany spends most of its time building and binding parameters.

The ids of the new contacts are taken from the table's sequence first (one query), so the
rows that refer to them (addresses, tags) are copied in the same batch. The copy runs on
the session's connection, in its transaction: a batch that fails leaves nothing behind.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

_PG = postgresql.dialect()  # type: ignore[no-untyped-call]


def available(session: AsyncSession) -> bool:
    """Whether the session's database copies (PostgreSQL through asyncpg)."""
    bind = session.get_bind()
    return bind.dialect.name == "postgresql" and bind.dialect.driver == "asyncpg"


@cache
def _json_columns(table: Table) -> frozenset[str]:
    return frozenset(
        c.name for c in table.columns if c.type.compile(dialect=_PG) in ("JSON", "JSONB")
    )


async def next_ids(session: AsyncSession, table: Table, count: int) -> list[int]:
    """``count`` new ids of ``table`` (its ``id`` column's sequence), in order."""
    sequence = func.pg_get_serial_sequence(table.name, "id")
    result = await session.execute(
        select(func.nextval(sequence)).select_from(
            func.generate_series(1, count).table_valued("n")
        ),
    )
    return [int(i) for i in result.scalars()]


def _json(value: Any) -> str:
    """A JSON column's text (the driver's codec takes text); most are empty."""
    if value == {}:
        return "{}"
    if value == []:
        return "[]"
    return json.dumps(value)


async def copy(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Copy ``rows`` (each with the same keys, the columns) into ``table``."""
    if not rows:
        return
    columns = list(rows[0])
    as_json = _json_columns(table)
    records = [tuple(_json(row[c]) if c in as_json else row[c] for c in columns) for row in rows]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
        table.name, records=records, columns=columns
    )
