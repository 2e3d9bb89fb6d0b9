"""Helpers for the sign-in tests: browsers with their own cookies, a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx

from otklik.accounts import totp
from otklik.core import clock
from tests.support import HTTP_TIMEOUT


class Browser:
    """A client that keeps its cookies (session, CSRF, device) like a browser does."""

    def __init__(self, base_url: str, user_agent: str = "TestBrowser/1.0") -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url, timeout=HTTP_TIMEOUT, headers={"User-Agent": user_agent}
        )

    async def login(self, email: str, password: str) -> httpx.Response:
        return await self.http.post(
            "/api/v1/auth/login", json={"email": email, "password": password}
        )

    def csrf(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.http.cookies.get("otklik_csrf", "")}

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.csrf(), **kwargs.pop("headers", {})}
        return await self.http.request(method, path, headers=headers, **kwargs)

    async def close(self) -> None:
        await self.http.aclose()


@contextmanager
def frozen(at: datetime | None = None) -> Iterator[Clock]:
    """Freeze the server's clock (it runs in the test's process); move it with ``.advance``."""
    moving = Clock(at or clock.utcnow())
    try:
        yield moving
    finally:
        clock.freeze(None)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now
        clock.freeze(now)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
        clock.freeze(self.now)


def code_now(secret: str, *, ahead: int = 0) -> str:
    """The authenticator app's current code (``ahead`` steps later for a second code)."""
    return totp.code_at(secret, totp.current_step(secret) + ahead)
