"""Sign-in and each agent's own security settings: ``/api/v1/auth/...``; API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse

from otklik.accounts import policy, service, sessions, tokens, totp, twofactor
from otklik.accounts.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    AdminSession,
    CurrentCaller,
    CurrentClient,
    CurrentSession,
    session_policy,
    throttle_policy,
)
from otklik.accounts.schemas import (
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenOut,
    CodeIn,
    LoginIn,
    LoginOut,
    MeOut,
    PasswordChangeIn,
    PasswordConfirmIn,
    RecoveryCodesOut,
    SessionOut,
    TwoFactorLoginIn,
    TwoFactorRequired,
    TwoFactorSetupOut,
    TwoFactorStatusOut,
)
from otklik.accounts.signed import DEVICE_COOKIE, DEVICE_DAYS, Signer
from otklik.config import Settings
from otklik.core.crypto import SecretBox
from otklik.core.deps import AppSettings, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Items

#: A row id in a path: out-of-range numbers are a 422, never a database error.
ObjectId = Annotated[int, Path(ge=1, le=2**63 - 1)]

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["auth"])


def _signer(settings: Settings) -> Signer:
    return Signer(settings.resolved_secret_key())


def _box(settings: Settings) -> SecretBox:
    return SecretBox(settings.resolved_secret_key())


def _secure(request: Request, settings: Settings) -> bool:
    """Secure cookies when configured so, else whenever the request came over HTTPS (the
    scheme a trusted proxy reported, see ``trusted_proxies``)."""
    if settings.secure_cookies is not None:
        return settings.secure_cookies
    return request.url.scheme == "https"


def _failed(code: str, message: str, status: int = 401) -> JSONResponse:
    # Returned, not raised: the failed attempt must be committed to count towards the limit.
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _signed_in(
    signed_in: sessions.SignedIn,
    request: Request,
    response: Response,
    settings: Settings,
) -> None:
    secure = _secure(request, settings)
    max_age = settings.session_days * 86400
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.token,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(
        CSRF_COOKIE,
        signed_in.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(
        DEVICE_COOKIE,
        _signer(settings).device(signed_in.device),
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/api/v1/auth",
    )


@router.post("/auth/login", response_model=LoginOut | TwoFactorRequired)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    session: DbSession,
    settings: AppSettings,
    client: CurrentClient,
) -> LoginOut | TwoFactorRequired | JSONResponse:
    signer = _signer(settings)
    result = await sessions.sign_in(
        session,
        email=body.email,
        password=body.password,
        client=client,
        device=signer.read_device(request.cookies.get(DEVICE_COOKIE)),
        signer=signer,
        throttle_policy=throttle_policy(settings),
        session_policy=session_policy(settings),
    )
    if result is None:
        return _failed("invalid_credentials", "Wrong email or password.")
    if isinstance(result, sessions.SecondFactorDue):
        return TwoFactorRequired(challenge=result.challenge)
    _signed_in(result, request, response, settings)
    return LoginOut(
        token=result.token,
        csrf_token=result.csrf_token,
        agent=await service.describe_agent(session, result.agent),
    )


@router.post("/auth/login/2fa", response_model=LoginOut)
async def login_second_step(
    body: TwoFactorLoginIn,
    request: Request,
    response: Response,
    session: DbSession,
    settings: AppSettings,
    client: CurrentClient,
) -> LoginOut | JSONResponse:
    signer = _signer(settings)
    result = await sessions.complete_second_factor(
        session,
        challenge=body.challenge,
        code=body.code,
        client=client,
        device=signer.read_device(request.cookies.get(DEVICE_COOKIE)),
        signer=signer,
        box=_box(settings),
        throttle_policy=throttle_policy(settings),
        session_policy=session_policy(settings),
    )
    if result is None:
        return _failed("invalid_code", "That code is not right (or was used already).")
    _signed_in(result, request, response, settings)
    return LoginOut(
        token=result.token,
        csrf_token=result.csrf_token,
        agent=await service.describe_agent(session, result.agent),
    )


@router.post("/auth/logout", status_code=204)
async def logout(
    caller: CurrentSession, session: DbSession, client: CurrentClient, response: Response
) -> Response:
    await sessions.sign_out(
        session, auth_session_id=caller.auth_session.id, agent_id=caller.agent.id, ip=client.ip
    )
    response.status_code = 204
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/auth/me", response_model=MeOut)
async def me(caller: CurrentCaller, session: DbSession, settings: AppSettings) -> MeOut:
    described = await service.describe_agent(session, caller.agent)
    return MeOut(
        **described.model_dump(),
        two_factor_setup_required=twofactor.setup_required(
            caller.agent, await policy.required_2fa_roles(session, settings)
        ),
        workspace_timezone=settings.workspace_timezone,
    )


# --- password and sessions ---------------------------------------------------------------


@router.post("/auth/password", status_code=204)
async def change_password(
    body: PasswordChangeIn,
    caller: CurrentSession,
    session: DbSession,
    settings: AppSettings,
    client: CurrentClient,
) -> Response:
    """Change your own password; every other session of yours ends."""
    changed = await sessions.change_own_password(
        session,
        agent=caller.agent,
        current_password=body.current_password,
        new_password=body.new_password,
        min_length=settings.password_min_length,
        auth_session_id=caller.auth_session.id,
        client=client,
        throttle_policy=throttle_policy(settings),
    )
    if not changed:
        return _failed("invalid_credentials", "The current password is wrong.", status=403)
    return Response(status_code=204)


@router.get("/auth/sessions", response_model=Items[SessionOut])
async def list_my_sessions(
    caller: CurrentSession, session: DbSession, settings: AppSettings
) -> Items[SessionOut]:
    return Items(
        items=await sessions.list_sessions(
            session,
            agent_id=caller.agent.id,
            current_id=caller.auth_session.id,
            idle=session_policy(settings).idle,
        )
    )


@router.delete("/auth/sessions/{session_id}", status_code=204)
async def revoke_my_session(
    session_id: ObjectId, caller: CurrentSession, session: DbSession, client: CurrentClient
) -> Response:
    await sessions.revoke_session(
        session,
        agent_id=caller.agent.id,
        session_id=session_id,
        actor_id=caller.agent.id,
        ip=client.ip,
    )
    return Response(status_code=204)


@router.post("/auth/sessions/revoke-others", response_model=Items[SessionOut])
async def sign_out_everywhere_else(
    caller: CurrentSession, session: DbSession, settings: AppSettings, client: CurrentClient
) -> Items[SessionOut]:
    """Sign out everywhere but here; the sessions left (this one)."""
    await sessions.sign_out_everywhere(
        session,
        agent_id=caller.agent.id,
        actor_id=caller.agent.id,
        keep_session_id=caller.auth_session.id,
        ip=client.ip,
    )
    return await list_my_sessions(caller, session, settings)


# --- two-factor sign-in ------------------------------------------------------------------


@router.get("/auth/2fa", response_model=TwoFactorStatusOut)
async def two_factor_status(
    caller: CurrentSession, session: DbSession, settings: AppSettings
) -> TwoFactorStatusOut:
    return await twofactor.status(
        session,
        agent=caller.agent,
        required_roles=await policy.required_2fa_roles(session, settings),
    )


@router.post("/auth/2fa/setup", response_model=TwoFactorSetupOut)
async def two_factor_setup(caller: CurrentSession, settings: AppSettings) -> TwoFactorSetupOut:
    """A new secret to enrol; 2FA is on only once a code from it is confirmed."""
    return twofactor.begin_setup(agent=caller.agent, box=_box(settings))


@router.get(
    "/auth/2fa/qr.svg", response_class=Response, responses={200: {"content": {"image/svg+xml": {}}}}
)
async def two_factor_qr(caller: CurrentSession, settings: AppSettings) -> Response:
    """The QR code of the secret being enrolled (an image the page loads from us)."""
    uri = twofactor.pending_uri(agent=caller.agent, box=_box(settings))
    return Response(
        totp.qr_svg(uri),
        media_type="image/svg+xml",
        headers={"Cache-Control": "no-store"},
    )


@router.post("/auth/2fa/enable", response_model=RecoveryCodesOut)
async def two_factor_enable(
    body: CodeIn,
    caller: CurrentSession,
    session: DbSession,
    settings: AppSettings,
    client: CurrentClient,
) -> RecoveryCodesOut:
    codes = await twofactor.confirm_setup(
        session, agent=caller.agent, code=body.code, box=_box(settings), ip=client.ip
    )
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/auth/2fa/recovery-codes", response_model=RecoveryCodesOut)
async def two_factor_new_codes(
    body: PasswordConfirmIn,
    caller: CurrentSession,
    session: DbSession,
    settings: AppSettings,
    client: CurrentClient,
) -> RecoveryCodesOut | JSONResponse:
    """New recovery codes (the old ones stop working); asks for the password again."""
    if not await sessions.confirm_password(
        session,
        agent=caller.agent,
        password=body.password,
        client=client,
        throttle_policy=throttle_policy(settings),
    ):
        return _failed("invalid_credentials", "The password is wrong.", status=403)
    return RecoveryCodesOut(
        recovery_codes=await twofactor.new_recovery_codes(session, agent=caller.agent, ip=client.ip)
    )


@router.post("/auth/2fa/disable", status_code=204)
async def two_factor_disable(
    body: PasswordConfirmIn,
    caller: CurrentSession,
    session: DbSession,
    settings: AppSettings,
    client: CurrentClient,
) -> Response:
    if not await sessions.confirm_password(
        session,
        agent=caller.agent,
        password=body.password,
        client=client,
        throttle_policy=throttle_policy(settings),
    ):
        return _failed("invalid_credentials", "The password is wrong.", status=403)
    await twofactor.disable(
        session,
        agent=caller.agent,
        actor_id=caller.agent.id,
        required_roles=await policy.required_2fa_roles(session, settings),
        ip=client.ip,
    )
    return Response(status_code=204)


# --- API tokens (admins) -----------------------------------------------------------------


@router.get("/api-tokens", response_model=Items[ApiTokenOut], tags=["api tokens"])
async def list_api_tokens(_: AdminSession, session: DbSession) -> Items[ApiTokenOut]:
    return Items(items=await tokens.list_tokens(session))


@router.post("/api-tokens", response_model=ApiTokenCreated, status_code=201, tags=["api tokens"])
async def create_api_token(
    body: ApiTokenCreate, caller: AdminSession, session: DbSession, client: CurrentClient
) -> ApiTokenCreated:
    """A token acting as you within its scope. Its value is in this answer only."""
    return await tokens.create_token(session, data=body, agent_id=caller.agent.id, ip=client.ip)


@router.delete("/api-tokens/{token_id}", response_model=ApiTokenOut, tags=["api tokens"])
async def revoke_api_token(
    token_id: ObjectId, caller: AdminSession, session: DbSession, client: CurrentClient
) -> ApiTokenOut:
    return await tokens.revoke_token(
        session, token_id=token_id, actor_id=caller.agent.id, ip=client.ip
    )
