"""Personal-data exports admins asked for, and the workspace's retention setting."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId

EXPORT_STATES = ("pending", "ready", "failed")


class PrivacyExport(Base):
    """One ZIP of everything about a contact, built by the ``privacy.export`` job."""

    __tablename__ = "privacy_exports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Not a foreign key: the row outlives nothing, but an erasure deletes it with its file.
    contact_id: Mapped[int] = mapped_column(BigId, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL")
    )
    state: Mapped[str] = mapped_column(String(10), default="pending")
    #: Random file name under ``OTKLIK_DATA_DIR/privacy-exports/`` once ready.
    storage_key: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigId)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class PrivacySetting(Base):
    """A personal-data setting of the workspace (today ``retention_months``)."""

    __tablename__ = "privacy_settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[int | None] = mapped_column(BigId)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
