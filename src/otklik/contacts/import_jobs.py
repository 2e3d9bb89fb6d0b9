"""The ``contacts.import`` job: a file's rows (contacts or companies) checked and upserted a
batch at a time, each batch in its own transaction with the import's progress, so the
wizard's bar moves.

A batch's checks (email-validator, phonenumbers, the fields' model, the search terms) run
in a thread, off the worker's event loop. On PostgreSQL the next batch is checked while this
one is written — the server works while Python checks; on SQLite, whose writes are this
process's CPU too, that only made the two threads contend (bench/RESULTS.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.attributes.converting import AttributeKind, kinds
from otklik.contacts import company_import, import_files, import_writing, importing
from otklik.contacts.models import ContactImport
from otklik.contacts.schemas import RowError
from otklik.jobs.housekeeping import prune_step
from otklik.jobs.registry import IOJobContext, JobContext, io_job

#: Rows per transaction: fewer, larger batches are fewer round trips (measured on
#: PostgreSQL: 5,000 rows a batch took half the time of 1,000 on a busy machine).
BATCH = 5000
R = TypeVar("R")
Numbered = list[tuple[int, list[str]]]


@dataclass(slots=True)
class Checked(Generic[R]):
    """A batch's rows that passed the checks, and the errors of those that did not."""

    size: int
    rows: list[R] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class Importer(Protocol[R]):
    def check(self, batch: Numbered) -> Checked[R]:
        """The batch's rows checked: no database, safe to run in a thread."""
        ...

    async def write(
        self, session: AsyncSession, checked: Checked[R], *, write: bool
    ) -> importing.Outcome:
        """Upsert the checked rows (``write=False``: count only)."""
        ...


@dataclass(slots=True)
class Contacts:
    header: Sequence[str]
    mapping: dict[str, str]
    kinds: Mapping[str, AttributeKind]
    seen: importing.Seen = field(default_factory=importing.Seen)

    def check(self, batch: Numbered) -> Checked[importing.Row]:
        checked = Checked[importing.Row](size=len(batch))
        for number, values in batch:
            row, errors = importing.parse_row(number, values, self.header, self.mapping, self.kinds)
            if row is not None:
                checked.rows.append(row)
            checked.errors += errors
        return checked

    async def write(
        self, session: AsyncSession, checked: Checked[importing.Row], *, write: bool
    ) -> importing.Outcome:
        return await import_writing.apply_batch(session, checked.rows, self.seen, write=write)


@dataclass(slots=True)
class Companies:
    header: Sequence[str]
    mapping: dict[str, str]
    seen: company_import.CompanySeen = field(default_factory=company_import.CompanySeen)

    def check(self, batch: Numbered) -> Checked[company_import.CompanyRow]:
        checked = Checked[company_import.CompanyRow](size=len(batch))
        for number, values in batch:
            row, errors = company_import.parse_row(number, values, self.header, self.mapping)
            if row is not None:
                checked.rows.append(row)
            checked.errors += errors
        return checked

    async def write(
        self, session: AsyncSession, checked: Checked[company_import.CompanyRow], *, write: bool
    ) -> importing.Outcome:
        return await company_import.apply_batch(session, checked.rows, self.seen, write=write)


def _numbered(reader: Iterator[list[str]], start: int) -> Iterator[tuple[int, list[str]]]:
    """The non-empty data rows with their numbers (1: the first after the header), from
    the ``start``-th on (a run after a worker died goes on where the last batch ended)."""
    numbered = (
        (number, values)
        for number, values in enumerate(reader, start=1)
        if any(v.strip() for v in values)
    )
    for _ in islice(numbered, start):
        pass
    return numbered


async def _run(
    ctx: IOJobContext,
    import_id: int,
    importer: Importer[R],
    numbered: Iterator[tuple[int, list[str]]],
    *,
    dry_run: bool,
) -> None:
    def take() -> Checked[R] | None:
        batch = list(islice(numbered, BATCH))
        return importer.check(batch) if batch else None

    overlap = not ctx.db.is_sqlite
    pending = asyncio.ensure_future(asyncio.to_thread(take))
    try:
        while (checked := await pending) is not None:
            if overlap:
                pending = asyncio.ensure_future(asyncio.to_thread(take))
            async with ctx.db.session(write=True) as session:
                outcome = await importer.write(session, checked, write=not dry_run)
                outcome.errors = sorted([*checked.errors, *outcome.errors], key=lambda e: e.row)
                record = await importing.get_import(session, import_id)
                importing.record_batch(record, checked.size, outcome)
            if not overlap:
                pending = asyncio.ensure_future(asyncio.to_thread(take))
    finally:
        if not pending.done():
            await asyncio.wait([pending])  # the thread reads the file: let it end first


@io_job(importing.IMPORT_JOB)
async def run_import(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    import_id = int(payload["import_id"])
    async with ctx.db.session(write=True) as session:
        record = await session.get(ContactImport, import_id)
        if record is None or record.state in ("done", "failed") or record.content is None:
            return
        await importing.set_running(session, import_id)
        text, mapping, dry_run = record.content, dict(record.mapping), record.dry_run
        start, kind = record.done, record.kind
        typed = await kinds(session, "contact")
    header, reader = import_files.read_rows(text)
    numbered = _numbered(reader, start)
    importer: Importer[Any] = (
        Companies(header, mapping) if kind == "companies" else Contacts(header, mapping, typed)
    )
    try:
        await _run(ctx, import_id, importer, numbered, dry_run=dry_run)
    except Exception as exc:
        async with ctx.db.session(write=True) as session:
            record = await importing.get_import(session, import_id)
            importing.mark_failed(record, str(exc) or type(exc).__name__)
        raise
    async with ctx.db.session(write=True) as session:
        importing.mark_finished(await importing.get_import(session, import_id))


@prune_step
async def prune_imports(ctx: JobContext) -> None:
    await importing.prune_old(ctx.session)
