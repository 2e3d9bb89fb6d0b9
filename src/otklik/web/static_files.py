"""Built files sent pre-compressed: the copy the browser accepts, made at build time.

The front ends' builds (``vite-plugin-compression2``) write ``name.br`` and ``name.gz`` next to
every text file over 1 KB. A request's ``Accept-Encoding`` picks one (brotli first when the
browser rates both alike; ``q=0`` refuses one); without a match — or without the copy — the
file goes as it is. Every answer says ``Vary: Accept-Encoding``, so a cache keeps one per
encoding. Nothing is compressed per request.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import Request
from fastapi.responses import FileResponse

#: Content codings we have copies for, best first when the browser rates them alike.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
#: Hashed file names (``assets/index-8LFHnr0f.js``) never change: cached for a year.
IMMUTABLE = "public, max-age=31536000, immutable"


def accepted(header: str) -> dict[str, float]:
    """``Accept-Encoding`` as ``{coding: q}`` (lower-case; ``*`` kept as it is)."""
    found: dict[str, float] = {}
    for part in header.split(","):
        coding, *params = (p.strip() for p in part.split(";"))
        if not coding:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        found[coding.lower()] = q
    return found


def choose(header: str, available: list[str]) -> str | None:
    """The coding of ``available`` (in our order of preference) the header rates best."""
    rated = accepted(header)
    best: tuple[float, str] | None = None
    for coding in available:
        q = rated.get(coding, rated.get("*", 0.0))
        if q > 0 and (best is None or q > best[0]):
            best = (q, coding)
    return best[1] if best else None


def send(
    request: Request,
    path: Path,
    *,
    cache_control: str,
    headers: dict[str, str] | None = None,
    media_type: str | None = None,
) -> FileResponse:
    """``path`` (or its compressed copy the browser accepts) with these headers."""
    media = media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    extra = {**(headers or {}), "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
    copies = {coding: path.with_name(path.name + suffix) for coding, suffix in ENCODINGS}
    available = [coding for coding, copy in copies.items() if copy.is_file()]
    coding = choose(request.headers.get("accept-encoding", ""), available) if available else None
    if coding is None:
        return FileResponse(path, media_type=media, headers=extra)
    return FileResponse(
        copies[coding], media_type=media, headers={**extra, "Content-Encoding": coding}
    )
