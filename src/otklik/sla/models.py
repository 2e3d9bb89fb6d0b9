"""Business calendars, SLA/OLA policies, and each conversation's running clocks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId, Json

#: Customer-facing targets, and the 2nd line's internal ones (counted from an escalation).
SLA_TARGETS = ("first_response", "next_response", "resolution")
OLA_TARGETS = ("ola_response", "ola_resolution")
TARGETS = SLA_TARGETS + OLA_TARGETS
#: running → met | breached (→ met late) | paused (pending/snoozed) → running; stopped.
STATES = ("running", "paused", "breached", "met", "stopped")


class SlaCalendar(Base):
    __tablename__ = "sla_calendars"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: ``{"0": [[540, 780], [840, 1080]], …}``: Monday = "0", minutes from local midnight.
    weekly: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: A country's official holidays and transfers (``RU``), or none.
    country: Mapped[str | None] = mapped_column(String(2))
    #: Admins' own dates: ``[{"date": "2026-12-30", "kind": "closed"|"working", "name": ""}]``.
    custom_dates: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    #: ``hours``: ``weekly`` gives the working hours; ``shifts``: the staffed hours of
    #: ``team_id``'s shift schedule do (closed dates apply to both).
    source: Mapped[str] = mapped_column(String(10), default="hours", server_default="hours")
    team_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("teams.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlaCalendarLink(Base):
    """Which calendar an inbox or a team works by (a policy without its own uses these)."""

    __tablename__ = "sla_calendar_links"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    scope_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("sla_calendars.id", ondelete="CASCADE"))


class SlaPolicy(Base):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: ``sla`` (customer-facing) or ``ola`` (the escalation's receiving team).
    kind: Mapped[str] = mapped_column(String(3), default="sla")
    #: The first matching active policy of a kind applies (lowest position first).
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_calendars.id", ondelete="SET NULL")
    )
    #: ``{"inbox_ids": [...], "team_ids": [...], "tags": [...], "attribute": {"key", "value"}}``.
    conditions: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: ``{"urgent": {"first_response": 15, …}, …}`` in business minutes, by priority.
    targets: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: The statuses that pause the clocks: ``["pending", "snoozed"]`` or fewer.
    #: ``None`` (rows older than the setting): both.
    pause_on: Mapped[list[str] | None] = mapped_column(Json, default=lambda: ["pending", "snoozed"])
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlaClock(Base):
    """One target of one conversation. ``due_at`` is indexed with the state: the sweeper
    and the "due soonest" order read running clocks by it."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        Index("ix_sla_clocks_state_due", "state", "due_at"),
        Index("ix_sla_clocks_policy", "policy_id"),
        # The compliance report by start time (migration 0045; INCLUDE on PostgreSQL).
        Index(
            "ix_sla_clocks_started",
            "started_at",
            "target",
            "policy_id",
            "state",
            "breached_at",
            "conversation_id",
        ),
    )

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    target: Mapped[str] = mapped_column(String(20), primary_key=True)
    policy_id: Mapped[int | None] = mapped_column(BigId)
    state: Mapped[str] = mapped_column(String(10), default="running")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None]
    #: The target's length in business seconds, and what was left when paused.
    target_s: Mapped[int] = mapped_column(default=0)
    remaining_s: Mapped[int | None]
    met_at: Mapped[datetime | None]
    breached_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]


class SlaBreach(Base):
    """One missed target, as it stood when the sweeper marked it: who had the conversation,
    which policy promised what, and why it counts as missed (the breaches report)."""

    __tablename__ = "sla_breaches"
    __table_args__ = (
        Index("ix_sla_breaches_breached_at", "breached_at"),
        Index("ix_sla_breaches_team_breached_at", "team_id", "breached_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    target: Mapped[str] = mapped_column(String(20))
    #: The policy then (kept when it is deleted later: its name is copied).
    policy_id: Mapped[int | None] = mapped_column(BigId)
    policy_name: Mapped[str | None] = mapped_column(String(200))
    target_minutes: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    breached_at: Mapped[datetime]
    inbox_id: Mapped[int] = mapped_column(BigId)
    team_id: Mapped[int | None] = mapped_column(BigId)
    assignee_id: Mapped[int | None] = mapped_column(BigId)
    priority: Mapped[str] = mapped_column(String(10))
    #: In words: "no operator reply within 15 business minutes", "OLA of line 2: …".
    reason: Mapped[str] = mapped_column(String(300))
