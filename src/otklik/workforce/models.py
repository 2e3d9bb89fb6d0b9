"""What workforce records: each operator's status intervals and the dialogs they handled.

Both are written by subscribers to other domains' events (``workforce/subscribers.py``),
inside the transaction of the change, so an interval exists exactly when the change does.
An open interval has ``ended_at`` unset; at most one per operator (status) and one per
conversation (handling) is open at a time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.db import Base, BigId

#: Who changed a status: the operator, the system (sockets gone, idle), or a schedule.
SOURCES = ("operator", "auto", "schedule")


class StatusInterval(Base):
    """An operator was in ``status`` (with ``reason`` for a break) from ``started_at`` until
    ``ended_at`` (``None``: still is)."""

    __tablename__ = "workforce_status_intervals"
    __table_args__ = (Index("ix_workforce_status_intervals_agent_start", "agent_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class HandlingInterval(Base):
    """An operator had an open conversation assigned from ``started_at`` until ``ended_at``
    (resolved, snoozed, pending, or given to someone else)."""

    __tablename__ = "workforce_handling_intervals"
    __table_args__ = (
        Index("ix_workforce_handling_intervals_agent_start", "agent_id", "started_at"),
        Index("ix_workforce_handling_intervals_conversation", "conversation_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
