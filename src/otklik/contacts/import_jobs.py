"""The ``contacts.import`` job: a file's rows (contacts or companies) checked and upserted a
batch at a time, each batch in its own transaction with the import's progress, so the
wizard's bar moves."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.attributes.converting import kinds
from otklik.contacts import company_import, import_files, importing
from otklik.contacts.models import ContactImport
from otklik.contacts.schemas import RowError
from otklik.jobs.housekeeping import prune_step
from otklik.jobs.registry import IOJobContext, JobContext, io_job

BATCH = 1000


class Batches(Protocol):
    """Checks a batch of a file's rows and upserts those without errors."""

    async def __call__(
        self, session: AsyncSession, batch: list[tuple[int, list[str]]], *, write: bool
    ) -> importing.Outcome: ...


def _contacts(header: Sequence[str], mapping: dict[str, str]) -> Batches:
    seen = importing.Seen()

    async def apply(
        session: AsyncSession, batch: list[tuple[int, list[str]]], *, write: bool
    ) -> importing.Outcome:
        typed = await kinds(session, "contact")
        rows: list[importing.Row] = []
        errors: list[RowError] = []
        for number, values in batch:
            row, row_errors = importing.parse_row(number, values, header, mapping, typed)
            if row is not None:
                rows.append(row)
            else:
                errors.extend(row_errors)
        outcome = await importing.apply_batch(session, rows, seen, write=write)
        outcome.errors = sorted([*errors, *outcome.errors], key=lambda e: e.row)
        return outcome

    return apply


def _companies(header: Sequence[str], mapping: dict[str, str]) -> Batches:
    seen = company_import.CompanySeen()

    async def apply(
        session: AsyncSession, batch: list[tuple[int, list[str]]], *, write: bool
    ) -> importing.Outcome:
        rows: list[company_import.CompanyRow] = []
        errors: list[RowError] = []
        for number, values in batch:
            row, row_errors = company_import.parse_row(number, values, header, mapping)
            if row is not None:
                rows.append(row)
            else:
                errors.extend(row_errors)
        outcome = await company_import.apply_batch(session, rows, seen, write=write)
        outcome.errors = sorted([*errors, *outcome.errors], key=lambda e: e.row)
        return outcome

    return apply


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
    header, reader = import_files.read_rows(text)
    numbered = _numbered(reader, start)
    apply = (_companies if kind == "companies" else _contacts)(header, mapping)
    try:
        while batch := list(islice(numbered, BATCH)):
            async with ctx.db.session(write=True) as session:
                outcome = await apply(session, batch, write=not dry_run)
                record = await importing.get_import(session, import_id)
                importing.record_batch(record, len(batch), outcome)
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
