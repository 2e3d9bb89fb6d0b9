"""The report tables as files a spreadsheet opens: CSV, or XLSX (written by XlsxWriter)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

import xlsxwriter

from otklik.reports.schemas import Figures, TableRow, VolumeRow

Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def to_csv(sheet: Sheet) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(sheet.header)
    for row in sheet.rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue()


def to_xlsx(sheet: Sheet) -> bytes:
    return to_workbook([sheet])


def to_workbook(sheets: Sequence[Sheet]) -> bytes:
    """One XLSX file, one worksheet per sheet (a scheduled report's attachment)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True})
    for sheet in sheets:
        page = book.add_worksheet(sheet.name[:31])
        page.write_row(0, 0, list(sheet.header), bold)
        for number, row in enumerate(sheet.rows, start=1):
            for column, value in enumerate(row):
                if value is not None:
                    page.write(number, column, value)
    book.close()
    return out.getvalue()


def figures_sheet(figures: Figures) -> Sheet:
    """One line per metric: counts, durations (calendar and business, seconds) and rates."""
    rows: list[Sequence[Cell]] = [
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
    for name in ("csat", "nps", "ces"):
        survey = getattr(figures, name)
        for field in ("sent", "answered", "response_rate", "score"):
            rows.append((name, "survey", field, getattr(survey, field)))
    return Sheet("overview", ("metric", "clock", "value", "amount"), rows)


def table_sheet(rows: Sequence[TableRow], key: str) -> Sheet:
    fields = list(TableRow.model_fields)
    return Sheet(f"by {key}", [key, *fields[1:]], [[getattr(r, f) for f in fields] for r in rows])


def volume_sheet(rows: Sequence[VolumeRow], key: str) -> Sheet:
    fields = list(VolumeRow.model_fields)
    return Sheet(
        f"volume by {key}", [key, *fields[1:]], [[getattr(r, f) for f in fields] for r in rows]
    )
