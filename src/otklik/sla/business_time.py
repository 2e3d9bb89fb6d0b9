"""Business time: adding business seconds to an instant and measuring them between two.

A :class:`BusinessCalendar` is an immutable value (a time zone, weekly hours with any number
of intervals a day, closed dates, extra working dates, shortened dates); both functions are
pure. Business time is *elapsed* time inside the calendar's local working intervals: each
local interval is turned into UTC through the zone for its own day, so a DST change inside
or between intervals counts the hours that really pass (an interval that the spring jump
swallows counts nothing, one the autumn repeats counts its real length).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Minutes from local midnight: ``(start, end)``, ``0 <= start < end <= 1440``.
Interval = tuple[int, int]
#: How far ahead :func:`add_business_seconds` looks for working time before giving up.
HORIZON_DAYS = 3 * 366

ALL_DAY: tuple[Interval, ...] = ((0, 1440),)


class NoBusinessTime(ValueError):
    """The calendar has no working time within the horizon."""


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    timezone: str = "UTC"
    #: Monday = 0 … Sunday = 6 → that day's intervals (absent: closed).
    weekly: Mapping[int, tuple[Interval, ...]] = field(
        default_factory=lambda: {day: ALL_DAY for day in range(7)}
    )
    #: Non-working dates (holidays, transferred days off, admins' closed days).
    closed: frozenset[date] = frozenset()
    #: Dates worked although their weekday is off (a transferred Saturday), with their hours.
    extra: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)
    #: Dates whose last interval ends earlier by this many minutes (pre-holiday days).
    shortened: Mapping[date, int] = field(default_factory=dict)
    #: Each day's spans in UTC once computed (the calendar is immutable; the hot path asks
    #: for today's on every customer message).
    _spans: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def intervals_on(self, day: date) -> tuple[Interval, ...]:
        """The local working intervals of ``day``."""
        if day in self.extra:
            hours = self.extra[day]
        elif day in self.closed:
            return ()
        else:
            hours = self.weekly.get(day.weekday(), ())
        cut = self.shortened.get(day, 0)
        if not cut or not hours:
            return hours
        *head, (start, end) = hours
        return (*head, (start, end - cut)) if end - cut > start else tuple(head)


def always() -> BusinessCalendar:
    """24/7."""
    return BusinessCalendar()


def _utc_spans(cal: BusinessCalendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    cached = cal._spans.get(day)
    if cached is not None:
        return cached
    zone = cal.zone
    midnight = datetime.combine(day, time(0))
    spans = []
    for start, end in cal.intervals_on(day):
        a = (midnight + timedelta(minutes=start)).replace(tzinfo=zone).astimezone(UTC)
        b = (midnight + timedelta(minutes=end)).replace(tzinfo=zone).astimezone(UTC)
        if b > a:
            spans.append((a, b))
    if len(cal._spans) > 20_000:  # a bound, never reached by real use
        cal._spans.clear()
    cal._spans[day] = found = tuple(spans)
    return found


def _spans_from(cal: BusinessCalendar, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working spans (UTC) clipped to start at ``moment``, in order, within the horizon.
    (A day's intervals end by its local midnight, so earlier days have none left.)"""
    day = moment.astimezone(cal.zone).date()
    for offset in range(HORIZON_DAYS + 2):
        for a, b in _utc_spans(cal, day + timedelta(days=offset)):
            if b <= moment:
                continue
            yield max(a, moment), b


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return moment.astimezone(UTC)


def add_business_seconds(cal: BusinessCalendar, start: datetime, seconds: float) -> datetime:
    """The instant when ``seconds`` of business time have passed since ``start`` (UTC).
    Zero seconds gives ``start`` itself, even outside working hours."""
    start = _aware(start)
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    if seconds == 0:
        return start
    left = timedelta(seconds=seconds)
    for a, b in _spans_from(cal, start):
        if b - a >= left:
            return a + left
        left -= b - a
    raise NoBusinessTime(f"no working time within {HORIZON_DAYS} days")


def add_business_minutes(cal: BusinessCalendar, start: datetime, minutes: float) -> datetime:
    return add_business_seconds(cal, start, minutes * 60)


def business_time_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Business time from ``a`` to ``b`` (negative when ``b`` is before ``a``), exact."""
    a, b = _aware(a), _aware(b)
    if b < a:
        return -business_time_between(cal, b, a)
    total = timedelta(0)
    for start, end in _spans_from(cal, a):
        if start >= b:
            break
        total += min(end, b) - start
    return total


def business_seconds_between(cal: BusinessCalendar, a: datetime, b: datetime) -> float:
    return business_time_between(cal, a, b).total_seconds()


def business_minutes_between(cal: BusinessCalendar, a: datetime, b: datetime) -> float:
    return business_seconds_between(cal, a, b) / 60
