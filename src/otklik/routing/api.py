"""Escalate, hand back, transfer; the escalation history of a conversation."""

from __future__ import annotations

from fastapi import APIRouter

from otklik.accounts.deps import CurrentAgent
from otklik.conversations.schemas import ConversationOut
from otklik.core.deps import DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Items
from otklik.routing import service
from otklik.routing.schemas import EscalateIn, EscalationOut, HandBackIn, TransferIn

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["routing"])


@router.post("/conversations/{conversation_id}/escalate", response_model=ConversationOut)
async def escalate(
    conversation_id: int, body: EscalateIn, agent: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.escalate(
        session,
        actor_id=agent.id,
        conversation_id=conversation_id,
        to_team_id=body.to_team_id,
        reason=body.reason,
        hand_back=body.hand_back,
    )


@router.post("/conversations/{conversation_id}/hand-back", response_model=ConversationOut)
async def hand_back(
    conversation_id: int, body: HandBackIn, agent: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.hand_back(
        session, actor_id=agent.id, conversation_id=conversation_id, note=body.note
    )


@router.post("/conversations/{conversation_id}/transfer", response_model=ConversationOut)
async def transfer(
    conversation_id: int, body: TransferIn, agent: CurrentAgent, session: DbSession
) -> ConversationOut:
    return await service.transfer(
        session,
        actor_id=agent.id,
        conversation_id=conversation_id,
        agent_id=body.agent_id,
        team_id=body.team_id,
        fields=set(body.model_fields_set),
        note=body.note,
    )


@router.get("/conversations/{conversation_id}/escalations", response_model=Items[EscalationOut])
async def escalations(
    conversation_id: int, _: CurrentAgent, session: DbSession
) -> Items[EscalationOut]:
    return Items(items=await service.list_escalations(session, conversation_id=conversation_id))
