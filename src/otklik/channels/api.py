"""Inbox settings (admins) and the list every operator sees."""

from __future__ import annotations

from fastapi import APIRouter

from otklik.accounts import inbox_members
from otklik.accounts.deps import AdminAgent, CurrentAgent
from otklik.channels import service
from otklik.channels.schemas import InboxCreate, InboxMembers, InboxOut, InboxUpdate
from otklik.core.crypto import SecretBox
from otklik.core.deps import AppSettings, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["inboxes"])


@router.get("/inboxes", response_model=Items[InboxOut])
async def list_inboxes(agent: CurrentAgent, session: DbSession) -> Items[InboxOut]:
    """Every inbox (operators need their names and looks); its channel configuration
    (hosts, account names, webhook addresses) and health (errors name them too) only for
    admins, who manage it."""
    items = [service.inbox_out(i) for i in await service.list_inboxes(session)]
    if agent.role != "admin":
        items = [item.model_copy(update={"config": {}, "health": None}) for item in items]
    return Items(items=items)


@router.post("/inboxes", response_model=InboxOut, status_code=201)
async def create_inbox(
    body: InboxCreate, admin: AdminAgent, session: DbSession, settings: AppSettings
) -> InboxOut:
    box = SecretBox(settings.resolved_secret_key())
    inbox = await service.create_inbox(session, data=body, actor_id=admin.id, box=box)
    return service.inbox_out(inbox)


@router.patch("/inboxes/{inbox_id}", response_model=InboxOut)
async def update_inbox(
    inbox_id: Id, body: InboxUpdate, admin: AdminAgent, session: DbSession, settings: AppSettings
) -> InboxOut:
    box = SecretBox(settings.resolved_secret_key())
    inbox = await service.update_inbox(
        session, inbox_id=inbox_id, data=body, actor_id=admin.id, box=box
    )
    return service.inbox_out(inbox)


@router.get("/inboxes/{inbox_id}/members", response_model=InboxMembers)
async def get_members(inbox_id: Id, _: AdminAgent, session: DbSession) -> InboxMembers:
    """The operators who answer this inbox (supervisors and agents see only its members'
    inboxes' conversations; admins see every inbox)."""
    await service.get_inbox(session, inbox_id)
    return InboxMembers(agent_ids=await inbox_members.members_of(session, inbox_id=inbox_id))


@router.put("/inboxes/{inbox_id}/members", response_model=InboxMembers)
async def set_members(
    inbox_id: Id, body: InboxMembers, admin: AdminAgent, session: DbSession
) -> InboxMembers:
    await service.get_inbox(session, inbox_id)
    agent_ids = await inbox_members.set_members(
        session, inbox_id=inbox_id, agent_ids=body.agent_ids, actor_id=admin.id
    )
    return InboxMembers(agent_ids=agent_ids)
