"""Mean, median and p90 of durations, the way every report states them.

p90 is the nearest-rank percentile: the smallest value with at least 90 % of the values at
or below it (``sorted[ceil(0.9 n) − 1]``); the median is the middle value (the mean of the
two middle ones for an even count).

Reports do not fetch every duration to sort it: the database counts them in log-spaced bins
(:func:`bin_of`; per bin how many, their sum, the smallest and the largest) and
:func:`from_bins` reads the mean exactly (sum ÷ count) and the median and p90 from the bins.
A rank that falls on a bin's first or last value is exact (the bin's minimum or maximum:
always so when the bin holds one or two values, as on a small day of work); a rank inside a
bin is interpolated between its minimum and maximum, and those differ by at most
:data:`BIN_RATIO` (``(1 + max) ÷ (1 + min) ≤ 1.02``): within 2 % of ``1 + value`` seconds.
(2 %, not 1 %: the overview's day bins, ``report_day_bins``, then hold about half the rows
of a busy day: ADR 0031.)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, cast, func, literal_column

from otklik.reports.schemas import Rate, Stat

#: Consecutive bin edges are this ratio apart (of ``1 + seconds``).
BIN_RATIO = 1.02
#: ``bin = floor(ln(1 + seconds) × SCALE)``.
SCALE = 1 / math.log(BIN_RATIO)


def stat(values: Iterable[float]) -> Stat:
    """The exact figures of a list of durations (small lists: a table's handle time)."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return Stat(count=0, mean=None, median=None, p90=None)
    middle = n // 2
    median = ordered[middle] if n % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return Stat(
        count=n,
        mean=sum(ordered) / n,
        median=median,
        p90=ordered[max(0, math.ceil(0.9 * n) - 1)],
    )


def bin_of(value: Any) -> Any:
    """The SQL bin of a duration column or expression (``NULL`` counts as 0 s). The scale is
    written into the statement (not bound) so that ``GROUP BY`` repeats the very expression
    of the select list on PostgreSQL."""
    scale: Any = literal_column(repr(SCALE))
    return cast(
        func.floor(func.ln(literal_column("1.0") + func.coalesce(value, 0.0)) * scale), Integer
    )


def bin_python(value: float) -> int:
    """The bin :func:`bin_of` computes in SQL, in Python (for tests and checks)."""
    return math.floor(math.log(1.0 + value) * SCALE)


@dataclass(frozen=True, slots=True)
class Bin:
    """The durations of one bin: how many, their sum, the smallest, the largest."""

    key: int
    n: int
    total: float
    low: float
    high: float


def _at(bins: list[Bin], rank: int) -> float:
    """The ``rank``-th smallest value (1-based)."""
    seen = 0
    for b in bins:
        if rank <= seen + b.n:
            j = rank - seen
            if j == 1:
                return b.low
            if j == b.n:
                return b.high
            return b.low + (b.high - b.low) * (j - 1) / (b.n - 1)
        seen += b.n
    return bins[-1].high


def from_bins(found: Iterable[Bin]) -> Stat:
    """Count, mean, median and p90 from the bins of a distribution (see the module)."""
    bins = sorted((b for b in found if b.n > 0), key=lambda b: b.key)
    n = sum(b.n for b in bins)
    if n == 0:
        return Stat(count=0, mean=None, median=None, p90=None)
    middle = n // 2
    if n % 2:
        median = _at(bins, middle + 1)
    else:
        median = (_at(bins, middle) + _at(bins, middle + 1)) / 2
    return Stat(
        count=n,
        mean=sum(b.total for b in bins) / n,
        median=median,
        p90=_at(bins, max(1, math.ceil(0.9 * n))),
    )


def rate(numerator: int, denominator: int) -> Rate:
    percent = numerator / denominator * 100 if denominator else None
    return Rate(numerator=numerator, denominator=denominator, percent=percent)
