"""Importing contacts from a CSV or XLSX file (``import_files``): the upload's checks, each
row's fields by the API's own rules (``ContactFields``, ``addresses.normal_email``/
``normal_phone``, ``editing.check_timezone``), its attribute values converted to their
defined types (``attributes.converting``), and the upsert. Companies: ``company_import``.

A row finds its contact by external id, else by an email, else by a phone; it adds emails,
phones and tags to the contact's, and sets the name, language, time zone, company, external
id and attributes it gives; its company column names a company's domain or name. Importing
the same file again therefore changes nothing. A row with an error is reported (row
number, column, message) and skipped; a dry run checks and counts every row and writes no
contact.
"""

from __future__ import annotations

import asyncio
import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.attributes.converting import AttributeKind, from_text
from otklik.contacts import addresses
from otklik.contacts.editing import check_timezone, normal_tags
from otklik.contacts.import_files import (
    MAX_ROWS,
    decode,
    is_xlsx,
    read_rows,
    xlsx_header,
    xlsx_text,
)
from otklik.contacts.import_mapping import ATTRIBUTE, MappingRules, check
from otklik.contacts.models import (
    ContactImport,
    contact_terms,
)
from otklik.contacts.schemas import ContactFields, ImportOut, RowError
from otklik.core.clock import utcnow
from otklik.core.errors import AppError, invalid, not_found
from otklik.jobs.registry import enqueue

#: How many errors an import keeps to show (the count has them all).
ERRORS_KEPT = 200
IMPORT_JOB = "contacts.import"
#: An import (its errors quote rows: names, addresses) is deleted this long after it was made.
IMPORTS_KEPT = timedelta(days=7)
PLAIN_FIELDS = (
    "name",
    "email",
    "emails",
    "phone",
    "phones",
    "tags",
    "language",
    "timezone",
    "company",
    "external_id",
)
_LIST_SEPARATORS = re.compile(r"[,;\n]")


_MAPPING = MappingRules(
    fields=PLAIN_FIELDS,
    attribute_key=re.compile(r"^[a-z][a-z0-9_]{0,49}$"),
    attribute_example="attribute:plan",
    noun="field",
    identifying=frozenset({"name", "email", "emails", "phone", "phones", "external_id"}),
    identifying_message="Map a column to name, email, phone or external_id.",
)


def check_mapping(header: Sequence[str], mapping: dict[str, str]) -> None:
    """422 unless every mapped column is in the header and maps to a contact field, once."""
    check(header, mapping, _MAPPING)


@dataclass(slots=True)
class Row:
    """One row's checked fields (``None``/empty: not given)."""

    number: int
    name: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    timezone: str | None = None
    company: str | None = None
    external_id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    #: A new contact's ``search_terms`` (computed with the checks, off the event loop).
    search_terms: str = ""


def split_list(value: str) -> list[str]:
    return [v.strip() for v in _LIST_SEPARATORS.split(value) if v.strip()]


def attribute_value(
    number: int, column: str, key: str, text: str, kinds: Mapping[str, AttributeKind]
) -> tuple[Any, RowError | None]:
    """A cell's value of attribute ``key``: of its defined type (a text if undefined)."""
    kind = kinds.get(key)
    if kind is None:
        return text, None
    try:
        return from_text(kind, text), None
    except ValueError as exc:
        return None, RowError(row=number, column=column, message=f"{key} must be {exc}.")


def parse_row(
    number: int,
    values: list[str],
    header: Sequence[str],
    mapping: dict[str, str],
    kinds: Mapping[str, AttributeKind],
) -> tuple[Row | None, list[RowError]]:
    """The row's fields checked by the API's rules and its attributes converted to their
    types (``kinds``: the contact attributes defined), or its errors (each names its column)."""
    cells = dict(zip(header, values, strict=False))
    column_of: dict[str, str] = {}
    given: dict[str, Any] = {}
    row = Row(number=number)
    errors: list[RowError] = []
    for column, target in mapping.items():
        text = (cells.get(column) or "").strip()
        if not text:
            continue
        if target.startswith(ATTRIBUTE):
            key = target[len(ATTRIBUTE) :]
            value, error = attribute_value(number, column, key, text, kinds)
            if error is not None:
                errors.append(error)
            else:
                row.attributes[key] = value
            continue
        base = target.rstrip("s") if target in ("emails", "phones") else target
        column_of[base] = column
        if target in ("email", "emails", "phone", "phones"):
            given.setdefault(base + "s", []).extend(
                split_list(text) if target.endswith("s") else [text]
            )
        elif target == "tags":
            given["tags"] = split_list(text)
            column_of["tags"] = column
        elif target in ("company", "external_id"):
            if len(text) > (200 if target == "company" else 255):
                return None, [RowError(row=number, column=column, message="Too long.")]
            setattr(row, target, text)
        else:
            given[target] = text
            column_of[target] = column
    try:
        fields = ContactFields.model_validate(given)
    except ValidationError as exc:
        for problem in exc.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            where = column_of.get(name.rstrip("s") if name in ("emails", "phones") else name)
            errors.append(RowError(row=number, column=where, message=problem["msg"]))
        return None, errors
    row.name = fields.name or None
    row.language = fields.language
    row.tags = normal_tags(fields.tags or [])
    for kind, normal in (("email", addresses.normal_email), ("phone", addresses.normal_phone)):
        found: list[str] = []
        for value in getattr(fields, kind + "s") or []:
            try:
                found.append(normal(value))
            except AppError as exc:
                errors.append(RowError(row=number, column=column_of.get(kind), message=exc.message))
        setattr(row, kind + "s", addresses.distinct(found))
    if fields.timezone is not None:
        try:
            check_timezone(fields.timezone)
            row.timezone = fields.timezone
        except AppError as exc:
            errors.append(RowError(row=number, column=column_of["timezone"], message=exc.message))
    if errors:
        return None, errors
    row.search_terms = contact_terms(
        row.name, row.emails[0] if row.emails else None, row.attributes, row.emails[1:], row.phones
    )
    return row, []


