"""The contact's own row, its channel identities and its CRM rows (addresses, tags, notes),
for a personal-data export or erasure. Addresses, tags and notes go with the contact's row
(``ON DELETE CASCADE``); their values become needles so copies elsewhere are redacted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.config import Settings
from otklik.contacts.models import Contact, ContactIdentity, ContactNote
from otklik.core.errors import not_found
from otklik.privacy.personal_data import Erasure, Exported, PersonalDataPart


def _strings(data: Any) -> list[str]:
    """Every string inside ``data`` (attributes, what the widget reported)."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for value in data.values() for s in _strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in _strings(value)]
    return []


async def _identities(session: AsyncSession, contact_id: int) -> list[ContactIdentity]:
    return list(
        await session.scalars(
            select(ContactIdentity)
            .where(ContactIdentity.contact_id == contact_id)
            .order_by(ContactIdentity.id)
        )
    )


async def _notes(session: AsyncSession, contact_id: int) -> list[ContactNote]:
    return list(
        await session.scalars(
            select(ContactNote).where(ContactNote.contact_id == contact_id).order_by(ContactNote.id)
        )
    )


def _moment(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


async def _export(session: AsyncSession, contact_id: int, _settings: Settings) -> Exported:
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise not_found("Contact", contact_id)
    return Exported(
        {
            "id": contact.id,
            "name": contact.name,
            "email": contact.email,
            "attributes": contact.attributes,
            "visitor": contact.visitor,
            "created_at": contact.created_at.isoformat(),
            "updated_at": contact.updated_at.isoformat(),
            "verified_at": _moment(contact.verified_at),
            "other_emails": list(contact.other_emails),
            "phones": list(contact.phones),
            "tags": list(contact.tags),
            "language": contact.language,
            "timezone": contact.timezone,
            "consent": contact.consent,
            "last_seen_at": _moment(contact.last_seen_at),
            "company_id": contact.company_id,
            "notes": [
                {
                    "text": note.text,
                    "author_id": note.author_id,
                    "created_at": note.created_at.isoformat(),
                }
                for note in await _notes(session, contact_id)
            ],
            "identities": [
                {
                    "inbox_id": identity.inbox_id,
                    "external_id": identity.external_id,
                    "created_at": identity.created_at.isoformat(),
                }
                for identity in await _identities(session, contact_id)
            ],
        }
    )


async def _prepare(session: AsyncSession, erasure: Erasure) -> None:
    """The contact's strings become needles; an empty contact is made to keep its
    conversations (statistics still count them, as one customer)."""
    if erasure.contact_id is None:
        return
    contact = await session.get(Contact, erasure.contact_id)
    if contact is None:
        raise not_found("Contact", erasure.contact_id)
    erasure.add_needles([contact.name, contact.email, *contact.other_emails, *contact.phones])
    erasure.add_needles(note.text for note in await _notes(session, erasure.contact_id))
    erasure.add_needles(_strings(contact.attributes))
    erasure.add_needles(_strings(contact.visitor.get("phone")))
    identities = await _identities(session, erasure.contact_id)
    # ``user:42`` / a Telegram id: the value after the channel's prefix is what identifies.
    erasure.add_needles(i.external_id.partition(":")[2] or i.external_id for i in identities)
    erasure.add_needles(i.external_id for i in identities)
    placeholder = Contact(name=None, email=None, attributes={}, visitor={})
    session.add(placeholder)
    await session.flush()
    erasure.placeholder_id = placeholder.id


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    if erasure.contact_id is None:
        return
    await session.execute(
        delete(ContactIdentity).where(ContactIdentity.contact_id == erasure.contact_id)
    )
    await session.execute(delete(Contact).where(Contact.id == erasure.contact_id))
    erasure.counts["contacts"] = 1


#: Last in an erasure: the conversations have moved to the placeholder by then.
CONTACTS = PersonalDataPart("contact", order=90, export=_export, prepare=_prepare, erase=_erase)
