"""Workspace security settings (admins): the roles that must use two-factor sign-in."""

from __future__ import annotations

from fastapi import APIRouter

from otklik.accounts import policy
from otklik.accounts.deps import AdminAgent, AdminSession
from otklik.accounts.schemas import SecuritySettingsIn, SecuritySettingsOut
from otklik.core.deps import AppSettings, ClientIp, DbSession
from otklik.core.errors import AppError
from otklik.core.routing import TransactionalRoute

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["security"])


@router.get("/security-settings", response_model=SecuritySettingsOut)
async def get_security_settings(
    _: AdminAgent, session: DbSession, settings: AppSettings
) -> SecuritySettingsOut:
    return await policy.security_settings(session, settings)


@router.put("/security-settings", response_model=SecuritySettingsOut)
async def put_security_settings(
    body: SecuritySettingsIn,
    caller: AdminSession,
    session: DbSession,
    settings: AppSettings,
    ip: ClientIp,
) -> SecuritySettingsOut:
    """Save which roles must use 2FA. An admin signed in as a person only: API tokens
    cannot change how people sign in. An admin without 2FA cannot enforce it on their own
    role (409 ``two_factor_first``): they would lock themselves out of the settings."""
    if caller.agent.role in body.require_2fa_roles and caller.agent.totp_enabled_at is None:
        raise AppError(
            409,
            "two_factor_first",
            "Turn on two-factor sign-in for yourself before making it required for your role.",
        )
    before = await policy.required_2fa_roles(session, settings)
    await policy.set_required_2fa_roles(
        session, roles=body.require_2fa_roles, before=before, actor_id=caller.agent.id, ip=ip
    )
    return await policy.security_settings(session, settings)
