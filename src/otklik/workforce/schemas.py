"""API shapes of workforce: status intervals and timesheets."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel


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
