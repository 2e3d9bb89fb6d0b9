"""The ``contacts.import`` job: a file's rows checked and upserted a batch at a time, each
batch in its own transaction with the import's progress, so the wizard's bar moves."""

from __future__ import annotations

from itertools import islice
from typing import Any

from otklik.contacts import importing
from otklik.contacts.models import ContactImport
from otklik.contacts.schemas import RowError
from otklik.jobs.housekeeping import prune_step
from otklik.jobs.registry import IOJobContext, JobContext, io_job

BATCH = 1000


@io_job(importing.IMPORT_JOB)
async def run_import(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    import_id = int(payload["import_id"])
    async with ctx.db.session(write=True) as session:
        record = await session.get(ContactImport, import_id)
        if record is None or record.state in ("done", "failed") or record.content is None:
            return
        await importing.set_running(session, import_id)
        text, mapping, dry_run = record.content, dict(record.mapping), record.dry_run
        start = record.done  # a run after a worker died goes on where the last batch ended
    header, reader = importing.read_rows(text)
    numbered = (
        (number, values)
        for number, values in enumerate(reader, start=1)
        if any(v.strip() for v in values)
    )
    for _ in islice(numbered, start):
        pass
    seen = importing.Seen()
    try:
        while batch := list(islice(numbered, BATCH)):
            rows: list[importing.Row] = []
            errors: list[RowError] = []
            for number, values in batch:
                row, row_errors = importing.parse_row(number, values, header, mapping)
                if row is not None:
                    rows.append(row)
                else:
                    errors.extend(row_errors)
            async with ctx.db.session(write=True) as session:
                outcome = await importing.apply_batch(session, rows, seen, write=not dry_run)
                outcome.errors = sorted([*errors, *outcome.errors], key=lambda e: e.row)
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
