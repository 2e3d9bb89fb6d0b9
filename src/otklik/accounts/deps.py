"""Who is calling: an agent's sign-in (session cookie or bearer token) or an API token.

Resolving the caller also binds their access scope to the request's database session
(``accounts/access.py``): from there on every query of conversations the services run for
this request sees only what the caller may see."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access, policy, sessions, tokens, twofactor
from otklik.accounts.models import Agent, ApiToken, AuthSession
from otklik.accounts.throttle import ThrottlePolicy
from otklik.config import Settings
from otklik.core import security
from otklik.core.db import Database
from otklik.core.deps import DbSession
from otklik.core.errors import AppError, forbidden, unauthorized
from otklik.core.routing import SAFE_METHODS

SESSION_COOKIE = "otklik_session"
CSRF_COOKIE = "otklik_csrf"
CSRF_HEADER = "X-CSRF-Token"
#: What a sign-in whose role must use 2FA may reach before 2FA is on: its own security
#: settings (and /auth/me, /auth/logout).
SETUP_PATHS = "/api/v1/auth/"


@dataclass(frozen=True, slots=True)
class Caller:
    agent: Agent
    #: The sign-in, or ``None`` for an API token.
    auth_session: AuthSession | None = None
    api_token: ApiToken | None = None


@dataclass(frozen=True, slots=True)
class SessionCaller:
    """A caller signed in as a person (API tokens may not manage sign-ins)."""

    agent: Agent
    auth_session: AuthSession


def throttle_policy(settings: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        free=settings.login_free_attempts,
        backoff_seconds=settings.login_backoff_seconds,
        backoff_max_seconds=settings.login_backoff_max_seconds,
        ip_failures_per_hour=settings.login_ip_failures_per_hour,
    )


def session_policy(settings: Settings) -> sessions.SessionPolicy:
    return sessions.SessionPolicy(
        days=settings.session_days, idle_hours=settings.session_idle_hours
    )


async def current_client(request: Request) -> sessions.Client:
    return _client(request)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def _write(
    request: Request, session: AsyncSession, work: Callable[[AsyncSession], Awaitable[None]]
) -> None:
    """Run a small bookkeeping write (last seen, last used): in the request's transaction
    when it is a write, else in a short one of its own (a read holds no writer)."""
    if request.method not in SAFE_METHODS and getattr(request.state, "db_session", None) is session:
        await work(session)
        return
    db: Database = request.app.state.db
    async with db.session(write=True) as own:
        await work(own)


def _client(request: Request) -> sessions.Client:
    ip = request.client.host if request.client else "unknown"
    return sessions.Client(ip=ip, user_agent=request.headers.get("user-agent"))


async def current_caller(request: Request, session: DbSession) -> Caller:
    settings: Settings = request.app.state.settings
    client = _client(request)
    token = bearer_token(request)
    from_cookie = token is None
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise unauthorized()
    if tokens.is_api_token(token):
        return await _token_caller(request, session, token, from_cookie=from_cookie)
    found = await sessions.resolve_token(session, token, idle=session_policy(settings).idle)
    if found is None:
        raise unauthorized("Your session has ended. Sign in again.")
    agent, auth_session = found
    if from_cookie and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not security.same(sent, auth_session.csrf_token):
            raise AppError(403, "csrf_failed", f"The {CSRF_HEADER} header is missing or wrong.")
    if sessions.needs_touch(auth_session):

        async def touch(s: AsyncSession) -> None:
            await sessions.touch(s, auth_session_id=auth_session.id, client=client)

        await _write(request, session, touch)
    if twofactor.setup_required(
        agent, await policy.required_2fa_roles(session, settings)
    ) and not request.url.path.startswith(SETUP_PATHS):
        raise AppError(
            403,
            "two_factor_setup_required",
            "Your role must use two-factor sign-in. Turn it on in your security settings.",
        )
    access.bind(session, await access.scope_of(session, agent))
    return Caller(agent=agent, auth_session=auth_session)


async def _token_caller(
    request: Request, session: AsyncSession, token: str, *, from_cookie: bool
) -> Caller:
    found = None if from_cookie else await tokens.resolve_api_token(session, token)
    if found is None:
        raise unauthorized("This API token is not valid: revoked, expired or mistyped.")
    agent, row = found
    if row.scope == "read" and request.method not in SAFE_METHODS:
        raise AppError(403, "token_scope", "This API token may only read.")
    if tokens.needs_touch(row):

        async def touch(s: AsyncSession) -> None:
            await tokens.touch(s, token_id=row.id)

        await _write(request, session, touch)
    access.bind(session, await access.scope_of(session, agent))
    return Caller(agent=agent, api_token=row)


async def current_agent(caller: Annotated[Caller, Depends(current_caller)]) -> Agent:
    return caller.agent


async def session_caller(caller: Annotated[Caller, Depends(current_caller)]) -> SessionCaller:
    if caller.auth_session is None:
        raise AppError(403, "session_required", "Sign in as a person for this; tokens may not.")
    return SessionCaller(agent=caller.agent, auth_session=caller.auth_session)


async def admin_agent(caller: Annotated[Caller, Depends(current_caller)]) -> Agent:
    if caller.agent.role != "admin":
        raise forbidden("Only admins may do this.")
    if caller.api_token is not None and caller.api_token.scope != "admin":
        raise AppError(403, "token_scope", "This API token may not change settings.")
    return caller.agent


async def admin_session(
    caller: Annotated[SessionCaller, Depends(session_caller)],
    _: Annotated[Agent, Depends(admin_agent)],
) -> SessionCaller:
    """An admin signed in as a person (managing tokens and other people's sign-ins)."""
    return caller


CurrentClient = Annotated[sessions.Client, Depends(current_client)]
CurrentCaller = Annotated[Caller, Depends(current_caller)]
CurrentSession = Annotated[SessionCaller, Depends(session_caller)]
CurrentAgent = Annotated[Agent, Depends(current_agent)]
AdminAgent = Annotated[Agent, Depends(admin_agent)]
AdminSession = Annotated[SessionCaller, Depends(admin_session)]
