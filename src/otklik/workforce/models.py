"""What workforce records: each operator's status intervals and the dialogs they handled.

Both are written by subscribers to other domains' events (``workforce/subscribers.py``),
inside the transaction of the change, so an interval exists exactly when the change does.
An open interval has ``ended_at`` unset; at most one per operator (status) and one per
conversation (handling) is open at a time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId, Json

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


#: A simulation is queued until its job has run it, then done (or failed).
SIMULATION_STATES = ("queued", "done", "failed")


class StaffingSimulation(Base):
    """A staffing question (``params``) checked by the discrete-event simulation, run as a
    background job; ``result`` once it is done."""

    __tablename__ = "workforce_simulations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="SET NULL")
    )
    params: Mapped[dict[str, Any]] = mapped_column(Json)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class ShiftTemplate(Base):
    """A shift: starts at ``start_minute`` local time (workspace time zone), lasts
    ``length_minutes`` (may cross midnight), with breaks ``[{"offset", "minutes",
    "reason"}]`` counted from the shift's start."""

    __tablename__ = "workforce_shift_templates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    start_minute: Mapped[int]
    length_minutes: Mapped[int]
    breaks: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RotationPattern(Base):
    """A cycle of days: each a shift template's id, or ``None`` for a day off (2/2 is
    ``[d, d, None, None]``; day/evening/night ``[d, d, e, e, n, n, None, None]``)."""

    __tablename__ = "workforce_rotation_patterns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    cycle: Mapped[list[int | None]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PatternAssignment(Base):
    """An operator works ``pattern_id`` from ``starts_on`` (the cycle's first day) on; a
    later assignment of the same operator takes over from its own start."""

    __tablename__ = "workforce_pattern_assignments"
    __table_args__ = (Index("ix_workforce_pattern_assignments_agent", "agent_id", "starts_on"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    pattern_id: Mapped[int] = mapped_column(
        ForeignKey("workforce_rotation_patterns.id", ondelete="CASCADE")
    )
    starts_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
