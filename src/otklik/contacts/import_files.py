"""An import's file: CSV text (UTF-8; comma, semicolon or tab separated) or an XLSX
workbook, whose first sheet is read into the same CSV text when the file is uploaded, so
the import job reads one format and a run after a worker died goes on where it stopped.

An XLSX cell keeps its meaning in that text: a date is written ``2026-12-31``, a yes/no
cell ``true``/``false`` and a whole number without ``.0``, which the fields' and the typed
attributes' rules then read like a CSV file's text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Generator, Iterator
from datetime import date, datetime, time

from openpyxl import load_workbook

from otklik.core.errors import AppError, invalid

#: The largest file accepted (about 200,000 rows of a dozen columns).
MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_COLUMNS = 200
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # an Excel 97–2003 .xls file


def _dialect_of(text: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma-separated, or semicolon/tab as spreadsheets in Russian locales save it."""
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def read_rows(text: str) -> tuple[list[str], Iterator[list[str]]]:
    """The header and an iterator of the data rows."""
    reader = csv.reader(io.StringIO(text), _dialect_of(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise invalid("The file is empty: it needs a header row naming the columns.") from None
    except csv.Error as exc:
        raise invalid(f"The file is not a CSV file: {exc}.") from exc
    return header, reader


def is_xlsx(data: bytes) -> bool:
    return data.startswith(_ZIP)


def decode(data: bytes) -> str:
    """The CSV file's text: UTF-8 (a byte-order mark, as Excel writes, is dropped)."""
    if len(data) > MAX_IMPORT_BYTES:
        raise AppError(413, "too_large", f"The file is over {MAX_IMPORT_BYTES // 2**20} MB.")
    if data.startswith(_OLE):
        raise invalid("Excel 97–2003 (.xls) files are not read: save the sheet as .xlsx or CSV.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid("The file is not UTF-8 text (save it as CSV UTF-8).") from exc


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _rows(data: bytes) -> Generator[list[str]]:
    """The first sheet's rows as text, read a row at a time (openpyxl's read-only mode
    never holds the sheet); the header row's last named column ends every row. 422 for a
    file that is no workbook, or a sheet too big."""
    if len(data) > MAX_IMPORT_BYTES:
        raise AppError(413, "too_large", f"The file is over {MAX_IMPORT_BYTES // 2**20} MB.")
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — openpyxl raises zip, XML and key errors alike
        raise invalid("The file is not an XLSX workbook (save it as .xlsx or CSV).") from exc
    try:
        if not book.worksheets:
            raise invalid("The workbook has no sheet.")
        width: int | None = None
        for count, values in enumerate(book.worksheets[0].iter_rows(values_only=True)):
            cells = [_cell_text(v) for v in values]
            if width is None:
                while cells and not cells[-1].strip():
                    cells.pop()
                width = len(cells)
                if width > MAX_COLUMNS:
                    raise invalid(f"The sheet has over {MAX_COLUMNS} columns.")
            elif count > MAX_ROWS:
                raise invalid(f"The sheet has over {MAX_ROWS} rows; import it in parts.")
            yield cells[:width]
    except AppError:
        raise
    except Exception as exc:  # noqa: BLE001 — a damaged sheet's XML, whatever fails in it
        raise invalid(f"The workbook could not be read: {exc}.") from exc
    finally:
        book.close()


def xlsx_text(data: bytes) -> str:
    """The first sheet of an XLSX workbook as CSV text."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(_rows(data))
    return out.getvalue()


def xlsx_header(data: bytes) -> str:
    """The header row of an XLSX workbook's first sheet as CSV text (the rest unread)."""
    rows = _rows(data)
    try:
        header = next(rows, [])
    finally:
        rows.close()
    if not header:
        return ""  # no header row: read_rows says the file is empty
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(header)
    return out.getvalue()
