"""Run Alembic migrations programmatically (``otklik migrate``, ``otklik run``, tests)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config

from otklik.config import Settings

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", settings.resolved_database_url().replace("%", "%%"))
    return config


#: Alembic's ``context`` and ``op`` are proxies to one process-wide environment: two upgrades
#: at once in one process (threads: the browser tests' server pool beside a module migrating
#: its own database) ran each other's operations on the wrong connection ("table already
#: exists", "no such table"). One at a time.
_ONE_AT_A_TIME = threading.Lock()


def upgrade(settings: Settings, revision: str = "head") -> None:
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _ONE_AT_A_TIME:
        command.upgrade(alembic_config(settings), revision)


async def upgrade_async(settings: Settings) -> None:
    """From inside a running event loop: Alembic's env runs its own loop, so use a thread."""
    await asyncio.to_thread(upgrade, settings)
