"""Comparisons the report tests share."""

from __future__ import annotations

import math

from otklik.reports import distributions
from otklik.reports.schemas import Figures


def same_figures(a: Figures, b: Figures) -> None:
    """Everything but the surveys (not narrowed by tags) equal, the means to rounding."""
    for field in ("created", "resolved", "reopened", "escalated", "fcr", "reopen_rate"):
        assert getattr(a, field) == getattr(b, field), field
    assert a.escalation_rate == b.escalation_rate
    for metric in distributions.DISTRIBUTIONS:
        for clock in ("calendar", "business"):
            x, y = getattr(getattr(a, metric), clock), getattr(getattr(b, metric), clock)
            assert (x.count, x.median, x.p90) == (y.count, y.median, y.p90), metric
            if x.count:
                assert math.isclose(x.mean, y.mean, rel_tol=1e-9), metric
