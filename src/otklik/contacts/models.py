"""Contacts: the customers and site visitors who write to us."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId
from otklik.core.fulltext import analyze


def contact_terms(
    name: str | None,
    email: str | None,
    attributes: dict[str, Any] | None,
    other_emails: list[str] | None = None,
    phones: list[str] | None = None,
) -> str:
    """A contact is found by its name, emails, phones and attribute values (order number,
    plan, …). A phone is indexed as its digits too (``79123456789``), so a number typed any
    way finds it."""
    values = [v for v in (attributes or {}).values() if isinstance(v, str | int | float)]
    digits = [p.lstrip("+") for p in phones or []]
    return analyze(name, email, *(other_emails or []), *(phones or []), *digits, *values)


def _insert_terms(context: DefaultExecutionContext) -> str:
    row = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return contact_terms(
        row.get("name"),
        row.get("email"),
        row.get("attributes"),
        row.get("other_emails"),
        row.get("phones"),
    )


#: A JSON list of strings (the same JSON text on both databases: it is only read whole).
StringList = JSON()


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: What the site widget reported of the visitor (``contacts/visitor.py``): pages, browser
    #: and system, language, time zone, phone. Shown in the customer card.
    visitor: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the customer's site first vouched for this contact: a widget session carried a
    #: valid signature of its user id (``contacts/verified.py``, ADR 27). ``None``: unverified.
    verified_at: Mapped[datetime | None]
    #: Search terms of the name, email and attributes (ADR 23): computed on insert by the
    #: column default, on every ORM update by the listener below.
    search_terms: Mapped[str | None] = mapped_column(Text, default=_insert_terms)
    #: Further email addresses (``email`` is the first one, where replies go) and phone
    #: numbers in E.164; each is also a :class:`ContactAddress` row, which keeps it unique.
    other_emails: Mapped[list[str]] = mapped_column(StringList, default=list, server_default="[]")
    phones: Mapped[list[str]] = mapped_column(StringList, default=list, server_default="[]")
    #: The contact's tags, sorted (shown with it); :class:`ContactTag` rows filter by them.
    tags: Mapped[list[str]] = mapped_column(StringList, default=list, server_default="[]")
    #: Set by operators: the language to answer in (BCP 47) and the customer's time zone
    #: (IANA); the widget's report of the browser's stays in ``visitor``.
    language: Mapped[str | None] = mapped_column(String(35))
    timezone: Mapped[str | None] = mapped_column(String(64))
    #: What the customer agreed to, by purpose: ``{"marketing": {"granted": true, "at": …}}``.
    consent: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: When the customer was last active: a widget page view, a form, a message.
    last_seen_at: Mapped[datetime | None] = mapped_column(index=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("companies.id", ondelete="SET NULL"), index=True
    )
    #: The contact's id in another system (a shop's customer number), set by an import:
    #: a re-import finds the contact by it first (``contacts/importing.py``).
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)


@event.listens_for(Contact, "before_update")
def _update_terms(_mapper: Mapper[Contact], _conn: Connection, contact: Contact) -> None:
    contact.search_terms = contact_terms(
        contact.name, contact.email, contact.attributes, contact.other_emails, contact.phones
    )


class ContactAddress(Base):
    """An email address or phone number a contact was given through the API: one contact
    per address in the workspace (an operator adding one that another contact has is told
    which, and may merge them)."""

    __tablename__ = "contact_addresses"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_contact_addresses_kind_value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    #: ``email`` or ``phone``.
    kind: Mapped[str] = mapped_column(String(8))
    #: Lower-case email, or E.164 phone.
    value: Mapped[str] = mapped_column(String(320))


class ContactTag(Base):
    """A tag on a contact (``vip``, ``b2b``); the contacts list filters by it."""

    __tablename__ = "contact_tags"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)


class ContactNote(Base):
    """An operator's note on a contact (not shown to the customer)."""

    __tablename__ = "contact_notes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Company(Base):
    """A customer's organisation: contacts whose email is at one of its domains join it."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: The company's id in another system (a CRM's account number); an import finds it by it.
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CompanyDomain(Base):
    """One email domain of a company; a domain belongs to one company."""

    __tablename__ = "company_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    company_id: Mapped[int] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )


class ContactIdentity(Base):
    """Who a contact is on a channel: a Telegram user id, an email address, an API id; in a
    widget inbox, ``user:<id>`` — the site's user id, written only for a verified signature."""

    __tablename__ = "contact_identities"
    __table_args__ = (
        UniqueConstraint("inbox_id", "external_id", name="uq_contact_identities_inbox_external"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(255))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactSegment(Base):
    """A saved search of the contacts list (its filters), an operator's own or shared with
    every operator (each still sees only the contacts they may see)."""

    __tablename__ = "contact_segments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


IMPORT_STATES = ("queued", "running", "done", "failed")


class ContactImport(Base):
    """A CSV or XLSX file of contacts or companies an admin uploaded, run by the
    ``contacts.import`` job: its column mapping, progress, counts and first errors.
    ``content`` (the rows as CSV text; an XLSX file is read into it) is dropped once run."""

    __tablename__ = "contact_imports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(10), default="queued")
    #: ``contacts`` or ``companies``: what the file's rows are.
    kind: Mapped[str] = mapped_column(String(10), default="contacts", server_default="contacts")
    #: Only check the rows and count what would change; write nothing.
    dry_run: Mapped[bool] = mapped_column(default=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    #: CSV column → field (``email``, ``phones``, ``attribute:plan``…).
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content: Mapped[str | None] = mapped_column(Text)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    #: The first errors: ``{"row": 3, "column": "email", "message": "…"}``.
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON(), default=list, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
