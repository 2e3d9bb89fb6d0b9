"""When a scheduled report is due, and which period it reports, in its own time zone.

A daily report sent on local day D covers D − 1 from local midnight to local midnight
(23 or 25 hours across a daylight-saving change); a weekly report sent in the week of D
covers the calendar week before it, Monday 00:00 to Monday 00:00. The send time is a local
wall-clock time: 08:00 in Berlin is 06:00 UTC in summer and 07:00 UTC in winter. A time
that does not exist on a spring-forward day (02:30) is read with the offset before the
change (so it is sent an hour later on the clock); one that occurs twice on a fall-back day
is sent at its first occurrence (the period is the same, and it is sent once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Frequency = Literal["daily", "weekly"]


@dataclass(frozen=True, slots=True)
class Slot:
    """One send: when it is due (UTC) and the period ``[since, until)`` it reports."""

    due_at: datetime
    since: datetime
    until: datetime


def parse_time(value: str) -> time:
    """``HH:MM`` (00:00–23:59) → a time; ``ValueError`` otherwise."""
    hours, sep, minutes = value.partition(":")
    if not sep or len(hours) != 2 or len(minutes) != 2:
        raise ValueError("the time is HH:MM")
    if not (hours.isdigit() and minutes.isdigit()):
        raise ValueError("the time is HH:MM")
    return time(int(hours), int(minutes))


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _slot_on(
    day: date, frequency: Frequency, at: time, zone: ZoneInfo
) -> Slot:  # day: the local send date
    due_at = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
    if frequency == "daily":
        return Slot(due_at, _midnight(day - timedelta(days=1), zone), _midnight(day, zone))
    monday = day - timedelta(days=day.weekday())
    return Slot(due_at, _midnight(monday - timedelta(days=7), zone), _midnight(monday, zone))


def latest(
    *, frequency: Frequency, weekday: int | None, send_time: str, timezone: str, now: datetime
) -> Slot:
    """The most recent send due at or before ``now``."""
    zone = ZoneInfo(timezone)
    at = parse_time(send_time)
    today = now.astimezone(zone).date()
    for back in range(9):  # a weekly send is at most 7 local days back (8: DST margins)
        day = today - timedelta(days=back)
        if frequency == "weekly" and day.weekday() != weekday:
            continue
        slot = _slot_on(day, frequency, at, zone)
        if slot.due_at <= now:
            return slot
    raise ValueError("no send in the last week")  # unreachable with a valid schedule


def following(
    *, frequency: Frequency, weekday: int | None, send_time: str, timezone: str, now: datetime
) -> Slot:
    """The next send due after ``now`` (shown to the user)."""
    zone = ZoneInfo(timezone)
    at = parse_time(send_time)
    today = now.astimezone(zone).date()
    for ahead in range(9):
        day = today + timedelta(days=ahead)
        if frequency == "weekly" and day.weekday() != weekday:
            continue
        slot = _slot_on(day, frequency, at, zone)
        if slot.due_at > now:
            return slot
    raise ValueError("no send in the next week")  # unreachable with a valid schedule
