"""Contacts: the customers and site visitors who write to us."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId


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


class ContactIdentity(Base):
    """Who a contact is on a channel: a Telegram user id, an email address, an API id."""

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
