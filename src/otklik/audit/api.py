"""The audit log, for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from otklik.accounts.deps import AdminAgent
from otklik.audit import service
from otklik.audit.schemas import AuditPage
from otklik.core.deps import DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["audit"])


@router.get("/audit", response_model=AuditPage)
async def audit_log(
    _: AdminAgent,
    session: DbSession,
    before: Annotated[Id | None, Query()] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AuditPage:
    return await service.list_entries(session, before=before, action=action, limit=limit)
