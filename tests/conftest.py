"""Fixtures: every API test runs twice, on a real SQLite file and on a real PostgreSQL."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg2
import pytest
from sqlalchemy.engine import make_url

from otklik.accounts import service as accounts
from otklik.accounts.schemas import AgentCreate
from otklik.channels.telegram import plugin as telegram_plugin
from otklik.config import Settings
from otklik.core.db import Database
from otklik.core.migrate import upgrade
from otklik.models import Base
from tests.fake_telegram import FakeBotApi
from tests.mailservers import Dovecot, SmtpSink
from tests.receivers import Receiver
from tests.support import ADMIN_EMAIL, ADMIN_PASSWORD, HTTP_TIMEOUT, LiveServer, Workspace

# The app freezes its warm heap out of the garbage collector (core/heap.py); in the test
# process, where apps come and go by the hundred, frozen objects would never be collected.
os.environ.setdefault("OTKLIK_GC_FREEZE", "false")
# Argon2 at its cheapest: the suite creates and signs in operators by the thousand (0.1 s of
# CPU a hash otherwise). The servers a test starts as processes inherit it.
os.environ.setdefault("OTKLIK_PASSWORD_HASHING", "cheapest")

_PG_BASE_URL = make_url(
    os.environ.get(
        "OTKLIK_TEST_PG_URL", "postgresql+asyncpg://postgres:postgres@127.0.0.1:5432/otklik_test"
    )
)
# One database per test run, so two runs on one machine never drop each other's tables.
PG_URL = _PG_BASE_URL.set(
    database=f"{_PG_BASE_URL.database or 'otklik_test'}_{os.getpid()}"
).render_as_string(hide_password=False)
SECRET = "test-secret-key-0123456789"
#: Test visitors all come from 127.0.0.1, many to a test: the widget's rate limits are off
#: unless a test turns one on (tests/test_widget_security.py).
NO_WIDGET_LIMITS = {
    name: 0
    for name in (
        "widget_sessions_per_minute_per_ip",
        "widget_sessions_per_minute",
        "widget_messages_per_minute",
        "widget_messages_per_minute_per_ip",
        "widget_uploads_per_hour",
        "widget_uploads_per_hour_per_ip",
    )
}


def _pg_connect(database: str) -> psycopg2.extensions.connection:
    url = make_url(PG_URL)
    conn = psycopg2.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=database,
    )
    conn.autocommit = True
    return conn


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The schema built once by the real migrations; each test gets a copy of the file."""
    data_dir = tmp_path_factory.mktemp("sqlite-template")
    upgrade(Settings(data_dir=data_dir, secret_key=SECRET))
    return data_dir / "otklik.db"


def _recreate_database(name: str, *, create: bool) -> None:
    conn = _pg_connect("postgres")
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            if create:
                cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated by the real migrations."""
    name = make_url(PG_URL).database or "otklik_test"
    _recreate_database(name, create=True)
    upgrade(Settings(database_url=PG_URL, secret_key=SECRET))
    yield PG_URL
    _recreate_database(name, create=False)


_EMPTYING: list[str] = []


def _empty_pg() -> None:
    """Every table emptied and every id sequence back to 1, as a fresh database.

    ``DELETE`` rather than ``TRUNCATE … RESTART IDENTITY``: a test leaves a few rows, and
    truncating 67 tables (new files for each table and index, flushed at commit) took 0.3 s,
    two minutes and a half of the suite; deleting them takes 2 ms. Triggers and foreign keys
    are off while it runs (``session_replication_role``): everything goes anyway."""
    conn = _pg_connect(make_url(PG_URL).database or "otklik_test")
    try:
        with conn.cursor() as cur:
            if not _EMPTYING:
                cur.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
                restart = ", ".join(f"setval('\"{name}\"', 1, false)" for (name,) in cur)
                deletes = " ".join(
                    f'DELETE FROM "{t.name}";' for t in reversed(Base.metadata.sorted_tables)
                )
                _EMPTYING.append(
                    f"SET session_replication_role = replica; {deletes}"
                    f" SET session_replication_role = DEFAULT; SELECT {restart}"
                )
            cur.execute(_EMPTYING[0])
    finally:
        conn.close()


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copy(template, data_dir / "otklik.db")
        yield Settings(
            data_dir=data_dir, secret_key=SECRET, job_poll_seconds=0.1, **NO_WIDGET_LIMITS
        )
    else:
        url = request.getfixturevalue("pg_database")
        _empty_pg()
        yield Settings(
            data_dir=data_dir,
            database_url=url,
            secret_key=SECRET,
            job_poll_seconds=0.1,
            **NO_WIDGET_LIMITS,
        )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    yield database
    await database.dispose()


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    live = LiveServer(settings)
    await live.start()
    yield live
    await live.stop()


@pytest.fixture
async def workspace(server: LiveServer, db: Database) -> AsyncIterator[Workspace]:
    async with db.session(write=True) as session:
        admin = await accounts.create_agent(
            session,
            data=AgentCreate(
                email=ADMIN_EMAIL, name="Admin", password=ADMIN_PASSWORD, role="admin"
            ),
            actor_id=None,
        )
    async with httpx.AsyncClient(base_url=server.url, timeout=HTTP_TIMEOUT) as api:
        login = await api.post(
            "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
        assert login.status_code == 200, login.text
        token = login.json()["token"]
        api.cookies.clear()  # tests authenticate explicitly; cookie auth has its own tests
        inbox = await api.post(
            "/api/v1/inboxes",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "Site", "channel": "widget"},
        )
        assert inbox.status_code == 201, inbox.text
        yield Workspace(
            server=server,
            api=api,
            token=token,
            admin_id=admin.id,
            inbox_key=inbox.json()["public_key"],
            inbox_id=inbox.json()["id"],
        )


# --- local stand-ins for the channels' servers (tests/mailservers.py, tests/fake_telegram.py)


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A real IMAP server (Debian's Dovecot) on 127.0.0.1 with one mailbox."""
    server = Dovecot()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def sink() -> AsyncIterator[SmtpSink]:
    """An aiosmtpd server on 127.0.0.1 that keeps what Otklik sends."""
    server = SmtpSink()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    """The Telegram Bot API's wire format, served locally."""
    fake = FakeBotApi()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def fast_telegram_rescans() -> Iterator[None]:
    """The Telegram supervisor looks at the inboxes every 0.1 s (10 s in production)."""
    telegram_plugin.rescan_seconds, telegram_plugin.error_pause = 0.1, 0.1
    yield
    telegram_plugin.rescan_seconds, telegram_plugin.error_pause = 10.0, 5.0


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """An HTTP receiver for outgoing webhooks on 127.0.0.2 (a test module allows that host)."""
    live = Receiver("127.0.0.2")
    await live.start()
    yield live
    await live.stop()
