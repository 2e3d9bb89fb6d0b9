"""Contacts: created by channels (a widget visitor, later a mail sender), read by operators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.contacts import events
from otklik.contacts.models import Contact, ContactIdentity
from otklik.contacts.schemas import ContactOut
from otklik.core.clock import utcnow
from otklik.core.errors import not_found
from otklik.core.events import Reach
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_AGENTS


@dataclass(frozen=True, slots=True)
class Signature:
    """Who a contact is, as a message they write is signed and shown."""

    id: int
    name: str | None
    email: str | None


_SIGNATURE_FOR_UPDATE = (
    select(Contact.id, Contact.name, Contact.email)
    .where(Contact.id == bindparam("contact_id"))
    .with_for_update()  # compiled to nothing on SQLite, which has one writer anyway
)


def lock_signature(conn: Connection, contact_id: int) -> Signature | None:
    """Lock the contact's row (PostgreSQL) and read who it is; ``None`` if it is gone.

    Synchronous, for a unit of work running on the write connection in one hop
    (``AsyncConnection.run_sync``): see ``conversations.appending``."""
    row = conn.execute(_SIGNATURE_FOR_UPDATE, {"contact_id": contact_id}).first()
    return None if row is None else Signature(id=row.id, name=row.name, email=row.email)


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut.model_validate(contact, from_attributes=True)


async def get_contact(session: AsyncSession, contact_id: int) -> Contact:
    contact = await session.get(Contact, contact_id)
    if contact is None:
        raise not_found("Contact", contact_id)
    return contact


async def create_contact(
    session: AsyncSession, *, name: str | None, email: str | None, attributes: dict[str, str]
) -> Contact:
    contact = Contact(name=name, email=email, attributes=attributes)
    session.add(contact)
    await session.flush()
    return contact


async def update_identity(
    session: AsyncSession, *, contact: Contact, name: str | None, email: str | None
) -> Contact:
    """Fill in what a visitor told us (a pre-chat form); never blanks known values."""
    changed = False
    if name and name != contact.name:
        contact.name = name
        changed = True
    if email and email != contact.email:
        contact.email = email
        changed = True
    if changed:
        contact.updated_at = utcnow()
        await announce_contact(session, contact)
    return contact


#: The ways a contact's conversations reach operators (``accounts/access.py``), one
#: :class:`Reach` per distinct inbox, team and assignee. The conversations domain answers it;
#: ``wiring.py`` plugs that in (contacts do not read conversations).
ContactReaches = Callable[[AsyncSession, int], Awaitable[list[Reach]]]
_reaches_of: ContactReaches | None = None
#: A contact with no conversation: no inbox has id 0, so only admins (who see all) hear it.
ADMINS_ONLY = Reach(inbox_id=0, team_id=None, assignee_id=None)


def reach_contacts_with(resolver: ContactReaches) -> None:
    global _reaches_of
    _reaches_of = resolver


async def announce_contact(session: AsyncSession, contact: Contact) -> None:
    """Tell operators a contact changed (open customer cards and lists follow): those who
    may see one of the contact's conversations, as a frame per way they are reached."""
    await session.flush()
    reaches = await _reaches_of(session, contact.id) if _reaches_of is not None else []
    data = events.ContactUpdatedData(contact=contact_out(contact))
    await log.write_feed(
        session,
        [
            events.CONTACT_UPDATED_FRAME.entry(STREAM_AGENTS, data, reach)
            for reach in reaches or [ADMINS_ONLY]
        ],
    )


async def absorb(session: AsyncSession, *, into: Contact, source_id: int) -> None:
    """``source_id`` turned out to be ``into`` (it proved its email): its channel identities
    become ``into``'s, a name ``into`` lacks is taken, and ``source_id`` is deleted.

    The caller moves the source's conversations first (``conversations.move_to_contact``);
    whatever still points at the source is deleted with it."""
    source = await session.get(Contact, source_id)
    if source is None or source.id == into.id:
        return
    await session.execute(
        update(ContactIdentity)
        .where(ContactIdentity.contact_id == source.id)
        .values(contact_id=into.id)
    )
    if source.name and not into.name:
        into.name = source.name
    into.updated_at = utcnow()
    await session.delete(source)
    await announce_contact(session, into)


async def oldest_with_email(
    session: AsyncSession, *, email: str, other_than: int
) -> Contact | None:
    """The first contact (by id) with this email address, other than ``other_than``."""
    return await session.scalar(
        select(Contact)
        .where(Contact.email == email, Contact.id != other_than)
        .order_by(Contact.id)
        .limit(1)
    )
