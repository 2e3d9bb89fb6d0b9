"""Per operator and day figures from status and handling intervals (pure functions).

A day is a calendar day in the workspace's time zone, so it may last 23 or 25 hours when
the clocks change. The day is cut into pieces at every interval boundary; each piece has one
status and a number of open dialogs, and every figure is a sum of pieces:

* **logged in**: any status but offline;
* **handle time**: logged in with at least one dialog;
* **dialog time**: the dialogs' own durations added up (two dialogs at once count twice);
* **time with 0 / 1 / 2 / 3+ dialogs**: over the logged-in time;
* **occupancy** = time online with a dialog ÷ time online (the available time);
* **utilization** = handle time ÷ logged-in time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: Status keys of a day: a break counts apart for each reason (``break:lunch``).
OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class Span:
    """A status (``"break:lunch"`` for a break) or a dialog between two instants; ``end``
    ``None``: still going."""

    key: str
    start: datetime
    end: datetime | None


@dataclass(slots=True)
class DayFigures:
    logged_in: float = 0.0
    handle: float = 0.0
    dialogs: float = 0.0
    online: float = 0.0
    online_handling: float = 0.0
    by_status: dict[str, float] = field(default_factory=dict)
    #: Seconds logged in with 0, 1, 2 and 3 or more dialogs open.
    concurrency: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])

    @property
    def occupancy(self) -> float | None:
        return self.online_handling / self.online if self.online else None

    @property
    def utilization(self) -> float | None:
        return self.handle / self.logged_in if self.logged_in else None


def day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The day's first instant and the next day's, as aware datetimes (UTC offsets of
    each midnight, so a DST day is 23 or 25 hours long)."""
    start = datetime.combine(day, time(), zone)
    end = datetime.combine(day + timedelta(days=1), time(), zone)
    return start, end


def _clip(span: Span, start: datetime, end: datetime, now: datetime) -> tuple[datetime, datetime]:
    return max(span.start, start), min(span.end or now, end, max(now, start))


def figures(
    statuses: Sequence[Span], dialogs: Sequence[Span], start: datetime, end: datetime, now: datetime
) -> DayFigures:
    """The figures of ``[start, end)`` (nothing after ``now``). Before an operator's first
    recorded status they count as offline."""
    cuts = {start, min(end, max(now, start))}
    for span in (*statuses, *dialogs):
        lo, hi = _clip(span, start, end, now)
        if lo < hi:
            cuts.update((lo, hi))
    points = sorted(cuts)
    out = DayFigures()
    for span in dialogs:
        lo, hi = _clip(span, start, end, now)
        if lo < hi:
            out.dialogs += (hi - lo).total_seconds()
    for lo, hi in zip(points, points[1:], strict=False):
        seconds = (hi - lo).total_seconds()
        status = next(
            (s.key for s in statuses if s.start <= lo and (s.end is None or s.end > lo)), OFFLINE
        )
        open_dialogs = sum(1 for d in dialogs if d.start <= lo and (d.end is None or d.end > lo))
        out.by_status[status] = out.by_status.get(status, 0.0) + seconds
        if status == OFFLINE:
            continue
        out.logged_in += seconds
        out.concurrency[min(open_dialogs, 3)] += seconds
        if open_dialogs:
            out.handle += seconds
        if status == "online":
            out.online += seconds
            if open_dialogs:
                out.online_handling += seconds
    return out
