"""How a configuration change reaches every process, sent inside the changing transaction.

:func:`announce` runs in the writer's own transaction, so the other processes hear of a
change only if it commits, and always after it committed:

* PostgreSQL: ``pg_notify`` on :data:`CHANNEL`. PostgreSQL delivers it at commit (never
  for a rolled-back transaction or savepoint) to every listener: the broker of each process.
  The payload names the sending cache (``origin``), which has dropped the entries already.
* SQLite: no notifications between processes, so each entry name has a row in
  ``config_versions`` whose version the change bumps; each process's broker reads the few
  rows a few times a second and drops the entries whose version moved. The new versions
  are returned, so the writing process does not drop its entries a second time.
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


def encode(origin: str, names: Collection[str]) -> str:
    return f"{origin}|{','.join(sorted(names))}"


def decode(payload: str) -> tuple[str, list[str]]:
    """``(origin, names)`` of a notification."""
    origin, _, names = payload.rpartition("|")
    return origin, [name for name in names.split(",") if name]


async def announce(session: AsyncSession, names: Collection[str], *, origin: str) -> dict[str, int]:
    """Tell every process, once this transaction commits, that ``names`` changed. Returns
    the new versions (SQLite; nothing on PostgreSQL)."""
    if not names:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(CHANNEL, encode(origin, names))))
        return {}
    insert = sqlite.insert(ConfigVersion).values([{"name": n, "version": 1} for n in names])
    rows = await session.execute(
        insert.on_conflict_do_update(
            index_elements=[ConfigVersion.name],
            set_={"version": ConfigVersion.version + 1},
        ).returning(ConfigVersion.name, ConfigVersion.version)
    )
    return {name: int(version) for name, version in rows}


async def read_versions(session: AsyncSession) -> dict[str, int]:
    """SQLite: every entry's version (a handful of rows)."""
    rows = await session.execute(select(ConfigVersion.name, ConfigVersion.version))
    return {name: int(version) for name, version in rows}
