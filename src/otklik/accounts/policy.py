"""Workspace security settings an admin changes in the app: today, the roles that must use
two-factor sign-in.

Stored in ``workspace_settings`` and read on every authenticated request, so the value is
kept in the per-process configuration cache (``core/config_cache.py``) and dropped in every
process when an admin changes it. Until an admin saves it, ``OTKLIK_REQUIRE_2FA_ROLES`` is
the value (the environment is the initial default, and stays the value of a workspace
whose admins never touch the setting).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import ROLES, WorkspaceSetting
from otklik.accounts.schemas import SecuritySettingsOut
from otklik.audit import service as audit
from otklik.config import Settings
from otklik.core import config_cache
from otklik.core.clock import utcnow

TWO_FACTOR_ROLES_KEY = "require_2fa_roles"


def _roles(value: object) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        return None
    return tuple(role for role in ROLES if role in value)  # known roles, in a fixed order


async def _load(session: AsyncSession) -> tuple[str, ...] | None:
    stored = await session.scalar(
        select(WorkspaceSetting.value).where(WorkspaceSetting.key == TWO_FACTOR_ROLES_KEY)
    )
    return _roles(stored)


#: The roles saved by an admin, or ``None`` when nobody saved them (the environment decides).
STORED_2FA_ROLES = config_cache.entry("two_factor_roles", _load)


async def required_2fa_roles(session: AsyncSession, settings: Settings) -> list[str]:
    """The roles that must use 2FA now: the admins' choice, else the environment's."""
    stored = await config_cache.get(session, STORED_2FA_ROLES)
    return list(stored) if stored is not None else list(settings.require_2fa_roles)


async def security_settings(session: AsyncSession, settings: Settings) -> SecuritySettingsOut:
    stored = await config_cache.get(session, STORED_2FA_ROLES)
    return SecuritySettingsOut(
        require_2fa_roles=list(stored if stored is not None else settings.require_2fa_roles),
        require_2fa_roles_source="workspace" if stored is not None else "environment",
    )


async def set_required_2fa_roles(
    session: AsyncSession,
    *,
    roles: Sequence[str],
    before: Sequence[str],
    actor_id: int,
    ip: str | None,
) -> None:
    """Save the roles that must use 2FA (audited as ``settings.2fa_roles_changed``).

    Agents of a newly enforced role who have no 2FA yet reach only their security settings
    from their next request on, and no socket (``deps.current_caller``)."""
    value = list(_roles(list(roles)) or ())
    row = await session.get(WorkspaceSetting, TWO_FACTOR_ROLES_KEY, with_for_update=True)
    if row is None:
        row = WorkspaceSetting(key=TWO_FACTOR_ROLES_KEY, value=value)
        session.add(row)
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = actor_id
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="settings.2fa_roles_changed",
        data={"before": list(before), "after": value},
        ip=ip,
    )
    await config_cache.changed(session, STORED_2FA_ROLES)
