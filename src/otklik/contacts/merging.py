"""Merging two contacts that are one customer, and finding such pairs.

The rule for conflicts: **the target keeps its value**. The other contact's channel
identities, emails, phones, notes and tags all move; an attribute, consent answer, name,
language, time zone, company or widget report moves only where the target has none; the
values the target kept over the other's are written into the merge record (the audit log's
``contact.merged`` entry) with everything that moved, so nothing is lost without a trace.
The caller moves the conversations first (``conversations.move_to_contact``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.audit import service as audit
from otklik.contacts import addresses, events
from otklik.contacts.editing import set_tags
from otklik.contacts.models import Contact, ContactAddress, ContactIdentity, ContactNote, ContactTag
from otklik.contacts.schemas import Duplicate
from otklik.contacts.service import announce_contact, contact_out, contact_reaches, get_contact
from otklik.contacts.visibility import visible_ids
from otklik.core.clock import utcnow
from otklik.core.errors import invalid
from otklik.core.events import bus

#: Single values that move only where the target has none.
_FILLED = ("name", "language", "timezone", "company_id")


def _kept_and_moved(
    target: dict[str, Any], other: dict[str, Any]
) -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """``target`` with ``other``'s keys it lacks; the keys that moved; the other's values
    that lost to the target's (different values under one key)."""
    merged = dict(target)
    moved = []
    lost = {}
    for key, value in other.items():
        if key not in merged:
            merged[key] = value
            moved.append(key)
        elif merged[key] != value:
            lost[key] = value
    return merged, sorted(moved), lost


def _count(result: Any) -> int:
    """Rows an UPDATE changed."""
    return int(getattr(result, "rowcount", 0) or 0)


async def merge(
    session: AsyncSession, *, into_id: int, from_id: int, actor_id: int, conversations: int
) -> Contact:
    """Merge contact ``from_id`` into ``into_id`` (``conversations`` of it were moved)."""
    if into_id == from_id:
        raise invalid("A contact cannot be merged into itself.")
    first, second = sorted((into_id, from_id))  # lock in id order: two merges take turns
    await session.execute(
        select(Contact.id).where(Contact.id.in_((first, second))).with_for_update()
    )
    into = await get_contact(session, into_id)
    other = await get_contact(session, from_id)

    identities = _count(
        await session.execute(
            update(ContactIdentity)
            .where(ContactIdentity.contact_id == other.id)
            .values(contact_id=into.id)
        )
    )
    notes = _count(
        await session.execute(
            update(ContactNote).where(ContactNote.contact_id == other.id).values(contact_id=into.id)
        )
    )

    kept: dict[str, Any] = {}
    moved: dict[str, Any] = {
        "conversations": conversations,
        "identities": identities,
        "notes": notes,
    }
    # Addresses: every one of the other's joins the target's (the target's first email stays
    # the one replies go to).
    mine = [e for e in [into.email, *into.other_emails] if e]
    theirs = [e for e in [other.email, *other.other_emails] if e]
    emails = addresses.distinct(mine + theirs)
    phones = addresses.distinct([*into.phones, *other.phones])
    moved["emails"] = [e for e in emails if e not in mine]
    moved["phones"] = [p for p in phones if p not in into.phones]
    await session.execute(delete(ContactAddress).where(ContactAddress.contact_id == other.id))
    into.email = emails[0] if emails else None
    into.other_emails = emails[1:]
    into.phones = phones
    await addresses.store(session, into)

    tags = sorted(set(into.tags) | set(other.tags))
    moved["tags"] = [t for t in tags if t not in into.tags]
    await session.execute(delete(ContactTag).where(ContactTag.contact_id == other.id))
    await set_tags(session, into, tags)

    into.attributes, moved["attributes"], lost = _kept_and_moved(into.attributes, other.attributes)
    if lost:
        kept["attributes"] = lost
    into.consent, _, lost_consent = _kept_and_moved(into.consent, other.consent)
    if lost_consent:
        kept["consent"] = lost_consent
    for field in _FILLED:
        mine_value, their_value = getattr(into, field), getattr(other, field)
        if mine_value is None and their_value is not None:
            setattr(into, field, their_value)
            moved[field] = their_value
        elif their_value is not None and their_value != mine_value:
            kept[field] = their_value
    if not into.visitor and other.visitor:
        into.visitor = other.visitor
    if other.verified_at is not None and (
        into.verified_at is None or other.verified_at < into.verified_at
    ):
        into.verified_at = other.verified_at  # its site identity moved here with it
    into.created_at = min(into.created_at, other.created_at)  # first seen
    if other.last_seen_at is not None and (
        into.last_seen_at is None or other.last_seen_at > into.last_seen_at
    ):
        into.last_seen_at = other.last_seen_at
    into.updated_at = utcnow()

    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="contact.merged",
        target_type="contact",
        target_id=into.id,
        data={
            "from_id": other.id,
            "from_name": other.name,
            "rule": "the target keeps its value; the other's is recorded in 'kept'",
            "moved": moved,
            "kept": kept,
        },
    )
    await session.delete(other)
    await announce_contact(session, into)
    reaches = tuple(await contact_reaches(session, into.id))
    await bus.emit(
        session,
        events.ContactsMerged(from_id=from_id, into_id=into.id, actor_id=actor_id, reaches=reaches),
    )
    return into


async def _keys(session: AsyncSession, contact: Contact) -> set[str]:
    """What identifies the contact: its emails and phones, and its channel identities that
    are an email address or a phone number (a mail sender, a messenger's phone)."""
    keys = {e for e in [contact.email, *contact.other_emails] if e} | set(contact.phones)
    external = await session.scalars(
        select(ContactIdentity.external_id).where(ContactIdentity.contact_id == contact.id)
    )
    for ident in external:
        if "@" in ident and not ident.startswith("user:"):
            keys.add(ident.lower())
        elif (phone := addresses.as_phone(ident)) is not None:
            keys.add(phone)
    return keys


async def duplicates(session: AsyncSession, contact_id: int, *, limit: int = 20) -> list[Duplicate]:
    """Contacts that share an email or a phone with this one (theirs or a channel identity's),
    those the caller may see, oldest first (the likelier original)."""
    contact = await get_contact(session, contact_id)
    keys = sorted(await _keys(session, contact))
    if not keys:
        return []
    by_address = select(ContactAddress.contact_id).where(ContactAddress.value.in_(keys))
    by_identity = select(ContactIdentity.contact_id).where(ContactIdentity.external_id.in_(keys))
    query = (
        select(Contact)
        .where(
            Contact.id != contact.id,
            or_(Contact.email.in_(keys), Contact.id.in_(by_address), Contact.id.in_(by_identity)),
        )
        .order_by(Contact.id)
        .limit(limit)
    )
    seen = visible_ids(access.scope_in(session))
    if seen is not None:
        query = query.where(Contact.id.in_(seen))
    found = []
    for other in (await session.scalars(query)).all():
        shared = (await _keys(session, other)) & set(keys)
        found.append(Duplicate(contact=contact_out(other), shared=sorted(shared)))
    return found
