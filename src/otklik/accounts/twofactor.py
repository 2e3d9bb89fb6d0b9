"""Two-factor sign-in: enrolment, codes at sign-in, recovery codes, turning it off.

Enrolment is two requests: ``begin_setup`` keeps a new secret as *pending* and shows it
(QR code and text); ``confirm_setup`` turns 2FA on only when a code from that secret is
typed back, so nobody is locked out by a secret their app never stored. Turning it on hands
out recovery codes once; only their hashes stay.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import totp
from otklik.accounts.models import Agent, RecoveryCode
from otklik.accounts.schemas import TwoFactorSetupOut, TwoFactorStatusOut
from otklik.audit import service as audit
from otklik.core.clock import utcnow
from otklik.core.crypto import SecretBox
from otklik.core.errors import AppError, invalid


def is_required(agent: Agent, required_roles: list[str]) -> bool:
    return agent.role in required_roles


def setup_required(agent: Agent, required_roles: list[str]) -> bool:
    """The agent's role must use 2FA and they have not turned it on yet."""
    return agent.totp_enabled_at is None and is_required(agent, required_roles)


async def status(
    session: AsyncSession, *, agent: Agent, required_roles: list[str]
) -> TwoFactorStatusOut:
    left = await session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.agent_id == agent.id, RecoveryCode.used_at.is_(None))
    )
    return TwoFactorStatusOut(
        enabled=agent.totp_enabled_at is not None,
        enabled_at=agent.totp_enabled_at,
        recovery_codes_left=int(left or 0),
        required=is_required(agent, required_roles),
    )


def begin_setup(*, agent: Agent, box: SecretBox) -> TwoFactorSetupOut:
    if agent.totp_enabled_at is not None:
        raise AppError(409, "conflict", "Two-factor sign-in is on already; turn it off first.")
    secret = totp.new_secret()
    agent.totp_pending_secret = box.seal(secret)
    return TwoFactorSetupOut(
        secret=secret, otpauth_uri=totp.provisioning_uri(secret, email=agent.email)
    )


def pending_uri(*, agent: Agent, box: SecretBox) -> str:
    """The ``otpauth://`` URI of the secret being enrolled (for its QR code)."""
    if agent.totp_pending_secret is None:
        raise AppError(404, "not_found", "No two-factor setup is in progress.")
    return totp.provisioning_uri(box.open(agent.totp_pending_secret), email=agent.email)


async def confirm_setup(
    session: AsyncSession, *, agent: Agent, code: str, box: SecretBox, ip: str | None
) -> list[str]:
    """Turn 2FA on if ``code`` comes from the pending secret; the new recovery codes."""
    if agent.totp_enabled_at is not None:
        raise AppError(409, "conflict", "Two-factor sign-in is on already.")
    if agent.totp_pending_secret is None:
        raise invalid("Start the setup first.")
    secret = box.open(agent.totp_pending_secret)
    step = totp.accepted_step(secret, code, last_step=None)
    if step is None:
        raise AppError(422, "invalid_code", "That code is not right. Check the app's clock.")
    agent.totp_secret = agent.totp_pending_secret
    agent.totp_pending_secret = None
    agent.totp_enabled_at = utcnow()
    agent.totp_last_step = step
    codes = await _replace_recovery_codes(session, agent_id=agent.id)
    audit.record(
        session,
        actor_type="agent",
        actor_id=agent.id,
        action="auth.2fa_enabled",
        target_type="agent",
        target_id=agent.id,
        ip=ip,
    )
    return codes


async def new_recovery_codes(session: AsyncSession, *, agent: Agent, ip: str | None) -> list[str]:
    if agent.totp_enabled_at is None:
        raise invalid("Two-factor sign-in is off.")
    codes = await _replace_recovery_codes(session, agent_id=agent.id)
    audit.record(
        session,
        actor_type="agent",
        actor_id=agent.id,
        action="auth.recovery_codes_renewed",
        target_type="agent",
        target_id=agent.id,
        ip=ip,
    )
    return codes


async def disable(
    session: AsyncSession, *, agent: Agent, actor_id: int, required_roles: list[str], ip: str | None
) -> None:
    """Turn 2FA off: by the agent (whose role may not require it) or reset by an admin."""
    by_admin = actor_id != agent.id
    if not by_admin and is_required(agent, required_roles):
        raise AppError(
            403, "two_factor_required", "Your role must use two-factor sign-in; it stays on."
        )
    was_on = agent.totp_enabled_at is not None
    agent.totp_secret = None
    agent.totp_pending_secret = None
    agent.totp_enabled_at = None
    agent.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.agent_id == agent.id))
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="auth.2fa_reset" if by_admin else "auth.2fa_disabled",
        target_type="agent",
        target_id=agent.id,
        data={"was_enabled": was_on},
        ip=ip,
    )


async def verify_second_factor(
    session: AsyncSession, *, agent: Agent, code: str, box: SecretBox
) -> str | None:
    """``"totp"`` or ``"recovery_code"`` when ``code`` is good (and now used up)."""
    if agent.totp_secret is None:
        return None
    step = totp.accepted_step(box.open(agent.totp_secret), code, last_step=agent.totp_last_step)
    if step is not None:
        # Compare-and-set, so the same code sent twice at once signs in once.
        claimed = await session.execute(
            update(Agent)
            .where(
                Agent.id == agent.id,
                (Agent.totp_last_step.is_(None)) | (Agent.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        agent.totp_last_step = step
        return "totp"
    normalised = totp.normalise_recovery_code(code)
    if len(normalised) != 12:
        return None
    used = await session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.agent_id == agent.id,
            RecoveryCode.code_hash == totp.recovery_code_hash(normalised),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        return None
    audit.record(
        session,
        actor_type="agent",
        actor_id=agent.id,
        action="auth.recovery_code_used",
        target_type="agent",
        target_id=agent.id,
    )
    return "recovery_code"


async def _replace_recovery_codes(session: AsyncSession, *, agent_id: int) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.agent_id == agent_id))
    codes = totp.new_recovery_codes()
    session.add_all(
        RecoveryCode(agent_id=agent_id, code_hash=totp.recovery_code_hash(code)) for code in codes
    )
    await session.flush()
    return codes
