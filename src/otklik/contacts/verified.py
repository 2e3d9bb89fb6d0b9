"""Verified contacts: the customer's site vouches for its user, one contact per user id.

A widget session that carries a valid signature of the site's ``user_id`` (checked by
``channels/widget/signed_identity.py``) is that user: the contact with the identity
``user:<id>`` in that inbox, made on their first session and marked ``verified_at``. The
same user on another device or browser gets the same contact, so their conversations.

Only a valid signature reaches such a contact: an email or a name never does (the site sends
them beside the signed id, unsigned), and the mailed code of ADR 18 never joins one
(:func:`otklik.contacts.service.oldest_with_email` skips them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.contacts.events import ContactVerified
from otklik.contacts.models import Contact, ContactIdentity
from otklik.contacts.service import update_identity
from otklik.core.clock import utcnow
from otklik.core.db import insert_for
from otklik.core.errors import AppError
from otklik.core.events import bus

#: The external-id namespace of site user ids in a widget inbox (never a channel's own id:
#: the widget has none, other channels' inboxes are not widget inboxes).
USER_PREFIX = "user:"
_identities = cast(Table, ContactIdentity.__table__)


def user_external_id(user_id: str) -> str:
    return USER_PREFIX + user_id


@dataclass(frozen=True, slots=True)
class VerifiedUser:
    """What a valid signature proves (``user_id``) and what the site sent beside it."""

    inbox_id: int
    user_id: str
    name: str | None
    email: str | None


async def _contact_of(session: AsyncSession, *, inbox_id: int, external_id: str) -> Contact | None:
    return await session.scalar(
        select(Contact)
        .join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
        .where(ContactIdentity.inbox_id == inbox_id, ContactIdentity.external_id == external_id)
    )


async def contact_for_user(
    session: AsyncSession, *, user: VerifiedUser, attributes: dict[str, str]
) -> Contact:
    """The contact of a verified site user, made (with ``attributes``) on their first
    session; their name and email follow what the site sends now."""
    external_id = user_external_id(user.user_id)
    contact = await _contact_of(session, inbox_id=user.inbox_id, external_id=external_id)
    if contact is None:
        contact = await _create(session, user=user, external_id=external_id, attributes=attributes)
    if contact.verified_at is None:  # its identity came by a merge that left the mark behind
        contact.verified_at = utcnow()
        await bus.emit(
            session, ContactVerified(contact_id=contact.id, inbox_id=user.inbox_id, created=False)
        )
    await update_identity(session, contact=contact, name=user.name, email=user.email)
    return contact


async def _create(
    session: AsyncSession, *, user: VerifiedUser, external_id: str, attributes: dict[str, str]
) -> Contact:
    """A new verified contact linked to ``external_id``; when another request (PostgreSQL,
    another process) linked the user id meanwhile, that one's contact instead."""
    contact = Contact(name=user.name, email=user.email, attributes=attributes, verified_at=utcnow())
    session.add(contact)
    await session.flush()
    insert = insert_for(session.get_bind().dialect.name)
    linked = (
        await session.execute(
            insert(_identities)
            .values(inbox_id=user.inbox_id, external_id=external_id, contact_id=contact.id)
            .on_conflict_do_nothing(index_elements=["inbox_id", "external_id"])
            .returning(_identities.c.id)
        )
    ).first()
    if linked is None:
        await session.delete(contact)
        await session.flush()
        other = await _contact_of(session, inbox_id=user.inbox_id, external_id=external_id)
        if other is None:  # linked and deleted again meanwhile: let the widget try again
            raise AppError(409, "conflict", "This user's contact changed meanwhile; try again.")
        return other
    await bus.emit(
        session, ContactVerified(contact_id=contact.id, inbox_id=user.inbox_id, created=True)
    )
    return contact
