"""The report tables as CSV files (what a spreadsheet opens)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from otklik.reports.schemas import Figures, TableRow, VolumeRow


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


def figures_csv(figures: Figures) -> str:
    """One line per metric: counts, durations (calendar and business, seconds) and rates."""
    rows: list[Sequence[object]] = [
        (name, "count", "", getattr(figures, name))
        for name in ("created", "resolved", "reopened", "escalated")
    ]
    for name in (
        "first_response",
        "response",
        "resolution_first",
        "resolution_full",
        "handle",
        "handle_per_dialog",
    ):
        duration = getattr(figures, name)
        for clock in ("calendar", "business"):
            value = getattr(duration, clock)
            for field in ("count", "mean", "median", "p90"):
                rows.append((name, clock, field, getattr(value, field)))
    for name in ("fcr", "reopen_rate", "escalation_rate"):
        rate = getattr(figures, name)
        rows.append((name, "rate", "percent", rate.percent))
        rows.append((name, "rate", "numerator", rate.numerator))
        rows.append((name, "rate", "denominator", rate.denominator))
    return _csv(("metric", "clock", "value", "amount"), rows)


def table_csv(rows: Sequence[TableRow], key: str) -> str:
    fields = list(TableRow.model_fields)
    return _csv([key, *fields[1:]], ([getattr(r, f) for f in fields] for r in rows))


def volume_csv(rows: Sequence[VolumeRow], key: str) -> str:
    fields = list(VolumeRow.model_fields)
    return _csv([key, *fields[1:]], ([getattr(r, f) for f in fields] for r in rows))
