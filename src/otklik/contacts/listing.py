"""The contacts list: newest first, found by name, email, phone or attribute value, and
filtered by tag, company, verification and last-seen time; only contacts the operator may
see (``contacts/visibility.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, UnaryExpression, select
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


def _searched(
    query: Select[Any], q: str, dialect: str
) -> tuple[Select[Any], UnaryExpression[Any]] | None:
    """``query`` limited to the contacts ``q`` finds, and its newest-first order (on SQLite
    the FTS5 table's own ``rowid``, which it walks backwards without sorting the matches);
    ``None``: it can find nothing."""
    text = q.strip()
    newest = _contacts.c.id.desc()
    if "@" in text and " " not in text:
        return query.where(addresses.with_address("email", text.lower())), newest
    phone = addresses.as_phone(text)
    if phone is not None:
        return query.where(addresses.with_address("phone", phone)), newest
    parsed = parse(text)
    if parsed is None:
        return None
    found = match(_contacts, parsed, dialect)
    return query.select_from(found.source).where(found.condition), found.newest_first


def filtered(
    filters: Filters, scope: access.Scope, dialect: str
) -> tuple[Select[Any], UnaryExpression[Any]] | None:
    """The ids of the contacts matching ``filters`` that ``scope`` may see, and the order
    that gives them newest first."""
    c = _contacts.c
    query: Select[Any] = select(c.id)
    order = c.id.desc()
    if filters.q:
        searched = _searched(query, filters.q, dialect)
        if searched is None:
            return None
        query, order = searched
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
    return query, order


async def list_contacts(
    session: AsyncSession, filters: Filters, *, before: int | None, limit: int
) -> ContactListOut:
    """A page, newest first; page on with ``before`` = ``next_before``."""
    dialect = session.get_bind().dialect.name
    found = filtered(filters, access.scope_in(session), dialect)
    if found is None:
        return ContactListOut(items=[])
    ids, order = found
    if before is not None:
        ids = ids.where(_contacts.c.id < before)
    page_ids = list((await session.scalars(ids.order_by(order).limit(limit + 1))).all())
    more = len(page_ids) > limit
    page_ids = page_ids[:limit]
    rows = await session.scalars(
        select(Contact).where(Contact.id.in_(page_ids)).order_by(Contact.id.desc())
    )
    items = [ContactOut.model_validate(r, from_attributes=True) for r in rows]
    return ContactListOut(items=items, next_before=page_ids[-1] if more else None)


async def matching_ids(session: AsyncSession, filters: Filters, *, limit: int) -> list[int]:
    """Every matching contact's id (up to ``limit``): a segment's bulk action."""
    found = filtered(filters, access.scope_in(session), session.get_bind().dialect.name)
    if found is None:
        return []
    ids, order = found
    return list((await session.scalars(ids.order_by(order).limit(limit))).all())
