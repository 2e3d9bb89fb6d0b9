"""Mean, median and p90 of durations, the way every report states them.

p90 is the nearest-rank percentile: the smallest value with at least 90 % of the values at
or below it (``sorted[ceil(0.9 n) − 1]``), a value that really occurred, easy to check by
hand; the median is the middle value (the mean of the two middle ones for an even count).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from otklik.reports.schemas import Rate, Stat


def stat(values: Iterable[float]) -> Stat:
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


def rate(numerator: int, denominator: int) -> Rate:
    percent = numerator / denominator * 100 if denominator else None
    return Rate(numerator=numerator, denominator=denominator, percent=percent)
