"""What workforce records: each operator's status intervals and the dialogs they handled.

Both are written by subscribers to other domains' events (``workforce/subscribers.py``),
inside the transaction of the change, so an interval exists exactly when the change does.
An open interval has ``ended_at`` unset; at most one per operator (status) and one per
conversation (handling) is open at a time.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
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


#: Why a day differs from the pattern: a lead's edit, approved time off, an approved swap.
OVERRIDE_KINDS = ("edit", "time_off", "swap")


class ShiftOverride(Base):
    """One operator's day as edited on top of the patterns: the shift from ``starts_at`` to
    ``ends_at`` (moved, resized or added; breaks of ``template_id`` when it has one), or no
    shift at all when ``starts_at`` is unset (a day off). ``day`` is the local date the
    shift starts on; at most one override per operator and day."""

    __tablename__ = "workforce_shift_overrides"
    __table_args__ = (
        UniqueConstraint("agent_id", "day", name="uq_workforce_shift_overrides_agent_day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    day: Mapped[date]
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("workforce_shift_templates.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(10), default="edit")
    #: The time-off or swap request it came from.
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("workforce_schedule_requests.id", ondelete="SET NULL")
    )
    by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


#: A request is pending; a swap the colleague agreed to is ``accepted`` (then the lead
#: decides); ``approved`` and ``declined`` are the lead's; the requester may ``cancel``.
REQUEST_STATES = ("pending", "accepted", "approved", "declined", "cancelled")
REQUEST_KINDS = ("time_off", "swap")


class ScheduleRequest(Base):
    """An operator asks for time off (``date_from``..``date_to``) or to swap their shift of
    ``date_from`` with ``colleague_id``'s shift of ``colleague_date``."""

    __tablename__ = "workforce_schedule_requests"
    __table_args__ = (Index("ix_workforce_schedule_requests_agent", "agent_id", "state"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    date_from: Mapped[date]
    date_to: Mapped[date]
    reason: Mapped[str] = mapped_column(String(500), default="")
    colleague_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    colleague_date: Mapped[date | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
