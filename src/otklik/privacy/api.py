"""Personal data, for admins: export a contact's data, erase a contact, retention."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from otklik.accounts.deps import AdminAgent, admin_agent, current_caller
from otklik.core.db import Database
from otklik.core.deps import AppSettings, ClientIp, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.privacy import exports, service
from otklik.privacy.schemas import EraseIn, ErasureOut, ExportOut, RetentionIn, RetentionOut

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["privacy"])
#: The download opens its own write session (below), outside the per-request transaction.
downloads = APIRouter(prefix="/api/v1", tags=["privacy"])


@router.post("/contacts/{contact_id}/privacy/exports", response_model=ExportOut, status_code=202)
async def request_export(
    contact_id: Id, admin: AdminAgent, session: DbSession, ip: ClientIp
) -> ExportOut:
    """Start building the ZIP; poll the export until ``state`` is ``ready``."""
    return await exports.request_export(session, contact_id=contact_id, actor_id=admin.id, ip=ip)


@router.get("/contacts/{contact_id}/privacy/exports", response_model=Items[ExportOut])
async def list_exports(contact_id: Id, _: AdminAgent, session: DbSession) -> Items[ExportOut]:
    return Items(items=await exports.list_exports(session, contact_id=contact_id))


@router.get("/privacy/exports/{export_id}", response_model=ExportOut)
async def get_export(export_id: Id, _: AdminAgent, session: DbSession) -> ExportOut:
    return await exports.get_export(session, export_id=export_id)


@downloads.get(
    "/privacy/exports/{export_id}/download",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}, 404: {}, 409: {}},
)
async def download_export(
    export_id: Id, request: Request, settings: AppSettings, ip: ClientIp
) -> FileResponse:
    """The ZIP, for admins (token or cookie: a plain link works). A GET that writes: the
    audit log records every download, so it runs on the write connection."""
    db: Database = request.app.state.db
    async with db.session(write=True) as session:
        admin = await admin_agent(await current_caller(request, session))
        path, filename = await exports.download(
            session, settings=settings, export_id=export_id, actor_id=admin.id, ip=ip
        )
    return FileResponse(path, media_type="application/zip", filename=filename)


@router.post("/contacts/{contact_id}/privacy/erase", response_model=ErasureOut)
async def erase_contact(
    contact_id: Id,
    body: EraseIn,
    admin: AdminAgent,
    session: DbSession,
    settings: AppSettings,
    ip: ClientIp,
) -> ErasureOut:
    """Erase the contact: messages stay (anonymised, on an anonymous contact) for the
    statistics; everything personal goes. Irreversible."""
    return await service.erase_contact(
        session,
        settings=settings,
        contact_id=contact_id,
        confirm_contact_id=body.confirm_contact_id,
        actor_id=admin.id,
        ip=ip,
    )


@router.get("/privacy/settings", response_model=RetentionOut)
async def get_retention(_: AdminAgent, session: DbSession) -> RetentionOut:
    return await service.retention(session)


@router.put("/privacy/settings", response_model=RetentionOut)
async def put_retention(
    body: RetentionIn, admin: AdminAgent, session: DbSession, ip: ClientIp
) -> RetentionOut:
    return await service.set_retention(
        session, months=body.retention_months, actor_id=admin.id, ip=ip
    )
