"""Sign-in, agents and teams."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from otklik.accounts import service
from otklik.accounts.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AdminAgent,
    CurrentAgent,
    CurrentCaller,
)
from otklik.accounts.schemas import (
    AgentCreate,
    AgentOut,
    AgentUpdate,
    LoginIn,
    LoginOut,
    StatusIn,
    TeamCreate,
    TeamOut,
    TeamUpdate,
)
from otklik.core.deps import AppSettings, ClientIp, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Items

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["agents"])


@router.post("/auth/login", response_model=LoginOut)
async def login(
    body: LoginIn, session: DbSession, settings: AppSettings, ip: ClientIp, response: Response
) -> LoginOut | JSONResponse:
    await service.check_login_rate(
        session, email=body.email, ip=ip, limit=settings.login_attempts_per_minute
    )
    signed_in = await service.sign_in(
        session, email=body.email, password=body.password, ip=ip, session_days=settings.session_days
    )
    if signed_in is None:
        # Returned, not raised: the failed attempt must be committed to count towards the limit.
        return JSONResponse(
            {"error": {"code": "invalid_credentials", "message": "Wrong email or password."}},
            status_code=401,
        )
    max_age = settings.session_days * 86400
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    response.set_cookie(
        CSRF_COOKIE,
        signed_in.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return LoginOut(
        token=signed_in.token,
        csrf_token=signed_in.csrf_token,
        agent=await service.describe_agent(session, signed_in.agent),
    )


@router.post("/auth/logout", status_code=204)
async def logout(caller: CurrentCaller, session: DbSession, response: Response) -> Response:
    await service.sign_out(session, auth_session_id=caller.auth_session.id)
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/auth/me", response_model=AgentOut)
async def me(agent: CurrentAgent, session: DbSession) -> AgentOut:
    return await service.describe_agent(session, agent)


@router.get("/agents", response_model=Items[AgentOut])
async def list_agents(_: CurrentAgent, session: DbSession) -> Items[AgentOut]:
    return Items(items=await service.list_agents(session))


@router.post("/agents", response_model=AgentOut, status_code=201)
async def create_agent(
    body: AgentCreate, admin: AdminAgent, session: DbSession, ip: ClientIp
) -> AgentOut:
    agent = await service.create_agent(session, data=body, actor_id=admin.id, ip=ip)
    return await service.describe_agent(session, agent)


@router.put("/agents/me/status", response_model=AgentOut)
async def set_my_status(body: StatusIn, agent: CurrentAgent, session: DbSession) -> AgentOut:
    await service.set_status(session, agent=agent, status=body.status)
    return await service.describe_agent(session, agent)


@router.patch("/agents/{agent_id}", response_model=AgentOut)
async def update_agent(
    agent_id: int, body: AgentUpdate, admin: AdminAgent, session: DbSession, ip: ClientIp
) -> AgentOut:
    agent = await service.update_agent(
        session, agent_id=agent_id, data=body, actor_id=admin.id, ip=ip
    )
    return await service.describe_agent(session, agent)


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
