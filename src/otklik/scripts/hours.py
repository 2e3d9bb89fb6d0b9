"""Weekly working hours of an inbox: open now? when does it open next?"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from otklik.channels.schemas import Weekday, WorkingHours

WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The "next opening" of hours that never open: one fixed marker so "once per closed
#: stretch" becomes "once" for an inbox that is always closed.
NEVER = datetime(2000, 1, 1, tzinfo=UTC)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def _spans(hours: WorkingHours, day: date) -> list[tuple[int, int]]:
    return sorted(
        (_minutes(start), _minutes(end))
        for start, end in hours.days.get(WEEKDAYS[day.weekday()], [])
    )


def is_open(hours: WorkingHours | None, at: datetime) -> bool:
    """Inside working hours at ``at``? No hours (or switched off) means always open."""
    if hours is None or not hours.enabled:
        return True
    local = at.astimezone(ZoneInfo(hours.timezone))
    minute = local.hour * 60 + local.minute
    return any(start <= minute < end for start, end in _spans(hours, local.date()))


def next_opening(hours: WorkingHours, at: datetime) -> datetime:
    """When the inbox opens next after ``at`` (UTC); :data:`NEVER` if it never does."""
    zone = ZoneInfo(hours.timezone)
    local = at.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        for start, _end in _spans(hours, day):
            if start >= 24 * 60:
                continue
            opening = datetime.combine(day, time(start // 60, start % 60), tzinfo=zone)
            if opening > at:
                return opening.astimezone(UTC)
    return NEVER
