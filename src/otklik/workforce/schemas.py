"""API shapes of workforce: status intervals, timesheets, staffing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from otklik.core.schemas import StrictModel


class IntervalOut(BaseModel):
    agent_id: int
    status: str
    reason: str | None
    #: ``operator``, ``auto`` (sockets gone, idle) or ``schedule``.
    source: str
    started_at: datetime
    #: ``None``: the operator is still in this status.
    ended_at: datetime | None


class TimesheetDay(BaseModel):
    """One operator's day in the workspace's time zone; every duration in seconds."""

    agent_id: int
    agent_name: str
    date: date
    logged_in_seconds: int
    #: ``online``, ``away``, ``break:lunch`` / ``break:training`` / ``break:technical``,
    #: ``offline`` (only statuses that occurred).
    status_seconds: dict[str, int]
    #: Logged in with at least one open dialog assigned.
    handle_seconds: int
    #: The dialogs' own durations added up (two at once count twice).
    dialog_seconds: int
    #: Logged-in time with 0, 1, 2 and 3 or more dialogs open: keys ``0``, ``1``, ``2``, ``3+``.
    concurrency_seconds: dict[str, int]
    #: Online with a dialog ÷ online (``None`` when never online).
    occupancy: float | None
    #: Handle time ÷ logged-in time (``None`` when never logged in).
    utilization: float | None


class TimesheetOut(BaseModel):
    timezone: str
    date_from: date
    date_to: date
    items: list[TimesheetDay]


class HandleTimeOut(BaseModel):
    """How long a dialog lasts when its operator handles ``concurrency`` at once."""

    concurrency: int
    aht_seconds: float
    dialogs: int


class StaffingIn(StrictModel):
    chats_per_hour: float = Field(gt=0, le=100_000)
    #: Chats one operator takes at once (their slots).
    concurrency: int = Field(default=1, ge=1, le=10)
    #: Handle time of a chat at that concurrency; omitted: measured from our own dialogs.
    aht_seconds: float | None = Field(default=None, gt=0, le=86_400)
    #: E.g. 0.8 and 20: 80 % of chats answered within 20 seconds.
    target_level: float = Field(default=0.8, gt=0, lt=1)
    target_seconds: float = Field(default=20, ge=0, le=3600)
    max_occupancy: float = Field(default=1.0, gt=0, le=1)
    #: Share of paid time not available for chats (breaks, meetings, absence).
    shrinkage: float = Field(default=0.0, ge=0, lt=1)
    #: Mean customer patience: given, the simulation lets waiting chats be abandoned (the
    #: queue of Erlang A).
    patience_seconds: float | None = Field(default=None, gt=0, le=86_400)
    #: How long the simulation runs (simulated hours).
    simulated_hours: float = Field(default=200, ge=10, le=2000)


class StaffingOut(BaseModel):
    """Erlang C's answer; the simulation's comes later (``simulation_id``)."""

    aht_seconds: float
    #: ``given`` or ``measured`` (from our own dialogs at this concurrency).
    aht_source: str
    load_erlangs: float
    slots: int
    operators: int
    #: With shrinkage: the people to schedule.
    scheduled: int
    service_level: float
    occupancy: float
    average_wait_seconds: float
    wait_probability: float
    simulation_id: int


class SimulationOut(BaseModel):
    id: int
    #: ``queued``, ``done`` or ``failed``.
    state: str
    params: dict[str, Any]
    slots: int | None = None
    operators: int | None = None
    scheduled: int | None = None
    service_level: float | None = None
    abandoned: float | None = None
    average_wait_seconds: float | None = None
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None


class ForecastPoint(BaseModel):
    start: datetime
    #: Conversations created in the interval (``None`` for the future).
    actual: int | None
    #: The model's value: fitted for the past, forecast for the future.
    expected: float


class ForecastOut(BaseModel):
    interval_minutes: int
    history_from: datetime
    #: The last week: actual counts beside the model's fitted values.
    history: list[ForecastPoint]
    forecast: list[ForecastPoint]
