"""What the site widget knows of a visitor, kept on their contact for the customer card.

The widget reports the pages of the browsing session (the loader notes each page the host
site shows, SPA navigation included), the browser's language and time zone, and a phone
number if the site gave one; the browser and system come from the request's User-Agent,
parsed by ``ua-parser`` (the maintained port of uap-core's rules). A city is not looked up:
no maintained GeoIP city database installs from PyPI (``maxminddb-geolite2`` ships 2018's
data; MaxMind's GeoLite2 now needs an account to download), and Otklik makes no network
lookups — so ``city`` stays empty.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession
from ua_parser import parse

from otklik.contacts.models import Contact
from otklik.contacts.schemas import PAGES_KEPT, VisitedPage, VisitIn, VisitorInfo
from otklik.contacts.service import announce_contact
from otklik.core.clock import utcnow

UA_CHARS = 512


@lru_cache(maxsize=512)
def describe_agent(user_agent: str) -> tuple[str | None, str | None, str | None]:
    """``(browser, os, device)`` in words: ``("Chrome 120", "Windows 10", None)``."""
    parsed = parse(user_agent[:UA_CHARS])
    browser = os = device = None
    if parsed.user_agent is not None and parsed.user_agent.family != "Other":
        ua = parsed.user_agent
        browser = f"{ua.family} {ua.major}" if ua.major else ua.family
    if parsed.os is not None and parsed.os.family != "Other":
        system = parsed.os
        version = ".".join(v for v in (system.major, system.minor) if v)
        os = f"{system.family} {version}" if version else system.family
    if parsed.device is not None and parsed.device.family not in ("Other", "Spider"):
        device = parsed.device.family
    return browser, os, device


def _zone(name: str | None) -> str | None:
    if not name:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name


def _pages(stored: list[VisitedPage], visit: VisitIn, now: datetime) -> list[VisitedPage]:
    """The stored pages and the reported ones, newest first, each once, at most 20; only
    web addresses; a time from the future (a wrong clock) is taken as now."""
    seen = {(p.url, p.at) for p in stored}
    pages = list(stored)
    for page in visit.pages:
        if urlsplit(page.url).scheme not in ("http", "https"):
            continue
        at = min(datetime.fromtimestamp(page.at / 1000, UTC), now)
        if at < now - timedelta(days=365):
            at = now
        at = at.replace(microsecond=(at.microsecond // 1000) * 1000)
        if (page.url, at) in seen:
            continue
        seen.add((page.url, at))
        pages.append(VisitedPage(url=page.url, title=page.title or None, at=at))
    pages.sort(key=lambda p: p.at, reverse=True)
    return pages[:PAGES_KEPT]


async def record_visit(
    session: AsyncSession, *, contact: Contact, visit: VisitIn, user_agent: str | None
) -> VisitorInfo:
    """Keep the report on the contact; operators' cards follow live when it changed."""
    now = utcnow()
    before = VisitorInfo.model_validate(contact.visitor) if contact.visitor else VisitorInfo()
    stored = ([before.page] if before.page else []) + before.history
    pages = _pages(stored, visit, now)
    browser, os, device = describe_agent(user_agent) if user_agent else (None, None, None)
    info = VisitorInfo(
        page=pages[0] if pages else None,
        history=pages[1:],
        browser=browser or before.browser,
        os=os or before.os,
        device=device or before.device,
        language=visit.language or before.language,
        timezone=_zone(visit.timezone) or before.timezone,
        city=before.city,
        phone=visit.phone or before.phone,
        updated_at=before.updated_at,
    )
    contact.last_seen_at = now
    if info == before:
        return before
    info = info.model_copy(update={"updated_at": now})
    stored_json: dict[str, Any] = info.model_dump(mode="json")
    contact.visitor = stored_json
    contact.updated_at = now
    await announce_contact(session, contact)
    return info
