"""What the SLA settings, a conversation's targets and the compliance report look like."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from otklik.core.schemas import StrictModel

Pause = Literal["pending", "snoozed"]
Weekday = Literal["0", "1", "2", "3", "4", "5", "6"]
Minutes = int
Span = tuple[Minutes, Minutes]
PRIORITIES = ("low", "normal", "high", "urgent")
#: A target is at most a year of business minutes.
MAX_MINUTES = 366 * 24 * 60


def _check_spans(spans: list[Span]) -> list[Span]:
    ordered = sorted(spans)
    last_end = -1
    for start, end in ordered:
        if not 0 <= start < end <= 1440:
            raise ValueError("each interval is 0 ≤ start < end ≤ 1440 minutes")
        if start < last_end:
            raise ValueError("a day's intervals must not overlap")
        last_end = end
    return ordered


class CustomDate(StrictModel):
    date: date
    kind: Literal["closed", "working"]
    name: str = Field(default="", max_length=200)
    hours: list[Span] = Field(default_factory=list, max_length=12)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: list[Span]) -> list[Span]:
        return _check_spans(value)


class CalendarIn(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(default="UTC", max_length=64)
    weekly: dict[Weekday, list[Span]] = Field(default_factory=dict)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    custom_dates: list[CustomDate] = Field(default_factory=list, max_length=500)
    #: ``hours``: ``weekly`` gives the working hours; ``shifts``: the staffed hours of
    #: ``team_id``'s shift schedule do (``weekly`` is then ignored; closed dates still apply).
    source: Literal["hours", "shifts"] = "hours"
    team_id: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _source(self) -> CalendarIn:
        if self.source == "shifts" and self.team_id is None:
            raise ValueError("a calendar fed by shifts needs team_id")
        if self.source == "hours" and self.team_id is not None:
            raise ValueError("team_id is only for a calendar fed by shifts")
        return self

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("weekly")
    @classmethod
    def _weekly(cls, value: dict[Weekday, list[Span]]) -> dict[Weekday, list[Span]]:
        return {day: _check_spans(spans) for day, spans in value.items()}

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        from otklik.sla.official import supported

        if value is not None and not supported(value):
            raise ValueError(f"no official calendar for {value!r}")
        return value.upper() if value else None


class CalendarOut(BaseModel):
    id: int
    name: str
    timezone: str
    weekly: dict[str, list[Span]]
    country: str | None
    custom_dates: list[dict[str, Any]]
    inbox_ids: list[int]
    team_ids: list[int]
    source: Literal["hours", "shifts"] = "hours"
    #: The team whose shifts give the hours (``source == "shifts"``).
    team_id: int | None = None


class DayOut(BaseModel):
    """One date of the year that differs from the weekly hours."""

    date: date
    kind: Literal["closed", "working", "shortened"]
    name: str
    #: The working intervals that day (empty when closed).
    hours: list[Span]


class YearOut(BaseModel):
    year: int
    days: list[DayOut]
    working_days: int
    working_minutes: int


class LinksIn(StrictModel):
    inbox_ids: list[int] = Field(default_factory=list, max_length=500)
    team_ids: list[int] = Field(default_factory=list, max_length=500)


class AttributeCondition(StrictModel):
    key: str = Field(min_length=1, max_length=100)
    value: Any = None


class Conditions(StrictModel):
    inbox_ids: list[int] = Field(default_factory=list, max_length=500)
    team_ids: list[int] = Field(default_factory=list, max_length=500)
    tags: list[str] = Field(default_factory=list, max_length=100)
    #: A conversation attribute, and an attribute of the conversation's contact.
    attribute: AttributeCondition | None = None
    contact_attribute: AttributeCondition | None = None


class Targets(StrictModel):
    """Business minutes; absent: no such target. OLA policies use response/resolution."""

    first_response: int | None = Field(default=None, gt=0, le=MAX_MINUTES)
    next_response: int | None = Field(default=None, gt=0, le=MAX_MINUTES)
    resolution: int | None = Field(default=None, gt=0, le=MAX_MINUTES)
    response: int | None = Field(default=None, gt=0, le=MAX_MINUTES)


def _both_pauses() -> list[Pause]:
    return ["pending", "snoozed"]


class PolicyIn(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["sla", "ola"] = "sla"
    position: int = Field(default=0, ge=0, le=10_000)
    active: bool = True
    calendar_id: int | None = None
    conditions: Conditions = Field(default_factory=Conditions)
    targets: dict[Literal["low", "normal", "high", "urgent"], Targets]
    #: The statuses that stop the clocks (they resume with what was left).
    pause_on: list[Pause] = Field(default_factory=_both_pauses, max_length=2)

    @model_validator(mode="after")
    def _fits_kind(self) -> PolicyIn:
        for targets in self.targets.values():
            given = targets.model_dump(exclude_none=True)
            allowed = (
                {"response", "resolution"}
                if self.kind == "ola"
                else {"first_response", "next_response", "resolution"}
            )
            if not set(given) <= allowed:
                raise ValueError(f"targets of a {self.kind} policy: {', '.join(sorted(allowed))}")
        return self


class PolicyOut(BaseModel):
    id: int
    name: str
    kind: str
    position: int
    active: bool
    calendar_id: int | None
    conditions: dict[str, Any]
    targets: dict[str, dict[str, int]]
    pause_on: list[str]


class ClockOut(BaseModel):
    """One target of a conversation and where it stands."""

    target: str
    policy_id: int | None
    policy_name: str | None
    state: str
    started_at: datetime
    due_at: datetime | None
    remaining_s: int | None
    met_at: datetime | None
    breached_at: datetime | None


class ComplianceRow(BaseModel):
    key: str | None
    targets: int
    met: int
    breached: int
    #: Met on time out of those decided (met or breached), in percent; null: none decided.
    compliance: float | None


class BreachOut(BaseModel):
    """A missed target as it stood when it was missed, and when it was met after all."""

    id: int
    conversation_id: int
    target: str
    policy_id: int | None
    policy_name: str | None
    target_minutes: int
    due_at: datetime
    breached_at: datetime
    inbox_id: int
    team_id: int | None
    assignee_id: int | None
    priority: str
    reason: str
    met_at: datetime | None


class DueOut(BaseModel):
    """A conversation's nearest deadline: its running or missed target due soonest."""

    conversation_id: int
    target: str
    state: Literal["running", "breached"]
    due_at: datetime
