"""The contacts list: newest first, found by name, email, phone or attribute value, and
filtered by tag, company, verification and last-seen time; only contacts the operator may
see (``contacts/visibility.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.contacts import addresses
from otklik.contacts.models import Contact, ContactTag
from otklik.contacts.schemas import ContactListOut, ContactOut
from otklik.contacts.visibility import visible_ids
from otklik.core.fulltext import parse
from otklik.core.fulltext_sql import match

_contacts = cast(Table, Contact.__table__)


@dataclass(frozen=True, slots=True)
class Filters:
    #: Name, email, phone or attribute value; an email or a phone number is matched exactly.
    q: str | None = None
    tag: str | None = None
    company_id: int | None = None
    verified: bool | None = None
    seen_after: datetime | None = None
    seen_before: datetime | None = None


def _searched(query: Select[Any], q: str, dialect: str) -> Select[Any] | None:
    """``query`` limited to the contacts ``q`` finds; ``None``: it can find nothing."""
    text = q.strip()
    if "@" in text and " " not in text:
        return query.where(addresses.with_address("email", text.lower()))
    phone = addresses.as_phone(text)
    if phone is not None:
        return query.where(addresses.with_address("phone", phone))
    parsed = parse(text)
    if parsed is None:
        return None
    found = match(_contacts, parsed, dialect)
    return query.select_from(found.source).where(found.condition)


def filtered(filters: Filters, scope: access.Scope, dialect: str) -> Select[Any] | None:
    """The ids of the contacts matching ``filters`` that ``scope`` may see."""
    c = _contacts.c
    query: Select[Any] = select(c.id)
    if filters.q:
        searched = _searched(query, filters.q, dialect)
        if searched is None:
            return None
        query = searched
    if filters.tag:
        tagged = select(ContactTag.contact_id).where(ContactTag.tag == filters.tag.lower())
        query = query.where(c.id.in_(tagged))
    if filters.company_id is not None:
        query = query.where(c.company_id == filters.company_id)
    if filters.verified is not None:
        query = query.where(
            c.verified_at.is_not(None) if filters.verified else c.verified_at.is_(None)
        )
    if filters.seen_after is not None:
        query = query.where(c.last_seen_at >= filters.seen_after)
    if filters.seen_before is not None:
        query = query.where(c.last_seen_at < filters.seen_before)
    seen = visible_ids(scope)
    if seen is not None:
        query = query.where(c.id.in_(seen))
    return query


async def list_contacts(
    session: AsyncSession, filters: Filters, *, before: int | None, limit: int
) -> ContactListOut:
    """A page, newest first; page on with ``before`` = ``next_before``."""
    dialect = session.get_bind().dialect.name
    ids = filtered(filters, access.scope_in(session), dialect)
    if ids is None:
        return ContactListOut(items=[])
    if before is not None:
        ids = ids.where(_contacts.c.id < before)
    page_ids = list(
        (await session.scalars(ids.order_by(_contacts.c.id.desc()).limit(limit + 1))).all()
    )
    more = len(page_ids) > limit
    page_ids = page_ids[:limit]
    rows = await session.scalars(
        select(Contact).where(Contact.id.in_(page_ids)).order_by(Contact.id.desc())
    )
    items = [ContactOut.model_validate(r, from_attributes=True) for r in rows]
    return ContactListOut(items=items, next_before=page_ids[-1] if more else None)


async def matching_ids(session: AsyncSession, filters: Filters, *, limit: int) -> list[int]:
    """Every matching contact's id (up to ``limit``): a segment's bulk action."""
    ids = filtered(filters, access.scope_in(session), session.get_bind().dialect.name)
    if ids is None:
        return []
    return list((await session.scalars(ids.order_by(_contacts.c.id.desc()).limit(limit))).all())
