"""Attribute definitions (admins) and setting values on conversations and contacts."""

from __future__ import annotations

from fastapi import APIRouter, Response

from otklik.accounts.deps import AdminAgent, CurrentAgent
from otklik.attributes import service
from otklik.attributes.schemas import (
    DefinitionIn,
    DefinitionOut,
    DefinitionUpdate,
    Entity,
    ValuesIn,
)
from otklik.contacts.schemas import ContactOut
from otklik.conversations.schemas import ConversationOut
from otklik.core.deps import DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["attributes"])


@router.get("/attribute-definitions", response_model=Items[DefinitionOut])
async def list_definitions(
    _: CurrentAgent, session: DbSession, entity: Entity | None = None
) -> Items[DefinitionOut]:
    return Items(items=await service.list_definitions(session, entity=entity))


@router.post("/attribute-definitions", response_model=DefinitionOut, status_code=201)
async def create_definition(
    body: DefinitionIn, admin: AdminAgent, session: DbSession
) -> DefinitionOut:
    definition = await service.create_definition(session, data=body, actor_id=admin.id)
    return service.definition_out(definition)


@router.patch("/attribute-definitions/{definition_id}", response_model=DefinitionOut)
async def update_definition(
    definition_id: Id, body: DefinitionUpdate, admin: AdminAgent, session: DbSession
) -> DefinitionOut:
    definition = await service.update_definition(
        session, definition_id=definition_id, data=body, actor_id=admin.id
    )
    return service.definition_out(definition)


@router.delete("/attribute-definitions/{definition_id}", status_code=204)
async def delete_definition(definition_id: Id, admin: AdminAgent, session: DbSession) -> Response:
    await service.delete_definition(session, definition_id=definition_id, actor_id=admin.id)
    return Response(status_code=204)


@router.put("/conversations/{conversation_id}/attributes", response_model=ConversationOut)
async def set_conversation_attributes(
    conversation_id: Id, body: ValuesIn, _: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.set_conversation_values(
        session, conversation_id=conversation_id, values=body.values
    )


@router.put("/contacts/{contact_id}/attributes", response_model=ContactOut)
async def set_contact_attributes(
    contact_id: Id, body: ValuesIn, _: CurrentAgent, session: DbSession
) -> ContactOut:
    return await service.set_contact_values(session, contact_id=contact_id, values=body.values)
