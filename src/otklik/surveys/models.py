"""Surveys: which ones each inbox sends, and every survey sent with its answer.

A survey sent and its answer are one row (:class:`SurveyRequest`): the answer can only be
given once per request, the response rate is answered rows ÷ rows, and the token that the
visitor's link, card or button carries identifies exactly one row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId

#: CSAT 1–5, NPS 0–10, CES 1–7.
KINDS = ("csat", "nps", "ces")
SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
#: Why a survey was sent: the conversation was resolved, an operator sent it, a rule did.
ORIGINS = ("resolved", "agent", "automation")


class SurveySettings(Base):
    """One inbox's surveys. No row: no survey is sent."""

    __tablename__ = "survey_settings"

    inbox_id: Mapped[int] = mapped_column(
        ForeignKey("inboxes.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    csat_enabled: Mapped[bool] = mapped_column(default=False)
    nps_enabled: Mapped[bool] = mapped_column(default=False)
    #: A contact is asked for NPS at most once in this many days.
    nps_interval_days: Mapped[int] = mapped_column(default=90)
    ces_enabled: Mapped[bool] = mapped_column(default=False)
    #: How long a survey can be answered, in hours.
    expires_hours: Mapped[int] = mapped_column(default=168)
    #: The questions' own wording: ``{"ru": {"csat": "…"}, "en": {…}}``; missing → the default.
    texts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyRequest(Base):
    """One survey sent to a contact about a conversation, and the answer once given.

    Inbox, team and operator are copied at sending time: the answer is about the operator
    who resolved the conversation and that team, even if it moves later."""

    __tablename__ = "survey_requests"
    __table_args__ = (
        Index("ix_survey_requests_conversation", "conversation_id"),
        Index("ix_survey_requests_contact_kind", "contact_id", "kind", "created_at"),
        Index("ix_survey_requests_responded", "responded_at"),
        # The reports' counts by the time sent (migration 0045; INCLUDE on PostgreSQL).
        Index(
            "ix_survey_requests_created",
            "created_at",
            "kind",
            "score",
            "inbox_id",
            "team_id",
            "operator_id",
            "channel",
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    #: Secret and unguessable: whoever holds it may answer this survey, and nothing else.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(4))
    origin: Mapped[str] = mapped_column(String(12))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    contact_id: Mapped[int]
    inbox_id: Mapped[int]
    team_id: Mapped[int | None]
    operator_id: Mapped[int | None]
    channel: Mapped[str] = mapped_column(String(30))
    #: ``ru`` or ``en``: the language it was asked in.
    language: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    score: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(String(2000))
    responded_at: Mapped[datetime | None]


class SurveyHourly(Base):
    """Surveys counted per hour they were *sent* in, kind, the inbox, channel, team and
    operator they were sent with, and score (``-1``: not answered): what the reports' CSAT,
    NPS and CES read for whole hours (``service.score_counts``) instead of every survey.
    Kept with each survey's creation and answer (``rollup.py``)."""

    __tablename__ = "survey_hourly"

    hour: Mapped[datetime] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(4), primary_key=True)
    inbox_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(30), primary_key=True)
    #: 0 = none (a key column cannot be NULL).
    team_key: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    operator_key: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    score_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigId, default=0)
