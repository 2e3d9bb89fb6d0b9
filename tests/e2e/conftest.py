"""Browser tests: Playwright driving Debian's chromium against a real ``otklik run`` process.

Fixtures:
- ``e2e_server``: a seeded server (admin + widget inbox) on SQLite, with ``.url``,
  ``.inbox_key``, ``.admin_email``, ``.admin_password`` and ``.restart()`` (stop, start again on
  the same port and data, e.g. to prove nothing is lost across a server restart). Every test
  gets a server of its own; with the default settings it was started while the previous test
  ran (:class:`ServerPool`), so a test does not wait seconds for one.
- ``api``: :class:`AdminApi` for that server (an admin's bearer token), closed after the test.
- ``browser``: one headless chromium for the session; ``context`` / ``page``: fresh per test.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from otklik.config import Settings
from otklik.web.pages import APP_DIR, WIDGET_DIR
from tests.processes import ServerProcess, start_server
from tests.support import ADMIN_EMAIL, ADMIN_PASSWORD, HTTP_TIMEOUT
from tests.test_processes import seed

pytestmark = pytest.mark.e2e
# Playwright's assertions give up after 5 s by default. On a busy two-core CI machine the
# widget's acknowledgement of a message once took longer (test_phone_gets_a_full_screen_chat),
# and later longer than 20 s (a visitor's first message while both Python suites ran beside
# the browser: the widget's request timed out after its 15 s and was sent again). An
# assertion still returns the moment its state holds, so a longer limit costs nothing when
# the state comes and only stretches the wait before a real failure is reported: the same
# 60 s as the Python tests' waits (``tests.support.WAIT``).
expect.set_options(timeout=60_000)
CHROMIUM = os.environ.get("OTKLIK_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


T = TypeVar("T")


def run_async(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run`` in a worker thread: the sync Playwright API keeps an event loop running
    in the test's own thread, where ``asyncio.run()`` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


@dataclass
class E2EServer:
    settings: Settings
    log_dir: Path
    inbox_key: str
    process: ServerProcess
    admin_email: str = ADMIN_EMAIL
    admin_password: str = ADMIN_PASSWORD

    @property
    def url(self) -> str:
        return self.process.url

    def restart(self, *, kill: bool = False) -> None:
        """Stop the server (SIGKILL when ``kill``) and start it again on the same port."""
        port = self.process.port
        if kill:
            self.process.kill()
        else:
            self.process.stop()
        self.process = run_async(
            lambda: start_server(self.settings, self.log_dir, "restarted", port=port)
        )


class AdminApi:
    """An admin over the HTTP API (bearer token, no cookies); tests extend it with calls."""

    def __init__(self, server: E2EServer) -> None:
        self.http = httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT)
        response = self.http.post(
            "/api/v1/auth/login",
            json={"email": server.admin_email, "password": server.admin_password},
        )
        assert response.status_code == 200, response.text
        self.me: dict[str, Any] = response.json()["agent"]
        self.http.cookies.clear()
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"

    def close(self) -> None:
        self.http.close()


def launch(settings: Settings, log_dir: Path) -> E2EServer:
    """Migrate, seed (an admin and a widget inbox) and start a server; the caller stops it."""
    if not (APP_DIR / "index.html").is_file() or not (WIDGET_DIR / "widget.js").is_file():
        pytest.fail("build the front end first: make build")
    from otklik.core.migrate import upgrade

    run_async(lambda: asyncio.to_thread(upgrade, settings))
    inbox_key = run_async(lambda: seed(settings))
    process = run_async(lambda: start_server(settings, log_dir, "server"))
    return E2EServer(settings=settings, log_dir=log_dir, inbox_key=inbox_key, process=process)


E2E_SECRET = "e2e-secret-key-0123456789"


class ServerPool:
    """Servers with the default settings, one started ahead: while a test runs, the next
    test's server migrates, is seeded and boots in a background thread (about 2.5 s a test
    otherwise, half of the browser suite's time). Each test still gets a fresh server."""

    def __init__(self, make_dir: Callable[[], Path]) -> None:
        self._make_dir = make_dir
        self._starter = ThreadPoolExecutor(1, thread_name_prefix="e2e-server-pool")
        self._next: Future[E2EServer] | None = None

    def _launch(self) -> E2EServer:
        log_dir = self._make_dir()
        return launch(Settings(data_dir=log_dir / "data", secret_key=E2E_SECRET), log_dir)

    def take(self) -> E2EServer:
        ready = self._next or self._starter.submit(self._launch)
        self._next = self._starter.submit(self._launch)
        return ready.result()

    def close(self) -> None:
        if self._next is not None:
            with contextlib.suppress(Exception):
                self._next.result().process.stop()
        self._starter.shutdown()


@pytest.fixture(scope="session")
def server_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerPool]:
    pool = ServerPool(lambda: tmp_path_factory.mktemp("e2e-server"))
    yield pool
    pool.close()


@pytest.fixture
def e2e_settings() -> Settings | None:
    """The server's settings; a test module overrides this fixture to change them (its tests
    then start their server themselves). ``None``: the defaults, from the pool."""
    return None


@pytest.fixture
def e2e_server(
    request: pytest.FixtureRequest, tmp_path: Path, e2e_settings: Settings | None
) -> Iterator[E2EServer]:
    if e2e_settings is None:
        server = request.getfixturevalue("server_pool").take()
    else:
        server = launch(e2e_settings, tmp_path)
    try:
        yield server
    finally:
        server.process.stop()


@pytest.fixture
def api(e2e_server: E2EServer) -> Iterator[AdminApi]:
    """The test server's admin over the HTTP API, for setting a scene without the UI."""
    client = AdminApi(e2e_server)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(locale="en-US", timezone_id="Europe/Moscow")
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def visitors() -> Iterator[list[Any]]:
    """Visitors made with ``tests.e2e.visitors.new_visitor``; closed after the test."""
    made: list[Any] = []
    yield made
    for v in made:
        v.close()
