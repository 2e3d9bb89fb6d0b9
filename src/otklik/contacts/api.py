"""Operator endpoints for contacts."""

from __future__ import annotations

from fastapi import APIRouter

from otklik.accounts.deps import CurrentAgent
from otklik.contacts import service
from otklik.contacts.schemas import ContactOut
from otklik.conversations import service as conversations
from otklik.conversations.schemas import ConversationOut
from otklik.core.deps import DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["contacts"])


@router.get("/contacts/{contact_id}", response_model=ContactOut)
async def get_contact(contact_id: Id, _: CurrentAgent, session: DbSession) -> ContactOut:
    await conversations.require_contact(session, contact_id=contact_id)
    return service.contact_out(await service.get_contact(session, contact_id))


@router.get("/contacts/{contact_id}/conversations", response_model=Items[ConversationOut])
async def contact_conversations(
    contact_id: Id, _: CurrentAgent, session: DbSession
) -> Items[ConversationOut]:
    await service.get_contact(session, contact_id)
    await conversations.require_contact(session, contact_id=contact_id)
    return Items(items=await conversations.contact_conversations(session, contact_id=contact_id))
