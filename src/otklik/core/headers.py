"""Security headers: what every answer carries, and the Content-Security-Policy of each page.

Pages set their own policy (``web/pages.py`` uses the builders here); whatever has none gets
:data:`LOCKED`, which fits JSON, files and errors: nothing may load, run or frame it. The
middleware adds the rest without overriding what a route set:

- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``, a ``Permissions-Policy`` that
  turns off powerful features none of our pages use;
- ``X-Frame-Options: DENY`` where the policy's ``frame-ancestors`` is ``'none'`` (for old
  browsers without CSP level 2);
- ``Strict-Transport-Security`` on answers served over HTTPS (the scheme as uvicorn saw it,
  so behind a proxy it needs ``--proxy-headers`` from a trusted address);
- ``Cache-Control: no-store`` on ``/api/`` answers, which carry personal data.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Powerful features switched off for our documents (autoplay and fullscreen stay: the widget
#: frame plays its notification sound).
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), hid=(), "
    "bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), "
    "display-capture=(), browsing-topics=()"
)


def policy(directives: Mapping[str, Iterable[str]]) -> str:
    """A CSP header value from ``{"script-src": ["'self'"], …}``."""
    return "; ".join(f"{name} {' '.join(values)}".strip() for name, values in directives.items())


def script_hash(source: str) -> str:
    """The CSP source that allows exactly this inline script (``'sha256-…'``)."""
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


#: Anything that is not a page: no script, no style, no framing.
LOCKED = policy(
    {
        "default-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'none'"],
    }
)

#: Our built single-page apps: everything from our origin, nothing inline, no eval.
_PAGE: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    # 'self' covers ws:/wss: to our own host in CSP level 3 browsers.
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}


def page_policy(*, frame_ancestors: Iterable[str] = ("'none'",), **extra: Iterable[str]) -> str:
    """A page's policy: :data:`_PAGE`, with ``extra`` directives replacing its own
    (``frame_src=["'self'"]`` for ``frame-src``) and who may frame it."""
    directives = dict(_PAGE)
    for name, values in extra.items():
        directives[name.replace("_", "-")] = list(values)
    directives["frame-ancestors"] = list(frame_ancestors)
    return policy(directives)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts_seconds: int = 31_536_000) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}".encode() if hsts_seconds > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        api = str(scope.get("path", "")).startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower(): value for name, value in headers}

                def add(name: bytes, value: bytes) -> None:
                    if name not in present:
                        headers.append((name, value))
                        present[name] = value

                add(b"content-security-policy", LOCKED.encode())
                add(b"x-content-type-options", b"nosniff")
                add(b"referrer-policy", b"strict-origin-when-cross-origin")
                add(b"permissions-policy", PERMISSIONS_POLICY.encode())
                if b"frame-ancestors 'none'" in present[b"content-security-policy"]:
                    add(b"x-frame-options", b"DENY")
                if https and self.hsts is not None:
                    add(b"strict-transport-security", self.hsts)
                if api:
                    add(b"cache-control", b"no-store")
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
