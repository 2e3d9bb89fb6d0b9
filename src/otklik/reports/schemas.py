"""API shapes of the reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from otklik.core.schemas import Id, StrictModel

#: What a volume or table is broken down by.
Dimension = Literal["channel", "inbox", "team", "agent", "tag"]
#: The metrics a drill-down can list the conversations of.
DrillMetric = Literal[
    "created",
    "resolved",
    "reopened",
    "escalated",
    "first_response",
    "response",
    "handle",
]


class Stat(BaseModel):
    """A distribution of durations in seconds: how many, mean, median and p90
    (nearest rank); ``None`` when there is nothing to measure."""

    count: int
    mean: float | None
    median: float | None
    p90: float | None


class Duration(BaseModel):
    calendar: Stat
    business: Stat


class Rate(BaseModel):
    numerator: int
    denominator: int
    #: ``numerator ÷ denominator × 100``; ``None`` when the denominator is 0.
    percent: float | None


class Survey(BaseModel):
    """One kind of survey's answers (``docs/metrics.md``): ``sent`` and ``answered`` give the
    response rate; ``score`` is CSAT's share of 4–5 ratings, NPS (promoters 9–10 minus
    detractors 0–6, in points) or CES's mean (1–7); ``None`` with no answer."""

    sent: int
    answered: int
    response_rate: float | None
    score: float | None


class Figures(BaseModel):
    """Every metric of ``docs/metrics.md`` for one period and filter."""

    created: int
    resolved: int
    reopened: int
    escalated: int
    first_response: Duration
    response: Duration
    resolution_first: Duration
    resolution_full: Duration
    handle: Duration
    handle_per_dialog: Duration
    fcr: Rate
    reopen_rate: Rate
    escalation_rate: Rate
    csat: Survey
    nps: Survey
    ces: Survey


class Overview(BaseModel):
    since: datetime
    until: datetime
    current: Figures
    #: The same length of time just before ``since`` (the comparison).
    previous: Figures


class VolumeRow(BaseModel):
    key: str | None
    created: int
    resolved: int
    reopened: int


class BacklogPoint(BaseModel):
    at: datetime
    open: int


class HeatCell(BaseModel):
    #: Monday = 0 (in the requested time zone).
    weekday: int
    hour: int
    n: int


class TableRow(BaseModel):
    """A per-operator or per-team line."""

    key: int | None
    resolved: int
    responses: int
    first_response_median: float | None
    response_median: float | None
    handle_total: float
    handle_mean: float | None


class DrillItem(BaseModel):
    conversation_id: int
    at: datetime
    agent_id: int | None
    seconds: float | None


#: ``busy``: online with as many open dialogs as they take at once.
LiveStatus = Literal["online", "busy", "away", "break", "offline"]


class LiveOperator(BaseModel):
    id: int
    name: str
    status: LiveStatus
    open: int
    max_concurrent: int


class NearBreach(BaseModel):
    conversation_id: int
    target: str
    state: str
    due_at: datetime


class LiveCsat(BaseModel):
    """CSAT of the answers given since local midnight (``docs/metrics.md``)."""

    since: datetime
    answered: int
    #: Ratings 4–5 ÷ all ratings × 100; ``None`` with no answer yet.
    score: float | None


class LiveOut(BaseModel):
    """The team lead's live board (``GET /reports/live``)."""

    at: datetime
    operators: list[LiveOperator]
    #: Open conversations nobody is assigned.
    queue: int
    #: The oldest unanswered customer message among open conversations.
    waiting_since: datetime | None
    near_breach: list[NearBreach]
    csat_today: LiveCsat


# --- scheduled email reports (``reports/scheduling.py``) ---------------------------------

Frequency = Literal["daily", "weekly"]
ShortName = Annotated[str, StringConstraints(min_length=1, max_length=50)]


class ScheduleFilters(StrictModel):
    """The reports' filters a schedule applies (the period comes from its frequency)."""

    inbox_ids: list[Id] = Field(default_factory=list, max_length=100)
    team_ids: list[Id] = Field(default_factory=list, max_length=100)
    agent_ids: list[Id] = Field(default_factory=list, max_length=100)
    channels: list[ShortName] = Field(default_factory=list, max_length=100)
    tags: list[ShortName] = Field(default_factory=list, max_length=100)


class ScheduleIn(StrictModel):
    """A schedule as created or replaced (``PUT`` takes the whole of it)."""

    name: str = Field(min_length=1, max_length=200)
    frequency: Frequency
    #: Monday = 0 … Sunday = 6: weekly schedules only.
    weekday: int | None = Field(default=None, ge=0, le=6)
    #: Local time, ``HH:MM``.
    time: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    timezone: str = Field(min_length=1, max_length=64)
    filters: ScheduleFilters = Field(default_factory=ScheduleFilters)
    recipient_agent_ids: list[Id] = Field(default_factory=list, max_length=100)
    recipient_emails: list[EmailStr] = Field(default_factory=list, max_length=50)
    language: Literal["ru", "en"] = "en"
    format: Literal["xlsx", "csv"] = "xlsx"
    active: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.frequency == "weekly" and self.weekday is None:
            raise ValueError("a weekly schedule needs a weekday (0 = Monday … 6 = Sunday)")
        if self.frequency == "daily" and self.weekday is not None:
            raise ValueError("weekday is for weekly schedules only")
        if not self.recipient_agent_ids and not self.recipient_emails:
            raise ValueError("choose at least one recipient (an operator or an address)")
        return self


class ScheduleOut(BaseModel):
    id: int
    owner_id: int
    name: str
    frequency: Frequency
    weekday: int | None
    time: str
    timezone: str
    filters: ScheduleFilters
    recipient_agent_ids: list[int]
    recipient_emails: list[str]
    language: Literal["ru", "en"]
    format: Literal["xlsx", "csv"]
    active: bool
    #: The next send (UTC) and the last period sent, ``[last_since, last_until)``.
    next_send_at: datetime | None
    last_since: datetime | None
    last_until: datetime | None
    last_sent_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
