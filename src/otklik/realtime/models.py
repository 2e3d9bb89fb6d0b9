"""The event log: every change a live client must hear about, in commit order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_stream_id", "stream", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Who may see it: ``agents`` (every operator) or ``contact:<id>`` (one visitor).
    stream: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
