"""Admins' endpoints for outgoing webhooks and their delivery log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from otklik.accounts.deps import AdminAgent
from otklik.core.deps import AppSettings, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.webhooks import service
from otklik.webhooks.schemas import (
    WEBHOOK_EVENTS,
    DeliveryOut,
    DeliveryPage,
    EndpointCreate,
    EndpointOut,
    EndpointUpdate,
)

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["webhooks"])


@router.get("/webhooks/events", response_model=Items[str])
async def list_events(_: AdminAgent) -> Items[str]:
    return Items(items=list(WEBHOOK_EVENTS))


@router.get("/webhooks", response_model=Items[EndpointOut])
async def list_endpoints(_: AdminAgent, session: DbSession) -> Items[EndpointOut]:
    endpoints = await service.list_endpoints(session)
    return Items(items=[service.endpoint_out(e) for e in endpoints])


@router.post("/webhooks", response_model=EndpointOut, status_code=201)
async def create_endpoint(
    body: EndpointCreate, admin: AdminAgent, session: DbSession, settings: AppSettings
) -> EndpointOut:
    return await service.create_endpoint(session, data=body, actor_id=admin.id, settings=settings)


@router.get("/webhooks/{endpoint_id}", response_model=EndpointOut)
async def get_endpoint(endpoint_id: Id, _: AdminAgent, session: DbSession) -> EndpointOut:
    return service.endpoint_out(await service.get_endpoint(session, endpoint_id))


@router.patch("/webhooks/{endpoint_id}", response_model=EndpointOut)
async def update_endpoint(
    endpoint_id: Id,
    body: EndpointUpdate,
    admin: AdminAgent,
    session: DbSession,
    settings: AppSettings,
) -> EndpointOut:
    return await service.update_endpoint(
        session, endpoint_id=endpoint_id, data=body, actor_id=admin.id, settings=settings
    )


@router.post("/webhooks/{endpoint_id}/secret", response_model=EndpointOut)
async def rotate_secret(
    endpoint_id: Id, admin: AdminAgent, session: DbSession, settings: AppSettings
) -> EndpointOut:
    """A new signing secret (in this answer only); the receiver must be given it."""
    return await service.rotate_secret(
        session, endpoint_id=endpoint_id, actor_id=admin.id, settings=settings
    )


@router.delete("/webhooks/{endpoint_id}", status_code=204)
async def delete_endpoint(endpoint_id: Id, admin: AdminAgent, session: DbSession) -> Response:
    await service.delete_endpoint(session, endpoint_id=endpoint_id, actor_id=admin.id)
    return Response(status_code=204)


@router.get("/webhooks/{endpoint_id}/deliveries", response_model=DeliveryPage)
async def list_deliveries(
    endpoint_id: Id,
    _: AdminAgent,
    session: DbSession,
    before_id: Annotated[Id | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> DeliveryPage:
    return await service.list_deliveries(
        session, endpoint_id=endpoint_id, before_id=before_id, limit=limit
    )


@router.post(
    "/webhooks/deliveries/{delivery_id}/resend", response_model=DeliveryOut, status_code=201
)
async def resend(delivery_id: Id, _: AdminAgent, session: DbSession) -> DeliveryOut:
    return service.delivery_out(await service.resend(session, delivery_id=delivery_id))
