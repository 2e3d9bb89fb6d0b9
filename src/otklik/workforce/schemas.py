"""API shapes of workforce: status intervals, timesheets, staffing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, model_validator

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
    #: Mean customer patience (the queue of Erlang A: waiting chats are abandoned); omitted:
    #: estimated from our own first waits when enough were abandoned.
    patience_seconds: float | None = Field(default=None, gt=0, le=86_400)
    #: ``auto``: Erlang A when the patience is known, else Erlang C; or force one of them
    #: (``erlang_a`` without a known patience is a 422).
    model: Literal["auto", "erlang_c", "erlang_a"] = "auto"
    #: How long the simulation runs (simulated hours).
    simulated_hours: float = Field(default=200, ge=10, le=2000)


class PatienceOut(BaseModel):
    """First waits of the last ``days`` and the mean patience they imply (``None``: too few
    abandoned to tell)."""

    days: int
    answered: int
    abandoned: int
    abandonment: float | None
    patience_seconds: float | None


class StaffingOut(BaseModel):
    """Erlang C's or Erlang A's answer; the simulation's comes later (``simulation_id``)."""

    #: ``erlang_c`` or ``erlang_a`` (customers abandon after ``patience_seconds``).
    model: Literal["erlang_c", "erlang_a"]
    aht_seconds: float
    #: ``given`` or ``measured`` (from our own dialogs at this concurrency).
    aht_source: str
    patience_seconds: float | None = None
    #: ``given`` or ``measured`` (from our own first waits); ``None`` with Erlang C.
    patience_source: str | None = None
    #: Share of chats abandoned (Erlang A; 0 with Erlang C).
    abandonment: float = 0.0
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


class StaffingTargets(StrictModel):
    """What turns a forecast volume into people per half-hour (as ``StaffingIn``)."""

    aht_seconds: float = Field(gt=0, le=86_400)
    concurrency: int = Field(default=1, ge=1, le=10)
    target_level: float = Field(default=0.8, gt=0, lt=1)
    target_seconds: float = Field(default=20, ge=0, le=3600)
    max_occupancy: float = Field(default=1.0, gt=0, le=1)
    shrinkage: float = Field(default=0.0, ge=0, lt=1)
    #: Given: Erlang A; omitted: Erlang C.
    patience_seconds: float | None = Field(default=None, gt=0, le=86_400)


class SuggestionIn(StrictModel):
    #: The week's first local day (the requirement's half-hour 0 is its midnight).
    week_start: date
    #: People needed per local half-hour of the week (336 values) …
    requirement: list[int] | None = Field(default=None, min_length=336, max_length=336)
    #: … or the targets to derive them from the volume forecast.
    staffing: StaffingTargets | None = None
    #: The templates to use (all when omitted).
    template_ids: list[int] | None = Field(default=None, min_length=1, max_length=50)
    #: At most this many operators start a shift on one day.
    max_per_day: int | None = Field(default=None, ge=1, le=10_000)
    #: The solver's limit, in its deterministic seconds.
    time_limit_seconds: float = Field(default=10, gt=0, le=60)

    @model_validator(mode="after")
    def _requirement_or_targets(self) -> SuggestionIn:
        if (self.requirement is None) == (self.staffing is None):
            raise ValueError("give either a requirement or staffing targets")
        if self.requirement is not None and any(not 0 <= n <= 10_000 for n in self.requirement):
            raise ValueError("each half-hour needs 0 to 10000 people")
        return self


class SuggestedStart(BaseModel):
    #: 0 = ``week_start``.
    day: int
    date: date
    template_id: int
    template_name: str
    count: int


class SuggestedShift(BaseModel):
    """``count`` operators work ``template_id`` on ``date`` (instants in UTC)."""

    date: date
    template_id: int
    starts_at: datetime
    ends_at: datetime
    count: int


