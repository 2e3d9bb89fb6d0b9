"""Contacts: created by channels (a widget visitor, later a mail sender), read by operators."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from asyncpg import Connection as AsyncpgConnection
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.contacts import companies, events
from otklik.contacts.models import Contact, ContactIdentity
from otklik.contacts.schemas import ContactOut
from otklik.core import pg_raw, sqlite_raw
from otklik.core.clock import utcnow
from otklik.core.db import insert_for
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


_contacts = cast(Table, Contact.__table__)
_identities = cast(Table, ContactIdentity.__table__)
_IDENTITY_COLUMNS = (_contacts.c.id, _contacts.c.name, _contacts.c.email, _contacts.c.attributes)
#: The customer behind a channel's sender id in an inbox, their row locked (PostgreSQL) as the
#: general path locks it: two writes for one customer take turns, whichever process runs them.
_IDENTIFIED = (
    select(*_IDENTITY_COLUMNS)
    .join(_identities, _identities.c.contact_id == _contacts.c.id)
    .where(
        _identities.c.inbox_id == bindparam("inbox_id"),
        _identities.c.external_id == bindparam("sender_id"),
    )
    .with_for_update(of=_contacts)
)
_KNOWN = (
    select(*_IDENTITY_COLUMNS).where(_contacts.c.id == bindparam("contact_id")).with_for_update()
)
_UNDO_CONTACT = delete(_contacts).where(_contacts.c.id == bindparam("contact_id"))
_INSERT_CONTACT = insert(_contacts).returning(_contacts.c.id)
#: Per dialect: the identity's INSERT … ON CONFLICT DO NOTHING, built once.
_LINK: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Identified:
    contact: Signature
    attributes: dict[str, Any]
    created: bool


def known_sync(conn: Connection, contact_id: int) -> Identified | None:
    """A contact by id (a widget visitor's), locked as :func:`lock_signature` locks it, for a
    write without a session; ``None`` if it is gone."""
    row = conn.execute(_KNOWN, {"contact_id": contact_id}).first()
    if row is None:
        return None
    return Identified(
        Signature(id=row.id, name=row.name, email=row.email), dict(row.attributes), created=False
    )


def identify_sync(
    conn: Connection,
    *,
    inbox_id: int,
    sender_id: str,
    name: str | None,
    email: str | None,
    source: str,
) -> Identified | None:
    """The contact behind a channel's ``sender_id`` in the inbox, created on first contact,
    for a write without a session (``core/unit.py``), as ``channels.inbound.contact_for``.

    ``None`` (nothing written): the contact is known and the sender brings news about them
    (a name or an email to update and announce: the caller's general path does it), or
    another writer (PostgreSQL) created them meanwhile."""
    email = email.lower() if email else None
    known = conn.execute(_IDENTIFIED, {"inbox_id": inbox_id, "sender_id": sender_id}).first()
    if known is not None:
        if (name and name != known.name) or (email and email != known.email):
            return None
        return Identified(
            Signature(id=known.id, name=known.name, email=known.email),
            dict(known.attributes),
            created=False,
        )
    attributes = {"source": source}
    created = conn.execute(
        _INSERT_CONTACT, {"name": name, "email": email, "attributes": attributes}
    ).scalar_one()
    link = _LINK.get(conn.dialect.name)
    if link is None:
        link = _LINK[conn.dialect.name] = (
            insert_for(conn.dialect.name)(_identities)
            .on_conflict_do_nothing(index_elements=["inbox_id", "external_id"])
            .returning(_identities.c.id)
        )
    linked = conn.execute(
        link, {"inbox_id": inbox_id, "external_id": sender_id, "contact_id": created}
    ).first()
    if linked is None:
        conn.execute(_UNDO_CONTACT, {"contact_id": created})
        return None
    return Identified(Signature(id=created, name=name, email=email), attributes, created=True)


# The same on SQLite's own handle (``core/sqlite_raw.py``), for the units that open a
# conversation there (``conversations.opening``): the statements above as SQLite text, the
# new contact's row with every default Core would give it. One writer holds the file, so
# nothing changes between them and no row is locked.
_SQLITE_IDENTIFIED = (
    "SELECT c.id, c.name, c.email, c.attributes FROM contacts AS c"
    " JOIN contact_identities AS i ON i.contact_id = c.id"
    " WHERE i.inbox_id = ? AND i.external_id = ?"
)
_SQLITE_KNOWN = "SELECT id, name, email, attributes FROM contacts WHERE id = ?"
_IDENTITY_SUFFIX = " ON CONFLICT (inbox_id, external_id) DO NOTHING RETURNING id"
_SQLITE_UNDO_CONTACT = "DELETE FROM contacts WHERE id = ?"


def _identified_row(dialect: Dialect, found: Any) -> Identified:
    """A found row (id, name, email, attributes) read as the ORM reads it."""
    attributes = sqlite_raw.codec(_contacts, dialect).row(("attributes",), (found[3],))
    return Identified(
        Signature(id=found[0], name=found[1], email=found[2]),
        dict(attributes["attributes"]),
        created=False,
    )


def _linked(dialect: Dialect, found: Any, name: str | None, email: str | None) -> Identified | None:
    """A sender already linked to a contact (``found``: id, name, email, attributes);
    ``None`` when they bring news about them (a name or an email the general path updates
    and announces)."""
    if (name and name != found[1]) or (email and email != found[2]):
        return None
    return _identified_row(dialect, found)


def known_sqlite(raw: sqlite3.Connection, dialect: Dialect, contact_id: int) -> Identified | None:
    """:func:`known_sync` on SQLite's own handle."""
    found = raw.execute(_SQLITE_KNOWN, (contact_id,)).fetchone()
    return None if found is None else _identified_row(dialect, found)


def identify_sqlite(
    raw: sqlite3.Connection,
    dialect: Dialect,
    *,
    inbox_id: int,
    sender_id: str,
    name: str | None,
    email: str | None,
    source: str,
) -> Identified | None:
    """:func:`identify_sync` on SQLite's own handle: the same answers, the same rows."""
    email = email.lower() if email else None
    found = raw.execute(_SQLITE_IDENTIFIED, (inbox_id, sender_id)).fetchone()
    if found is not None:
        return _linked(dialect, found, name, email)
    attributes = {"source": source}
    created = (
        sqlite_raw.insert(_contacts, dialect)
        .run(raw, {"name": name, "email": email, "attributes": attributes})
        .lastrowid
    )
    assert created is not None
    linked = (
        sqlite_raw.insert(_identities, dialect, _IDENTITY_SUFFIX)
        .run(raw, {"inbox_id": inbox_id, "external_id": sender_id, "contact_id": created})
        .fetchone()
    )
    if linked is None:
        raw.execute(_SQLITE_UNDO_CONTACT, (created,))
        return None
    return Identified(Signature(id=created, name=name, email=email), attributes, created=True)


# The same on PostgreSQL's asyncpg handle (``core/pg_raw.py``), for the units that open a
# conversation there: the statements of :func:`identify_sync`, each row locked as it locks it.
_PG_IDENTIFIED = (
    "SELECT c.id, c.name, c.email, c.attributes FROM contacts AS c"
    " JOIN contact_identities AS i ON i.contact_id = c.id"
    " WHERE i.inbox_id = $1 AND i.external_id = $2 FOR UPDATE OF c"
)
_PG_KNOWN = "SELECT id, name, email, attributes FROM contacts WHERE id = $1 FOR UPDATE"
_PG_UNDO_CONTACT = "DELETE FROM contacts WHERE id = $1"


def known_pg(raw: AsyncpgConnection, dialect: Dialect, contact_id: int) -> Identified | None:
    """:func:`known_sync` on asyncpg's handle."""
    found = pg_raw.fetchrow(raw, _PG_KNOWN, contact_id)
    return None if found is None else _identified_row(dialect, found)


def identify_pg(
    raw: AsyncpgConnection,
    dialect: Dialect,
    *,
    inbox_id: int,
    sender_id: str,
    name: str | None,
    email: str | None,
    source: str,
) -> Identified | None:
    """:func:`identify_sync` on asyncpg's handle: the same answers, the same rows."""
    email = email.lower() if email else None
    found = pg_raw.fetchrow(raw, _PG_IDENTIFIED, inbox_id, sender_id)
    if found is not None:
        return _linked(dialect, found, name, email)
    attributes = {"source": source}
    contact, contact_params = sqlite_raw.insert(_contacts, dialect).row(
        {"name": name, "email": email, "attributes": attributes}
    )
    identity, identity_params = sqlite_raw.insert(_identities, dialect).row(
        {"inbox_id": inbox_id, "external_id": sender_id}
    )
    written = pg_raw.fetchrow(
        raw, _pg_new_contact(contact, identity), *contact_params, *identity_params
    )
    assert written is not None
    created, linked = int(written[0]), written[1]
    if linked is None:  # another writer linked this sender meanwhile
        pg_raw.execute(raw, _PG_UNDO_CONTACT, created)
        return None
    return Identified(Signature(id=created, name=name, email=email), attributes, created=True)


@functools.cache
def _pg_new_contact(contact: tuple[str, ...], identity: tuple[str, ...]) -> str:
    """The new contact and their channel identity in one statement (one round trip): the
    identity's row reads the contact's id from its INSERT's RETURNING. The contact is
    written even when the identity conflicts; the link's id comes back NULL then."""
    return (
        f"WITH created AS (INSERT INTO contacts ({', '.join(contact)})"
        f" VALUES ({pg_raw.marks(1, len(contact))}) RETURNING id),"
        f" linked AS (INSERT INTO contact_identities ({', '.join(identity)}, contact_id)"
        f" VALUES ({pg_raw.marks(len(contact) + 1, len(identity))}, (SELECT id FROM created))"
        f"{_IDENTITY_SUFFIX})"
        " SELECT created.id, linked.id FROM created LEFT JOIN linked ON true"
    )


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
        if contact.company_id is None:
            contact.company_id = await companies.company_for(session, [email])
    contact.last_seen_at = utcnow()
    if changed:
        contact.updated_at = utcnow()
        await announce_contact(session, contact)
    return contact


#: The ways contacts' conversations reach operators (``accounts/access.py``): per contact id
#: one :class:`Reach` per distinct inbox, team and assignee (a contact without conversations
#: is left out). The conversations domain answers it; ``wiring.py`` plugs that in (contacts
#: do not read conversations).
ContactReaches = Callable[[AsyncSession, Sequence[int]], Awaitable[dict[int, list[Reach]]]]
_reaches_of: ContactReaches | None = None
#: A contact with no conversation: no inbox has id 0, so only admins (who see all) hear it.
ADMINS_ONLY = Reach(inbox_id=0, team_id=None, assignee_id=None)


def reach_contacts_with(resolver: ContactReaches) -> None:
    global _reaches_of
    _reaches_of = resolver


async def contacts_reaches(
    session: AsyncSession, contact_ids: Sequence[int]
) -> dict[int, list[Reach]]:
    """The ways each contact's conversations reach operators (absent: only admins hear)."""
    return await _reaches_of(session, contact_ids) if _reaches_of is not None else {}


async def contact_reaches(session: AsyncSession, contact_id: int) -> list[Reach]:
    """The ways the contact's conversations reach operators (none: only admins hear)."""
    return (await contacts_reaches(session, [contact_id])).get(contact_id, [])


async def announce_contact(session: AsyncSession, contact: Contact) -> None:
    """Tell operators a contact changed (open customer cards and lists follow): those who
    may see one of the contact's conversations, as a frame per way they are reached."""
    await announce_contacts(session, [contact])


async def announce_contacts(session: AsyncSession, changed: Sequence[Contact]) -> None:
    """:func:`announce_contact` for many contacts at once (an import's batch): one flush,
    one query for who may see them, one write to the live log."""
    if not changed:
        return
    await session.flush()
    reaches = await contacts_reaches(session, [contact.id for contact in changed])
    await log.write_feed(
        session,
        [
            events.CONTACT_UPDATED_FRAME.entry(
                STREAM_AGENTS, events.ContactUpdatedData(contact=contact_out(contact)), reach
            )
            for contact in changed
            for reach in reaches.get(contact.id) or [ADMINS_ONLY]
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
    if source.verified_at is not None and (
        into.verified_at is None or source.verified_at < into.verified_at
    ):
        into.verified_at = source.verified_at  # its site identity moved here with it
    into.updated_at = utcnow()
    await session.delete(source)
    await announce_contact(session, into)


async def oldest_with_email(
    session: AsyncSession, *, email: str, other_than: int
) -> Contact | None:
    """The first contact (by id) with this email address, other than ``other_than``, that the
    customer's site does not vouch for: a verified contact's email is the site's word, sent
    beside the signed user id but not signed itself, and such a contact is reached only by a
    signature of its user id (``contacts/verified.py``)."""
    return await session.scalar(
        select(Contact)
        .where(Contact.email == email, Contact.id != other_than, Contact.verified_at.is_(None))
        .order_by(Contact.id)
        .limit(1)
    )
