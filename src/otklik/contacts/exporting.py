"""Contacts and companies as CSV (UTF-8, a header row) or XLSX files, for admins: every
contact the list's filters find, written a page at a time so a large export streams."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import xlsxwriter
from sqlalchemy import select

from otklik.accounts.access import SYSTEM
from otklik.contacts.listing import Filters, filtered
from otklik.contacts.models import Company, CompanyDomain, Contact
from otklik.core.db import Database

PAGE = 1000
Cell = str | int | None
CONTACT_COLUMNS = (
    "id",
    "external_id",
    "name",
    "email",
    "emails",
    "phones",
    "tags",
    "language",
    "timezone",
    "company",
    "attributes",
    "created_at",
    "last_seen_at",
)
COMPANY_COLUMNS = ("id", "external_id", "name", "domains", "attributes", "created_at")


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _attributes(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True) if values else ""


async def contact_rows(db: Database, filters: Filters) -> AsyncIterator[list[Sequence[Cell]]]:
    """Pages of contact rows, newest first (an admin's export: every contact)."""
    before: int | None = None
    while True:
        async with db.session(write=False) as session:
            found = filtered(filters, SYSTEM, session.get_bind().dialect.name)
            if found is None:
                return
            ids, order = found
            if before is not None:
                ids = ids.where(Contact.id < before)
            page = list((await session.scalars(ids.order_by(order).limit(PAGE))).all())
            if not page:
                return
            contacts = (
                await session.scalars(
                    select(Contact).where(Contact.id.in_(page)).order_by(Contact.id.desc())
                )
            ).all()
            company_ids = {c.company_id for c in contacts if c.company_id}
            names: dict[int, str] = {
                company_id: name
                for company_id, name in await session.execute(
                    select(Company.id, Company.name).where(Company.id.in_(company_ids))
                )
            }
        before = min(page)
        yield [
            [
                c.id,
                c.external_id,
                c.name,
                c.email,
                ", ".join(e for e in [c.email, *c.other_emails] if e),
                ", ".join(c.phones),
                ", ".join(c.tags),
                c.language,
                c.timezone,
                names.get(c.company_id) if c.company_id else None,
                _attributes(c.attributes),
                _when(c.created_at),
                _when(c.last_seen_at),
            ]
            for c in contacts
        ]
        if len(page) < PAGE:
            return


async def company_rows(db: Database) -> AsyncIterator[list[Sequence[Cell]]]:
    before: int | None = None
    while True:
        async with db.session(write=False) as session:
            query = select(Company).order_by(Company.id.desc()).limit(PAGE)
            if before is not None:
                query = query.where(Company.id < before)
            page = (await session.scalars(query)).all()
            if not page:
                return
            domains: dict[int, list[str]] = {}
            for company_id, domain in await session.execute(
                select(CompanyDomain.company_id, CompanyDomain.domain)
                .where(CompanyDomain.company_id.in_([c.id for c in page]))
                .order_by(CompanyDomain.domain)
            ):
                domains.setdefault(company_id, []).append(domain)
        before = page[-1].id
        yield [
            [
                c.id,
                c.external_id,
                c.name,
                ", ".join(domains.get(c.id, [])),
                _attributes(c.attributes),
                _when(c.created_at),
            ]
            for c in page
        ]
        if len(page) < PAGE:
            return


async def as_csv(
    header: Sequence[str], pages: AsyncIterator[list[Sequence[Cell]]]
) -> AsyncIterator[bytes]:
    """UTF-8 with a byte-order mark (so Excel reads Cyrillic right), a page at a time."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    yield ("\ufeff" + out.getvalue()).encode()
    async for page in pages:
        out.seek(0)
        out.truncate()
        writer.writerows(["" if v is None else v for v in row] for row in page)
        yield out.getvalue().encode()


async def as_xlsx(
    name: str, header: Sequence[str], pages: AsyncIterator[list[Sequence[Cell]]]
) -> bytes:
    """An XLSX workbook (XlsxWriter builds it whole: a workbook is a ZIP written at the end)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, list(header), book.add_format({"bold": True}))
    number = 1
    async for page in pages:
        for row in page:
            for column, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(number, column, value)
                elif value is not None:
                    sheet.write_number(number, column, value)
            number += 1
    book.close()
    return out.getvalue()
