"""Admins' import and export of contacts and companies (CSV or XLSX).

Declared before ``contacts.api``'s ``/contacts/{contact_id}`` routes, which would otherwise
take ``/contacts/export`` and ``/contacts/imports`` for a contact id."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from otklik.accounts.deps import AdminAgent, admin_agent, current_caller
from otklik.contacts import company_import, exporting, import_files, importing
from otklik.contacts.listing import Filters
from otklik.contacts.schemas import ImportColumnsOut, ImportOut
from otklik.core.db import Database
from otklik.core.deps import DbSession
from otklik.core.errors import invalid
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["contacts"])
#: Exports read page by page in sessions of their own while the response streams.
exports = APIRouter(prefix="/api/v1", tags=["contacts"])
Format = Literal["csv", "xlsx"]
ImportKind = Literal["contacts", "companies"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _require_admin(request: Request) -> Database:
    db: Database = request.app.state.db
    async with db.session(write=False) as session:
        await admin_agent(await current_caller(request, session))
    return db


def _file(
    name: str,
    format: Format,
    header: tuple[str, ...],
    pages: AsyncIterator[list[Sequence[exporting.Cell]]],
) -> StreamingResponse:
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    if format == "csv":
        return StreamingResponse(
            exporting.as_csv(header, pages),
            media_type="text/csv; charset=utf-8",
            headers=disposition,
        )

    async def whole() -> AsyncIterator[bytes]:
        yield await exporting.as_xlsx(name, header, pages)

    return StreamingResponse(whole(), media_type=XLSX, headers=disposition)


@exports.get("/contacts/export", response_class=StreamingResponse)
async def export_contacts(
    request: Request,
    format: Format = "csv",
    q: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    company_id: Annotated[int | None, Query(ge=1)] = None,
    verified: bool | None = None,
    seen_after: datetime | None = None,
    seen_before: datetime | None = None,
) -> StreamingResponse:
    """Every contact the list's filters find, newest first."""
    db = await _require_admin(request)
    filters = Filters(
        q=q,
        tag=tag,
        company_id=company_id,
        verified=verified,
        seen_after=seen_after,
        seen_before=seen_before,
    )
    pages = exporting.contact_rows(db, filters)
    return _file("contacts", format, exporting.CONTACT_COLUMNS, pages)


@exports.get("/companies/export", response_class=StreamingResponse)
async def export_companies(request: Request, format: Format = "csv") -> StreamingResponse:
    db = await _require_admin(request)
    return _file("companies", format, exporting.COMPANY_COLUMNS, exporting.company_rows(db))


@router.post("/contacts/imports", response_model=ImportOut, status_code=202)
async def start_import(
    admin: AdminAgent,
    session: DbSession,
    file: Annotated[UploadFile, File()],
    mapping: Annotated[str, Form(max_length=20_000)],
    dry_run: Annotated[bool, Form()] = False,
    kind: Annotated[ImportKind, Form()] = "contacts",
) -> ImportOut:
    """Upload a CSV or XLSX file with ``mapping`` (JSON: column → field); poll the import
    for its progress. ``dry_run``: check every row and count what would change, write
    nothing. ``kind``: the rows are ``contacts`` (default) or ``companies``."""
    try:
        parsed = json.loads(mapping)
    except ValueError as exc:
        raise invalid("mapping must be JSON: an object of column → field.") from exc
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise invalid("mapping must be an object of column → field.")
    data = await file.read(import_files.MAX_IMPORT_BYTES + 1)
    record = await importing.start_import(
        session,
        data=data,
        filename=file.filename,
        mapping=parsed,
        dry_run=dry_run,
        actor_id=admin.id,
        kind=kind,
        checked=company_import.check_mapping if kind == "companies" else importing.check_mapping,
    )
    return importing.import_out(record)


@router.post("/contacts/imports/columns", response_model=ImportColumnsOut)
async def import_columns(_: AdminAgent, file: Annotated[UploadFile, File()]) -> ImportColumnsOut:
    """The columns a CSV or XLSX file's header row names, for the wizard to map."""
    data = await file.read(import_files.MAX_IMPORT_BYTES + 1)
    return ImportColumnsOut(columns=await importing.file_columns(data))


@router.get("/contacts/imports/{import_id}", response_model=ImportOut)
async def get_import(import_id: Id, _: AdminAgent, session: DbSession) -> ImportOut:
    return importing.import_out(await importing.get_import(session, import_id))
