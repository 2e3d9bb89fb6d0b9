"""Contacts: the customers and site visitors who write to us."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId
from otklik.core.fulltext import analyze


def contact_terms(name: str | None, email: str | None, attributes: dict[str, Any] | None) -> str:
    """A contact is found by its name, email and attribute values (phone, company, …)."""
    values = [v for v in (attributes or {}).values() if isinstance(v, str | int | float)]
    return analyze(name, email, *values)


def _insert_terms(context: DefaultExecutionContext) -> str:
    row = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return contact_terms(row.get("name"), row.get("email"), row.get("attributes"))


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


@event.listens_for(Contact, "before_update")
def _update_terms(_mapper: Mapper[Contact], _conn: Connection, contact: Contact) -> None:
    contact.search_terms = contact_terms(contact.name, contact.email, contact.attributes)


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
