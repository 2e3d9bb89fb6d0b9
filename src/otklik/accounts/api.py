"""Agents and teams (sign-in and one's own security settings are in ``auth_api.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from otklik.accounts import service
from otklik.accounts.deps import AdminAgent, AdminSession, CurrentAgent, CurrentCaller
from otklik.accounts.schemas import (
    AgentCreate,
    AgentOut,
    AgentUpdate,
    StatusIn,
    TeamCreate,
    TeamOut,
    TeamUpdate,
)
from otklik.core.deps import AppSettings, ClientIp, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Items

AgentId = Annotated[int, Path(ge=1, le=2**63 - 1)]

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["agents"])


@router.get("/agents", response_model=Items[AgentOut])
async def list_agents(_: CurrentAgent, session: DbSession) -> Items[AgentOut]:
    return Items(items=await service.list_agents(session))


@router.post("/agents", response_model=AgentOut, status_code=201)
async def create_agent(
    body: AgentCreate, admin: AdminAgent, session: DbSession, settings: AppSettings, ip: ClientIp
) -> AgentOut:
    agent = await service.create_agent(
        session,
        data=body,
        actor_id=admin.id,
        ip=ip,
        min_password_length=settings.password_min_length,
    )
    return await service.describe_agent(session, agent)


@router.put("/agents/me/status", response_model=AgentOut)
async def set_my_status(body: StatusIn, agent: CurrentAgent, session: DbSession) -> AgentOut:
    await service.set_status(session, agent=agent, status=body.status, reason=body.reason)
    return await service.describe_agent(session, agent)


@router.patch("/agents/{agent_id}", response_model=AgentOut)
async def update_agent(
    agent_id: int,
    body: AgentUpdate,
    caller: CurrentCaller,
    _: AdminAgent,
    session: DbSession,
    settings: AppSettings,
    ip: ClientIp,
) -> AgentOut:
    """A new ``password`` (or ``active: false``) ends every session of the agent but the
    caller's own."""
    agent = await service.update_agent(
        session,
        agent_id=agent_id,
        data=body,
        actor_id=caller.agent.id,
        ip=ip,
        actor_session_id=caller.auth_session.id if caller.auth_session else None,
        min_password_length=settings.password_min_length,
    )
    return await service.describe_agent(session, agent)


@router.delete("/agents/{agent_id}/2fa", response_model=AgentOut)
async def reset_two_factor(
    agent_id: AgentId, caller: AdminSession, session: DbSession, ip: ClientIp
) -> AgentOut:
    """Turn another agent's two-factor sign-in off (a lost phone); their sessions end."""
    agent = await service.reset_two_factor(
        session, agent_id=agent_id, actor_id=caller.agent.id, ip=ip
    )
    return await service.describe_agent(session, agent)


@router.post("/agents/{agent_id}/sign-out", status_code=204)
async def sign_out_agent(
    agent_id: AgentId, caller: AdminSession, session: DbSession, ip: ClientIp
) -> Response:
    """End every session of an agent (yours: every one but this)."""
    await service.sign_out_agent(
        session,
        agent_id=agent_id,
        actor_id=caller.agent.id,
        keep_session_id=caller.auth_session.id,
        ip=ip,
    )
    return Response(status_code=204)


@router.get("/teams", response_model=Items[TeamOut])
async def list_teams(_: CurrentAgent, session: DbSession) -> Items[TeamOut]:
    return Items(items=await service.list_teams(session))


@router.post("/teams", response_model=TeamOut, status_code=201)
async def create_team(body: TeamCreate, admin: AdminAgent, session: DbSession) -> TeamOut:
    team = await service.create_team(session, data=body, actor_id=admin.id)
    return await service.describe_team(session, team)


@router.patch("/teams/{team_id}", response_model=TeamOut)
async def update_team(
    team_id: int, body: TeamUpdate, admin: AdminAgent, session: DbSession
) -> TeamOut:
    team = await service.update_team(session, team_id=team_id, data=body, actor_id=admin.id)
    return await service.describe_team(session, team)