class SuggestionOut(BaseModel):
    week_start: date
    interval_minutes: int
    #: ``optimal``, or ``feasible`` when the time limit came first.
    status: str
    solve_seconds: float
    requirement: list[int]
    coverage: list[int]
    #: Sum over half-hours of people beyond the requirement.
    over_staffing: int
    #: Sum over half-hours of people missing (the templates cannot cover them).
    shortage: int
    #: Shift starts in the week.
    people: int
    #: Every day × template, with its count (0 included).
    starts: list[SuggestedStart]
    #: The days and templates with operators, as shifts to place in the calendar.
    shifts: list[SuggestedShift]


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


class BreakIn(StrictModel):
    #: Minutes from the shift's start.
    offset: int = Field(ge=0, le=24 * 60)
    minutes: int = Field(ge=1, le=240)
    reason: Literal["lunch", "training", "technical"] = "lunch"


class ShiftTemplateIn(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    #: Local start time ``HH:MM`` in the workspace's time zone.
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    length_minutes: int = Field(ge=15, le=24 * 60)
    breaks: list[BreakIn] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _breaks_inside(self) -> ShiftTemplateIn:
        for item in self.breaks:
            if item.offset + item.minutes > self.length_minutes:
                raise ValueError("every break must end within the shift")
        return self


class ShiftTemplateOut(BaseModel):
    id: int
    name: str
    start: str
    length_minutes: int
    breaks: list[BreakIn]


#: Ready-made cycles: the template ids in ``template_ids`` fill the working days in order.
Preset = Literal["2/2", "5/2", "3/3", "day/evening/night"]


class PatternIn(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    #: A custom cycle: a template id per day, ``null`` for a day off.
    cycle: list[int | None] | None = Field(default=None, min_length=1, max_length=56)
    #: Or a preset: 2/2, 5/2 and 3/3 take one template; day/evening/night three.
    preset: Preset | None = None
    template_ids: list[int] = Field(default_factory=list, max_length=3)

    @model_validator(mode="after")
    def _cycle_or_preset(self) -> PatternIn:
        if (self.cycle is None) == (self.preset is None):
            raise ValueError("give either a cycle or a preset")
        return self


class PatternOut(BaseModel):
    id: int
    name: str
    cycle: list[int | None]


class AssignmentIn(StrictModel):
    agent_id: int = Field(ge=1)
    pattern_id: int = Field(ge=1)
    starts_on: date


class AssignmentOut(BaseModel):
    id: int
    agent_id: int
    pattern_id: int
    starts_on: date


#: Where a shift comes from: the operator's rotation pattern, or an override of the day
#: (a lead's edit, or an approved swap).
ShiftSource = Literal["pattern", "edit", "time_off", "swap"]


class ShiftOut(BaseModel):
    """One operator's shift on one day (times are instants; the day is local)."""

    agent_id: int
    date: date
    #: ``None``: a shift placed by hand without a template (no breaks).
    template_id: int | None
    name: str
    starts_at: datetime
    ends_at: datetime
    breaks: list[tuple[datetime, datetime, str]]
    source: ShiftSource = "pattern"


class ShiftIn(StrictModel):
    """Place a shift (``POST /workforce/shifts``): it replaces the operator's shift of the
    local day it starts on. With ``from_agent_id``/``from_date`` it is a move: that day
    becomes a day off in the same transaction (drag and drop in the calendar)."""

    agent_id: int = Field(ge=1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    template_id: int | None = Field(default=None, ge=1)
    from_agent_id: int | None = Field(default=None, ge=1)
    from_date: date | None = None

    @model_validator(mode="after")
    def _move_needs_both(self) -> ShiftIn:
        if (self.from_agent_id is None) != (self.from_date is None):
            raise ValueError("a move gives both from_agent_id and from_date")
        return self


class OverrideOut(BaseModel):
    """A day edited on top of the patterns: a shift (``starts_at`` set) or a day off."""

    id: int
    agent_id: int
    date: date
    kind: Literal["edit", "time_off", "swap"]
    starts_at: datetime | None
    ends_at: datetime | None
    template_id: int | None
    request_id: int | None


class TimeOffIn(StrictModel):
    date_from: date
    date_to: date
    reason: str = Field(default="", max_length=500)


class SwapIn(StrictModel):
    """Swap my shift of ``day`` with ``colleague_id``'s shift of ``colleague_day`` (the
    same day when omitted); either of the two may be a day off, not both."""

    colleague_id: int = Field(ge=1)
    day: date
    colleague_day: date | None = None
    reason: str = Field(default="", max_length=500)


RequestState = Literal["pending", "accepted", "approved", "declined", "cancelled"]


class RequestOut(BaseModel):
    id: int
    kind: Literal["time_off", "swap"]
    agent_id: int
    #: ``pending``; ``accepted`` (a swap the colleague agreed to); ``approved`` or
    #: ``declined`` by the lead (or declined by the colleague); ``cancelled`` by the requester.
    state: RequestState
    date_from: date
    date_to: date
    reason: str
    colleague_id: int | None
    colleague_date: date | None
    decided_by_id: int | None
    created_at: datetime
    decided_at: datetime | None


class PatternUpdate(StrictModel):
    """``PUT /workforce/patterns/{id}``: a new name and a custom cycle."""

    name: str = Field(min_length=1, max_length=100)
    cycle: list[int | None] = Field(min_length=1, max_length=56)


class AdherenceOut(BaseModel):
    """Scheduled vs actual, minute by minute, for one operator's shift."""

    agent_id: int
    date: date
    starts_at: datetime
    ends_at: datetime
    #: Minutes they should be available: the shift less its breaks.
    scheduled_minutes: int
    #: Of those, minutes they were online.
    adherent_minutes: int
    adherence: float | None
    late_login_minutes: int
    early_leave_minutes: int
    #: Minutes on a break outside the shift's scheduled breaks.
    break_overrun_minutes: int


class MissingOut(BaseModel):
    """Should be online now (on shift, not on a scheduled break) and is not."""

    agent_id: int
    agent_name: str
    status: str
    shift_starts_at: datetime
    shift_ends_at: datetime


class PlacementIn(StrictModel):
    """One operator given one suggested shift (``POST /workforce/schedule-suggestion/accept``)."""

    agent_id: int = Field(ge=1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    template_id: int | None = Field(default=None, ge=1)


class AcceptIn(StrictModel):
    """The lead's choice of operators for a suggestion's shifts: all placed, or none."""

    placements: list[PlacementIn] = Field(min_length=1, max_length=2000)


class AcceptOut(BaseModel):
    #: The shifts as placed, in the order given.
    shifts: list[ShiftOut]


class ShiftToFill(StrictModel):
    """A suggested shift (as ``SuggestionOut.shifts`` gives it) to find ``count`` people for."""

    template_id: int | None = Field(default=None, ge=1)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    count: int = Field(ge=1, le=1000)


class AutoFillIn(StrictModel):
    shifts: list[ShiftToFill] = Field(min_length=1, max_length=500)


class Operator(BaseModel):
    id: int
    name: str


class FilledShift(BaseModel):
    """A suggested shift with the operators proposed for it (fewer than ``count`` when the
    team has nobody else free that day)."""

    date: date
    template_id: int | None
    starts_at: datetime
    ends_at: datetime
    count: int
    agent_ids: list[int]


class AutoFillOut(BaseModel):
    shifts: list[FilledShift]
    #: Everyone the lead may place (the pickers' choices), by name.
    operators: list[Operator]


class WorkforceSettings(StrictModel):
    """Workspace settings of workforce (``GET``/``PUT /workforce/settings``); all default to
    the behaviour without them."""

    #: Shift schedules set operators' statuses: a scheduled break starts and ends, a shift
    #: ends (``workforce/schedule_status.py``). Off: only operators and the system do.
    schedule_status: bool = False
    #: Minutes after a shift's end before an operator still online is set away.
    shift_end_grace_minutes: int = Field(default=15, ge=0, le=240)
    #: Minutes after a shift's end from which they are set away even with open conversations
    #: (until then they finish them first).
    shift_end_limit_minutes: int = Field(default=60, ge=0, le=24 * 60)

    @model_validator(mode="after")
    def _limit_after_grace(self) -> WorkforceSettings:
        if self.shift_end_limit_minutes < self.shift_end_grace_minutes:
            raise ValueError("shift_end_limit_minutes must not be below shift_end_grace_minutes")
        return self
