"""Proofs that a widget visitor reads an email address: one row per code sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId


class VisitorEmailProof(Base):
    """A one-time code (and link) mailed to ``email`` for the visitor ``visitor_id``.

    ``visitor_id`` is not a foreign key: the visitor's contact is merged away when the proof
    is used, and the row stays to tell that visitor's older token where they went
    (``merged_into_id``)."""

    __tablename__ = "visitor_email_proofs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"))
    visitor_id: Mapped[int] = mapped_column(BigId, index=True)
    email: Mapped[str] = mapped_column(String(320))
    #: SHA-256 of the code keyed with the row's own link secret (see ``proof.py``).
    code_hash: Mapped[str] = mapped_column(String(64))
    #: Wrong codes typed for this proof; past the limit it is spent.
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    #: The contact the visitor was joined to (set with ``used_at``).
    merged_into_id: Mapped[int | None] = mapped_column(BigId)
