"""Who is calling: the signed-in agent, from a bearer token or the session cookie."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from otklik.accounts import service
from otklik.accounts.models import Agent, AuthSession
from otklik.core import security
from otklik.core.deps import DbSession
from otklik.core.errors import AppError, forbidden, unauthorized
from otklik.core.routing import SAFE_METHODS

SESSION_COOKIE = "otklik_session"
CSRF_COOKIE = "otklik_csrf"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True, slots=True)
class Caller:
    agent: Agent
    auth_session: AuthSession


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def current_caller(request: Request, session: DbSession) -> Caller:
    token = bearer_token(request)
    from_cookie = token is None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise unauthorized()
    found = await service.resolve_token(session, token)
    if found is None:
        raise unauthorized("Your session has ended. Sign in again.")
    agent, auth_session = found
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not security.same(sent, auth_session.csrf_token):
            raise AppError(403, "csrf_failed", f"The {CSRF_HEADER} header is missing or wrong.")
    return Caller(agent=agent, auth_session=auth_session)


async def current_agent(caller: Annotated[Caller, Depends(current_caller)]) -> Agent:
    return caller.agent


async def admin_agent(agent: Annotated[Agent, Depends(current_agent)]) -> Agent:
    if agent.role != "admin":
        raise forbidden("Only admins may do this.")
    return agent


CurrentCaller = Annotated[Caller, Depends(current_caller)]
CurrentAgent = Annotated[Agent, Depends(current_agent)]
AdminAgent = Annotated[Agent, Depends(admin_agent)]
