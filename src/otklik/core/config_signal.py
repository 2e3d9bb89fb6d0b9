"""How a configuration change reaches every process, sent inside the changing transaction.

:func:`announce` runs in the writer's own transaction, so the other processes hear of a
change only if it commits, and always after it committed:

* PostgreSQL: ``pg_notify`` on :data:`CHANNEL`. PostgreSQL delivers it at commit (never
  for a rolled-back transaction or savepoint) to every listener: the broker of each process.
* SQLite: no notifications between processes, so each entry name has a row in
  ``config_versions`` whose version the change bumps; each process's broker reads the few
  rows a few times a second and drops the entries whose version moved.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import BigInteger, String, func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.db import Base

#: The LISTEN/NOTIFY channel of configuration changes (payload: names, comma-separated).
CHANNEL = "otklik_config"


class ConfigVersion(Base):
    """SQLite only: how many committed changes each cache entry has seen."""

    __tablename__ = "config_versions"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


def encode(names: Collection[str]) -> str:
    return ",".join(sorted(names))


def decode(payload: str) -> list[str]:
    return [name for name in payload.split(",") if name]


async def announce(session: AsyncSession, names: Collection[str]) -> None:
    """Tell every process, once this transaction commits, that ``names`` changed."""
    if not names:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(CHANNEL, encode(names))))
        return
    insert = sqlite.insert(ConfigVersion).values([{"name": n, "version": 1} for n in names])
    await session.execute(
        insert.on_conflict_do_update(
            index_elements=[ConfigVersion.name],
            set_={"version": ConfigVersion.version + 1},
        )
    )


async def read_versions(session: AsyncSession) -> dict[str, int]:
    """SQLite: every entry's version (a handful of rows)."""
    rows = await session.execute(select(ConfigVersion.name, ConfigVersion.version))
    return {name: int(version) for name, version in rows}
