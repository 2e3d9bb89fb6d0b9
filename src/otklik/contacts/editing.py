"""Operators' changes to a contact: emails, phones, tags, language, time zone, consent and
company (attribute values go through ``attributes``, typed by their definitions)."""

from __future__ import annotations

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.contacts import addresses, companies
from otklik.contacts.models import Contact, ContactTag
from otklik.contacts.schemas import ContactFields, ContactIn, TagsIn
from otklik.contacts.service import announce_contact, get_contact
from otklik.contacts.visibility import visible_ids
from otklik.core.clock import utcnow
from otklik.core.errors import invalid, not_found


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(zone: str) -> None:
    """422 unless ``zone`` is an IANA time zone name."""
    if zone not in _zones():
        raise invalid(f"{zone!r} is not a time zone (e.g. Europe/Moscow).")


def normal_tags(tags: list[str]) -> list[str]:
    """Lower-case, each once, sorted: ``VIP`` and ``vip`` are one tag."""
    return sorted({t.lower() for t in tags})


async def set_tags(session: AsyncSession, contact: Contact, tags: list[str]) -> None:
    contact.tags = normal_tags(tags)
    await session.execute(delete(ContactTag).where(ContactTag.contact_id == contact.id))
    if contact.tags:
        await session.execute(
            insert(ContactTag), [{"contact_id": contact.id, "tag": t} for t in contact.tags]
        )


def _consent(current: dict[str, Any], given: dict[str, bool]) -> dict[str, Any]:
    """Each purpose's answer with when it was given; an unchanged answer keeps its time."""
    now = utcnow().isoformat()
    result = dict(current)
    for purpose, granted in given.items():
        before = result.get(purpose)
        if not isinstance(before, dict) or before.get("granted") is not granted:
            result[purpose] = {"granted": granted, "at": now}
    return result


async def _apply(session: AsyncSession, contact: Contact, data: ContactFields) -> None:
    """Check everything first, then write: a bad field leaves the contact as it was."""
    given = data.model_fields_set
    emails = (
        addresses.distinct([addresses.normal_email(e) for e in data.emails])
        if data.emails is not None
        else None
    )
    phones = (
        addresses.distinct([addresses.normal_phone(p) for p in data.phones])
        if data.phones is not None
        else None
    )
    if "timezone" in given and data.timezone is not None:
        check_timezone(data.timezone)
    if "company_id" in given and data.company_id is not None:
        await companies.get_company(session, data.company_id)
    if emails is not None:
        await addresses.require_free(session, kind="email", values=emails, contact_id=contact.id)
    if phones is not None:
        await addresses.require_free(session, kind="phone", values=phones, contact_id=contact.id)

    if "name" in given:
        contact.name = data.name or None
    if emails is not None:
        contact.email = emails[0] if emails else None
        contact.other_emails = emails[1:]
    if phones is not None:
        contact.phones = phones
    if emails is not None or phones is not None:
        await addresses.store(session, contact)
    if "language" in given:
        contact.language = data.language
    if "timezone" in given:
        contact.timezone = data.timezone
    if data.consent is not None:
        contact.consent = _consent(contact.consent, data.consent)
    if data.tags is not None:
        await set_tags(session, contact, data.tags)
    if "company_id" in given:
        contact.company_id = data.company_id
    elif emails is not None and contact.company_id is None:
        contact.company_id = await companies.company_for(session, emails)
    contact.updated_at = utcnow()


async def create_contact(session: AsyncSession, data: ContactIn) -> Contact:
    contact = Contact(attributes={"source": "operator"})
    session.add(contact)
    await session.flush()
    await _apply(session, contact, data)
    await announce_contact(session, contact)
    return contact


async def update_contact(session: AsyncSession, contact_id: int, data: ContactFields) -> Contact:
    contact = await get_contact(session, contact_id)
    await _apply(session, contact, data)
    await announce_contact(session, contact)
    return contact


async def tag_contacts(session: AsyncSession, data: TagsIn) -> int:
    """Bulk tagging: each of the contacts (all must be ones the operator may see) gets
    ``add`` and loses ``remove``; each changed one is announced. Returns how many changed."""
    wanted = sorted(set(data.contact_ids))
    query = select(Contact).where(Contact.id.in_(wanted)).order_by(Contact.id)
    seen = visible_ids(access.scope_in(session))
    if seen is not None:
        query = query.where(Contact.id.in_(seen))
    found = list((await session.scalars(query)).all())
    missing = set(wanted) - {c.id for c in found}
    if missing:
        raise not_found("Contact", min(missing))
    add, remove = set(normal_tags(data.add)), set(normal_tags(data.remove))
    changed = 0
    for contact in found:
        tags = (set(contact.tags) | add) - remove
        if sorted(tags) != contact.tags:
            await set_tags(session, contact, sorted(tags))
            contact.updated_at = utcnow()
            await announce_contact(session, contact)
            changed += 1
    return changed


async def seen_now(session: AsyncSession, contact: Contact) -> None:
    """The customer is active now (a widget visit, a form): their last-seen time moves."""
    contact.last_seen_at = utcnow()
