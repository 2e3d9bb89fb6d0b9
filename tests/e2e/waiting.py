"""Waiting in a browser test for a state only the page's JavaScript can tell.

Playwright's ``wait_for_function`` checks its predicate once, then keeps checking it inside
the page with a function it compiles there from a string. The app's pages forbid that
(``script-src 'self'``, no ``'unsafe-eval'``: ``core/headers.py``), so whenever the first
check came too early the wait failed with an ``EvalError`` instead of waiting (CI, 5 Dec 2026,
a beep that came a moment after the first check). Here each check is a fresh
``evaluate``, which the policy allows, asked from the test's side until the state holds.
"""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Frame, Page

#: As long as Playwright's assertions wait (``conftest.py``).
WAIT_MS = 60_000
#: Between checks: short beside any state a test waits for, long beside one ``evaluate``.
_EVERY_S = 0.05


def wait_for_js(
    target: Page | Frame, expression: str, arg: Any = None, *, timeout_ms: float = WAIT_MS
) -> None:
    """Return once ``expression`` (a JavaScript expression or function of ``arg``) is truthy
    in ``target``; fail with the expression after ``timeout_ms``."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not target.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"{expression!r} still false after {timeout_ms / 1000:.0f} s")
        time.sleep(_EVERY_S)
