"""The ``otklik`` command line, run as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from otklik.accounts.models import Agent
from otklik.config import Settings
from otklik.conversations.models import Conversation, Message
from otklik.core.db import Database
from otklik.reports.models import ReportConversation, ReportFact
from tests.processes import server_env

pytestmark = pytest.mark.slow


def otklik(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "otklik.cli", *args],
        env=server_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_help_lists_every_command(tmp_path: Path) -> None:
    result = otklik(Settings(data_dir=tmp_path), "--help")
    assert result.returncode == 0
    for command in (
        "run",
        "migrate",
        "create-admin",
        "demo",
        "worker",
        "reindex",
        "backfill-reports",
    ):
        assert command in result.stdout


def test_create_admin_then_sign_in_refuses_duplicates(settings: Settings) -> None:
    created = otklik(
        settings, "create-admin", "--email", "Boss@Example.com", "--password", "s3cret-pass-word"
    )
    assert created.returncode == 0, created.stdout + created.stderr
    assert "created" in created.stdout
    again = otklik(
        settings, "create-admin", "--email", "boss@example.com", "--password", "s3cret-pass-word"
    )
    assert again.returncode == 1 and "exists already" in again.stdout
    short = otklik(settings, "create-admin", "--email", "x@example.com", "--password", "short")
    assert short.returncode == 2
    # The password policy holds here too: a breached favourite is refused with its reason.
    common = otklik(
        settings, "create-admin", "--email", "x@example.com", "--password", "Password123!"
    )
    assert common.returncode == 1 and "common passwords" in common.stdout


async def test_demo_seeds_once_and_prints_logins(settings: Settings) -> None:
    first = otklik(settings, "demo")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "admin@example.com" in first.stdout and "data-inbox=" in first.stdout
    second = otklik(settings, "demo", "--conversations", "1200", "--messages", "4")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Demo workspace exists" in second.stdout
    db = Database(settings)
    try:
        async with db.session(write=False) as session:
            conversations = await session.scalar(select(func.count()).select_from(Conversation))
            messages = await session.scalar(select(func.count()).select_from(Message))
            agents = await session.scalar(select(func.count()).select_from(Agent))
    finally:
        await db.dispose()
    assert (conversations, messages, agents) == (300 + 1200, 3000 + 4800, 6)


async def test_backfill_reports_gives_bulk_loaded_conversations_their_facts(
    settings: Settings,
) -> None:
    seeded = otklik(settings, "demo", "--conversations", "100", "--messages", "2")
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    filled = otklik(settings, "backfill-reports", "--batch", "150")
    assert filled.returncode == 0, filled.stdout + filled.stderr
    again = otklik(settings, "backfill-reports")
    assert again.returncode == 0 and "in 0 batches" in again.stdout
    db = Database(settings)
    try:
        async with db.session(write=False) as session:
            conversations = await session.scalar(select(func.count()).select_from(Conversation))
            states = await session.scalar(select(func.count()).select_from(ReportConversation))
            created = await session.scalar(select(func.count()).where(ReportFact.kind == "created"))
    finally:
        await db.dispose()
    assert conversations == states == created


def test_several_workers_on_sqlite_are_refused(tmp_path: Path) -> None:
    result = otklik(Settings(data_dir=tmp_path), "run", "--workers", "2")
    assert result.returncode == 2
    assert "PostgreSQL" in result.stdout
