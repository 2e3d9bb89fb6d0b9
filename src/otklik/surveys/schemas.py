"""API shapes of surveys: an inbox's settings, a survey as operators and visitors see it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from otklik.core.schemas import StrictModel

Kind = Literal["csat", "nps", "ces"]
Origin = Literal["resolved", "agent", "automation"]
Question = str


class QuestionTexts(StrictModel):
    """An inbox's own wording of the questions in one language (empty: the default)."""

    csat: str = Field(default="", max_length=300)
    nps: str = Field(default="", max_length=300)
    ces: str = Field(default="", max_length=300)


class SurveySettingsIn(StrictModel):
    csat_enabled: bool = False
    nps_enabled: bool = False
    nps_interval_days: int = Field(default=90, ge=1, le=3650)
    ces_enabled: bool = False
    expires_hours: int = Field(default=168, ge=1, le=24 * 90)
    texts: dict[Literal["ru", "en"], QuestionTexts] = Field(default_factory=dict)


class SurveySettingsOut(BaseModel):
    inbox_id: int
    csat_enabled: bool
    nps_enabled: bool
    nps_interval_days: int
    ces_enabled: bool
    expires_hours: int
    texts: dict[str, QuestionTexts]


class SurveyOut(BaseModel):
    """A survey sent, and its answer if given (what operators and reports read)."""

    id: int
    kind: Kind
    origin: Origin
    conversation_id: int
    contact_id: int
    inbox_id: int
    team_id: int | None
    operator_id: int | None
    channel: str
    language: str
    created_at: datetime
    expires_at: datetime
    score: int | None
    comment: str | None
    responded_at: datetime | None


class SendSurveyIn(StrictModel):
    kind: Kind = "csat"


class PublicSurvey(BaseModel):
    """What the visitor's card or the answer page shows (found by its token)."""

    token: str
    kind: Kind
    language: str
    question: str
    low: int
    high: int
    low_label: str
    high_label: str
    score: int | None
    comment: str | None
    expired: bool


class AnswerIn(StrictModel):
    score: int = Field(ge=0, le=10)
    comment: str | None = Field(default=None, max_length=2000)


class CommentIn(StrictModel):
    comment: str = Field(min_length=1, max_length=2000)