@dataclass(slots=True)
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(slots=True)
class Seen:
    """Which row of the file first gave each email, phone and external id: a later row
    giving one of them again is an error (which of the two should win is the user's call)."""

    rows: dict[str, int] = field(default_factory=dict)

    def claim(self, row: Row) -> RowError | None:
        keys = [("external_id", f"x:{row.external_id}")] if row.external_id else []
        keys += [("email", f"e:{e}") for e in row.emails]
        keys += [("phone", f"p:{p}") for p in row.phones]
        return claim_keys(self.rows, row.number, keys)


def claim_keys(rows: dict[str, int], number: int, keys: list[tuple[str, str]]) -> RowError | None:
    """Row ``number`` claims each ``(what, key)``: an error naming the earlier row when one
    already gave a key (and then nothing is claimed), else ``None``."""
    for what, key in keys:
        earlier = rows.get(key)
        if earlier is not None and earlier != number:
            return RowError(row=number, column=None, message=f"Row {earlier} has this {what} too.")
    for _, key in keys:
        rows[key] = number
    return None


def import_out(record: ContactImport) -> ImportOut:
    return ImportOut.model_validate(record, from_attributes=True)


async def get_import(session: AsyncSession, import_id: int) -> ContactImport:
    record = await session.get(ContactImport, import_id)
    if record is None:
        raise not_found("Import", import_id)
    return record


async def file_text(data: bytes) -> str:
    """A CSV file's text, or an XLSX workbook's first sheet as CSV text (read in a thread:
    a large sheet takes seconds)."""
    if is_xlsx(data):
        return await asyncio.to_thread(xlsx_text, data)
    return decode(data)


async def file_columns(data: bytes) -> list[str]:
    """The columns a file's header row names (the wizard maps them)."""
    text = await asyncio.to_thread(xlsx_header, data) if is_xlsx(data) else decode(data)
    header, _ = read_rows(text)
    return [column for column in header if column]


async def start_import(
    session: AsyncSession,
    *,
    data: bytes,
    filename: str | None,
    mapping: dict[str, str],
    dry_run: bool,
    actor_id: int | None,
    kind: str = "contacts",
    checked: Callable[[Sequence[str], dict[str, str]], None] = check_mapping,
) -> ContactImport:
    """Check the file and its mapping (422 for either), keep it, and queue the job.
    ``kind``: the rows are ``contacts`` or ``companies`` (whose mapping ``checked`` checks)."""
    text = await file_text(data)
    header, reader = read_rows(text)
    checked(header, mapping)
    try:
        total = sum(1 for values in reader if any(v.strip() for v in values))
    except csv.Error as exc:
        raise invalid(f"The file is not a CSV file: {exc}.") from exc
    if total > MAX_ROWS:
        raise invalid(f"The file has {total} rows; at most {MAX_ROWS} are imported at once.")
    record = ContactImport(
        requested_by_id=actor_id,
        state="queued",
        kind=kind,
        dry_run=dry_run,
        filename=(filename or "")[:255] or None,
        mapping=mapping,
        content=text,
        total=total,
        done=0,
        created=0,
        updated=0,
        unchanged=0,
        failed=0,
        errors=[],
    )
    session.add(record)
    await session.flush()
    await enqueue(session, name=IMPORT_JOB, payload={"import_id": record.id}, max_attempts=3)
    return record


def record_batch(record: ContactImport, rows: int, outcome: Outcome) -> None:
    record.done += rows
    record.created += outcome.created
    record.updated += outcome.updated
    record.unchanged += outcome.unchanged
    record.failed += len({e.row for e in outcome.errors})
    room = ERRORS_KEPT - len(record.errors)
    if room > 0 and outcome.errors:
        record.errors = [*record.errors, *(e.model_dump() for e in outcome.errors[:room])]


def mark_finished(record: ContactImport) -> None:
    record.state = "done"
    record.content = None
    record.finished_at = utcnow()


async def set_running(session: AsyncSession, import_id: int) -> None:
    await session.execute(
        update(ContactImport)
        .where(ContactImport.id == import_id, ContactImport.state == "queued")
        .values(state="running")
    )


def mark_failed(record: ContactImport, reason: str) -> None:
    record.state = "failed"
    record.content = None
    record.finished_at = utcnow()
    record.errors = [
        *record.errors,
        RowError(
            row=record.done, column=None, message=f"The import stopped: {reason}"
        ).model_dump(),
    ]


async def prune_old(session: AsyncSession) -> None:
    """Delete imports older than :data:`IMPORTS_KEPT`, and with them the rows they quote."""
    await session.execute(
        delete(ContactImport).where(ContactImport.created_at < utcnow() - IMPORTS_KEPT)
    )
