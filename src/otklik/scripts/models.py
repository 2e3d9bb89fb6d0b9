"""Canned answers, macros, automation rules, and the record of what fired once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId, Json
from otklik.core.fulltext import analyze

SCOPES = ("personal", "team", "global")
TRIGGERS = (
    "conversation_created",
    "message_created",
    "status_changed",
    "assigned",
    "no_operator_reply",
    "no_customer_reply",
    "sla_warning",
    "sla_breached",
    "survey_answered",
)
TIME_TRIGGERS = ("no_operator_reply", "no_customer_reply")


class Scoped:
    """Who sees an item: its owner (personal), a team's members, or everyone (global)."""

    scope: Mapped[str] = mapped_column(String(10))
    #: ``global``, ``team:<id>`` or ``agent:<id>``: names are unique within one of these.
    scope_key: Mapped[str] = mapped_column(String(30))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedAnswer(Scoped, Base):
    __tablename__ = "canned_answers"
    __table_args__ = (
        UniqueConstraint("scope_key", "shortcut", name="uq_canned_answers_scope_key_shortcut"),
        Index("ix_canned_answers_scope", "scope"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shortcut: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(100))
    #: Shortcut, title, text and category case-folded: one ``LIKE`` that finds "Привет" by
    #: "привет" on SQLite too (whose ``lower()`` only knows ASCII).
    search_text: Mapped[str] = mapped_column(Text)
    #: Search terms for the workspace's search (ADR 23), set on every ORM write (below).
    search_terms: Mapped[str | None] = mapped_column(Text)
    usage_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_used_at: Mapped[datetime | None]


class Macro(Scoped, Base):
    __tablename__ = "macros"
    __table_args__ = (UniqueConstraint("scope_key", "name", name="uq_macros_scope_key_name"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Typed actions (``scripts.actions.Action``), validated on save.
    actions: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)


class AutomationRule(Base):
    __tablename__ = "automation_rules"
    __table_args__ = (Index("ix_automation_rules_trigger_enabled", "trigger", "enabled"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(default=True)
    trigger: Mapped[str] = mapped_column(String(30))
    #: For the time triggers: how many minutes of silence.
    trigger_minutes: Mapped[int | None]
    #: ``all`` conditions must hold, or ``any`` one of them.
    match: Mapped[str] = mapped_column(String(3), default="all")
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    #: Rules run in this order (then by id).
    position: Mapped[int] = mapped_column(default=0)
    #: When the rule was created or last switched on: time triggers do not act on
    #: conversations whose time ran out before that.
    active_since: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScriptFiring(Base):
    """Something that must happen once: a time rule per waiting period, a greeting per
    conversation, an away message per closed stretch. The unique key makes "once" hold
    even when two workers try at the same moment."""

    __tablename__ = "script_firings"
    __table_args__ = (
        UniqueConstraint(
            "key", "conversation_id", "period_at", name="uq_script_firings_key_conversation"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: ``rule:<id>``, ``greeting`` or ``away``.
    key: Mapped[str] = mapped_column(String(40))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("automation_rules.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    #: Which period: the ``waiting_since`` / ``last_activity_at`` that started it, the
    #: conversation's start, or the next opening time.
    period_at: Mapped[datetime]
    #: Whether the rule's conditions held (a time rule is checked once per period).
    matched: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(CannedAnswer, "before_insert")
@event.listens_for(CannedAnswer, "before_update")
def _canned_terms(_mapper: Mapper[CannedAnswer], _conn: Connection, answer: CannedAnswer) -> None:
    answer.search_terms = analyze(answer.shortcut, answer.title, answer.text, answer.category)
