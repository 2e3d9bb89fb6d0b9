"""Countries' official calendars: holidays and transferred working days from the maintained
``holidays`` library, plus the shortened pre-holiday days it does not carry.

``holidays`` knows Russia's holidays *and* the government's transfers (a day off moved onto a
weekday is a holiday entry; the Saturday worked instead is in ``weekend_workdays``). It does not
know that the working day before a holiday is an hour shorter (Labour Code art. 95), so those
dates are written below from the production calendars the Government published for each year
(decrees of 4 Oct 2024 No 1335 for 2025, 24 Sep 2025 No 1466 for 2026, and the 2027 draft that
``holidays`` follows); ``tests/test_sla_calendar.py`` checks them against the published totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import holidays

#: Pre-holiday days one hour shorter, by country.
SHORTENED: dict[str, dict[date, int]] = {
    "RU": {
        date(2025, 3, 7): 60,
        date(2025, 4, 30): 60,
        date(2025, 6, 11): 60,
        date(2025, 11, 1): 60,
        date(2026, 4, 30): 60,
        date(2026, 5, 8): 60,
        date(2026, 6, 11): 60,
        date(2026, 11, 3): 60,
        date(2027, 2, 20): 60,
        date(2027, 4, 30): 60,
        date(2027, 6, 11): 60,
        date(2027, 11, 3): 60,
    }
}


@dataclass(frozen=True, slots=True)
class OfficialYear:
    #: Non-working dates with their names.
    holidays: dict[date, str]
    #: Weekend dates worked instead of a transferred day off.
    working: frozenset[date]
    shortened: dict[date, int]


def supported(country: str) -> bool:
    return country.upper() in holidays.list_supported_countries()


@lru_cache(maxsize=64)
def official_year(country: str, year: int) -> OfficialYear:
    """What ``country``'s official calendar says about ``year`` (``KeyError``: unknown)."""
    code = country.upper()
    if not supported(code):
        raise KeyError(country)
    table = holidays.country_holidays(code, years=year)
    named = {day: str(name) for day, name in table.items() if day.year == year}
    working = frozenset(
        day for day in getattr(table, "weekend_workdays", set()) if day.year == year
    )
    shortened = {day: cut for day, cut in SHORTENED.get(code, {}).items() if day.year == year}
    return OfficialYear(holidays=named, working=working, shortened=shortened)
