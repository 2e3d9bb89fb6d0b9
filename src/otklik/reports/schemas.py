"""API shapes of the reports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

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


class LiveOut(BaseModel):
    """The team lead's live board (``GET /reports/live``)."""

    at: datetime
    operators: list[LiveOperator]
    #: Open conversations nobody is assigned.
    queue: int
    #: The oldest unanswered customer message among open conversations.
    waiting_since: datetime | None
    near_breach: list[NearBreach]
