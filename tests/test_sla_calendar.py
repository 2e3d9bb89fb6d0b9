"""Business time (``sla/business_time.py``) and the official calendars (``sla/official.py``).

Pure functions: property-based checks that adding is monotonic and additive and inverse to
measuring, across DST changes; then Russia's production calendar for 2025–2027."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.sla.business_time import (
    BusinessCalendar,
    add_business_minutes,
    add_business_seconds,
    always,
    business_minutes_between,
    business_seconds_between,
    business_time_between,
)
from otklik.sla.official import official_year
from otklik.sla.policies import build_calendar

NINE_TO_SIX = ((540, 780), (840, 1080))  # 9–13, 14–18: a lunch break
WEEKDAYS = {day: NINE_TO_SIX for day in range(5)}
MSK = ZoneInfo("Europe/Moscow")


def _row(**fields: Any) -> Any:
    defaults = {
        "timezone": "Europe/Moscow",
        "weekly": {},
        "country": None,
        "custom_dates": [],
        "source": "hours",
    }
    return SimpleNamespace(**{**defaults, **fields})


def russia() -> BusinessCalendar:
    weekly = {str(d): [list(s) for s in NINE_TO_SIX] for d in range(5)}
    return build_calendar(_row(weekly=weekly, country="RU"), range(2024, 2029))


CALENDARS = [
    always(),
    BusinessCalendar("Europe/Berlin", WEEKDAYS),
    BusinessCalendar("America/New_York", {0: ((0, 1440),), 6: ((60, 200), (260, 1440))}),
    BusinessCalendar("Europe/Berlin", {d: ((90, 210), (900, 1400)) for d in range(7)}),
    russia(),
]
# Hypothesis bounds are naive; the drawn instants are aware (UTC).
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
amounts = st.integers(min_value=0, max_value=20 * 24 * 3600)
calendars = st.sampled_from(CALENDARS)


@settings(max_examples=150, deadline=None)
@given(calendars, instants, amounts, amounts)
def test_adding_is_monotonic_and_additive(
    cal: BusinessCalendar, start: datetime, a: int, b: int
) -> None:
    first = add_business_seconds(cal, start, a)
    both = add_business_seconds(cal, start, a + b)
    assert first >= start
    assert both >= first
    if a + b > 0 and a > 0:
        assert add_business_seconds(cal, first, b) == both


@settings(max_examples=150, deadline=None)
@given(calendars, instants, st.integers(min_value=1, max_value=20 * 24 * 3600))
def test_measuring_undoes_adding(cal: BusinessCalendar, start: datetime, seconds: int) -> None:
    due = add_business_seconds(cal, start, seconds)
    assert business_seconds_between(cal, start, due) == seconds
    assert business_seconds_between(cal, due, start) == -seconds


@settings(max_examples=100, deadline=None)
@given(calendars, instants, instants, instants)
def test_measuring_is_additive(
    cal: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    whole = business_time_between(cal, a, c)
    assert whole == business_time_between(cal, a, b) + business_time_between(cal, b, c)
    assert timedelta(0) <= whole <= c - a


def test_dst_change_counts_the_hours_that_pass() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    nights = BusinessCalendar("Europe/Berlin", {d: ((0, 360),) for d in range(7)})  # 00–06
    # 26 Oct 2025: clocks go back at 03:00 — that night's 00–06 lasts seven real hours.
    start = datetime(2025, 10, 26, 0, 0, tzinfo=berlin)
    assert business_minutes_between(nights, start, start + timedelta(days=1)) == 7 * 60
    # 30 Mar 2025: clocks jump at 02:00 — that night has five.
    spring = datetime(2025, 3, 30, 0, 0, tzinfo=berlin)
    assert business_minutes_between(nights, spring, spring + timedelta(days=1)) == 5 * 60
    # Office hours around a change keep their local wall-clock times.
    office = BusinessCalendar("Europe/Berlin", WEEKDAYS)
    friday = datetime(2025, 3, 28, 17, 0, tzinfo=berlin)
    due = add_business_minutes(office, friday, 120).astimezone(berlin)
    assert (due.date(), due.hour, due.minute) == (date(2025, 3, 31), 10, 0)
    assert due.utcoffset() == timedelta(hours=2)


def _msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


def test_russia_2025_to_2027_matches_the_official_calendar() -> None:
    cal = russia()
    # Published totals for a 40-hour week: 247 working days, 1972 hours, each year.
    for year in (2025, 2026, 2027):
        day, days, minutes = date(year, 1, 1), 0, 0
        while day.year == year:
            hours = cal.intervals_on(day)
            days += bool(hours)
            minutes += sum(end - start for start, end in hours)
            day += timedelta(days=1)
        assert (days, minutes) == (247, 1972 * 60), year
    # Transferred Saturdays are working days; pre-holiday days end an hour early.
    assert cal.intervals_on(date(2025, 11, 1)) == ((540, 780), (840, 1020))
    assert cal.intervals_on(date(2027, 2, 20)) == ((540, 780), (840, 1020))
    for short in (date(2025, 3, 7), date(2026, 4, 30), date(2026, 11, 3), date(2027, 6, 11)):
        assert cal.intervals_on(short)[-1] == (840, 1020), short
    # Holidays and the days off moved onto weekdays.
    for off in (
        date(2025, 1, 8),
        date(2025, 5, 2),
        date(2025, 5, 8),
        date(2025, 6, 13),
        date(2025, 11, 3),
        date(2025, 12, 31),
        date(2026, 1, 9),
        date(2026, 3, 9),
        date(2026, 5, 11),
        date(2026, 12, 31),
        date(2027, 2, 22),
        date(2027, 11, 5),
    ):
        assert cal.intervals_on(off) == (), off
    assert date(2025, 11, 1) in official_year("RU", 2025).working


def test_first_response_over_a_transferred_saturday_and_a_holiday() -> None:
    cal = russia()
    # Fri 31 Oct 2025 17:30 + 1 h: 30 min on Friday, then Saturday 1 Nov (a working day).
    assert add_business_minutes(cal, _msk(2025, 10, 31, 17, 30), 60) == _msk(2025, 11, 1, 9, 30)
    # Sat 1 Nov is shortened (till 17:00); Mon 3 Nov is a day off, Tue 4 Nov a holiday.
    assert add_business_minutes(cal, _msk(2025, 11, 1, 16, 30), 60) == _msk(2025, 11, 5, 9, 30)
    # An ordinary weekend, and the lunch break.
    assert add_business_minutes(cal, _msk(2025, 10, 24, 17, 0), 120) == _msk(2025, 10, 27, 10, 0)
    assert add_business_minutes(cal, _msk(2025, 10, 27, 12, 30), 60) == _msk(2025, 10, 27, 14, 30)


def test_admins_dates_override_the_official_ones() -> None:
    weekly = {str(d): [list(s) for s in NINE_TO_SIX] for d in range(5)}
    custom = [
        {"date": "2025-12-30", "kind": "closed", "name": "Corporate day"},
        {"date": "2025-11-03", "kind": "working", "hours": [[600, 720]]},
    ]
    cal = build_calendar(_row(weekly=weekly, country="RU", custom_dates=custom), range(2025, 2026))
    assert cal.intervals_on(date(2025, 12, 30)) == ()
    assert cal.intervals_on(date(2025, 11, 3)) == ((600, 720),)
