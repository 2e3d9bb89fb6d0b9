"""Contacts as a searchable kind: name, email and attribute values (phone, company, …).

An operator finds a contact they may see: one of whose conversations they may see (admins:
every contact). Which contacts those are is the conversations domain's answer, given to
:func:`contacts.visibility.visible_contacts_with` by ``wiring.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from otklik.contacts.models import Contact, contact_terms
from otklik.contacts.visibility import visible_ids
from otklik.core.fulltext_sql import match, refill_sync
from otklik.search.schemas import CANDIDATES, Found, Kind, Request

_contacts = cast(Table, Contact.__table__)


async def search_contacts(session: AsyncSession, request: Request) -> list[Found]:
    c = _contacts.c
    found = match(_contacts, request.query, session.get_bind().dialect.name)
    query = select(c.id, c.name, c.email, c.attributes, c.created_at, found.score.label("score"))
    query = query.select_from(found.source).where(found.condition)
    seen = visible_ids(request.scope)
    if seen is not None:
        query = query.where(c.id.in_(seen))
    ranked = query.order_by(found.newest_first).limit(CANDIDATES).subquery()
    rows = await session.execute(
        select(ranked).order_by(ranked.c.score.desc(), ranked.c.id.desc()).limit(request.limit + 1)
    )
    out = []
    for row in rows:
        details = [row.email or "", *(str(v) for v in (row.attributes or {}).values())]
        out.append(
            Found(
                id=row.id,
                title=row.name or row.email or f"#{row.id}",
                text=" · ".join(d for d in details if d),
                created_at=row.created_at,
            )
        )
    return out


def _refill(session: Session, progress: Callable[[int, int], None]) -> int:
    return refill_sync(
        session.connection(),
        _contacts,
        ("name", "email", "attributes"),
        lambda row: contact_terms(row.name, row.email, row.attributes),
        progress,
    )


async def reindex(session: AsyncSession, progress: Callable[[int, int], None]) -> int:
    return await session.run_sync(_refill, progress)


CONTACTS = Kind(name="contacts", search=search_contacts, reindex=reindex)
