"""Sign-in, the sessions it opens, and passwords: every authentication event is audited.

A session ends when it is revoked (sign-out, "sign out everywhere", a password change, a
deactivation, a revoke from the sessions list), after ``idle`` without a request, or at its
absolute ``expires_at``. Every revocation stages a ``revoked`` frame so each server process
closes the sockets of those sessions at once (``realtime/auth.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import passwords, throttle, twofactor
from otklik.accounts.models import Agent, AuthSession
from otklik.accounts.schemas import SessionOut
from otklik.accounts.signed import Challenge, Device, Signer, password_tag
from otklik.audit import service as audit
from otklik.core import security
from otklik.core.clock import utcnow
from otklik.core.crypto import SecretBox
from otklik.core.errors import AppError, not_found
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_SESSIONS

#: ``last_seen_at`` is written at most this often per session (a write per request would
#: turn every read into a write).
TOUCH_EVERY = timedelta(minutes=1)
USER_AGENT_CHARS = 300


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request comes from, as the sessions list shows it."""

    ip: str
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    days: int = 30
    idle_hours: float = 12.0

    @property
    def idle(self) -> timedelta:
        return timedelta(hours=self.idle_hours)


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str
    csrf_token: str
    agent: Agent
    auth_session_id: int
    #: The browser, remembered as one that signed in to this account (device cookie).
    device: Device


@dataclass(frozen=True, slots=True)
class SecondFactorDue:
    challenge: str


# --- signing in ------------------------------------------------------------------------


async def sign_in(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    client: Client,
    device: Device | None,
    signer: Signer,
    throttle_policy: throttle.ThrottlePolicy,
    session_policy: SessionPolicy,
) -> SignedIn | SecondFactorDue | None:
    """The first step. ``None`` on bad credentials, with the failure recorded (so the caller
    must commit, not raise); 429 when the account, device or address must wait."""
    agent = await session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    trusted = (
        device if device is not None and agent is not None and device.agent_id == agent.id else None
    )
    subject_key = throttle.device_key(trusted.device_id) if trusted else throttle.account_key(email)
    await throttle.check(
        session,
        subject_key=subject_key,
        ip=None if trusted else client.ip,
        policy=throttle_policy,
    )
    ok = security.verify_password(agent.password_hash if agent else None, password)
    if agent is None or not ok or not agent.active:
        await throttle.record_failure(
            session, subject_key=subject_key, ip=client.ip, policy=throttle_policy
        )
        reason = "inactive" if agent is not None and ok else "bad_credentials"
        _audit_failure(session, agent=agent, email=email, client=client, reason=reason)
        return None
    if agent.totp_enabled_at is not None:
        challenge = Challenge(
            agent_id=agent.id,
            password_tag=password_tag(agent.password_hash),
            subject_key=subject_key,
        )
        return SecondFactorDue(challenge=signer.challenge(challenge))
    await throttle.record_success(session, subject_key=subject_key)
    return await _open_session(
        session, agent=agent, client=client, device=trusted, policy=session_policy, method=None
    )


async def complete_second_factor(
    session: AsyncSession,
    *,
    challenge: str,
    code: str,
    client: Client,
    device: Device | None,
    signer: Signer,
    box: SecretBox,
    throttle_policy: throttle.ThrottlePolicy,
    session_policy: SessionPolicy,
) -> SignedIn | None:
    """The second step: a TOTP code or a recovery code. ``None`` (recorded) on a bad code."""
    read = signer.read_challenge(challenge)
    agent = await session.get(Agent, read.agent_id) if read is not None else None
    if (
        read is None
        or agent is None
        or not agent.active
        or agent.totp_enabled_at is None
        or read.password_tag != password_tag(agent.password_hash)
    ):
        raise AppError(
            401, "challenge_expired", "The sign-in took too long or changed. Sign in again."
        )
    trusted = read.subject_key.startswith("device:")
    await throttle.check(
        session,
        subject_key=read.subject_key,
        ip=None if trusted else client.ip,
        policy=throttle_policy,
    )
    method = await twofactor.verify_second_factor(session, agent=agent, code=code, box=box)
    if method is None:
        await throttle.record_failure(
            session, subject_key=read.subject_key, ip=client.ip, policy=throttle_policy
        )
        _audit_failure(session, agent=agent, email=agent.email, client=client, reason="bad_code")
        return None
    await throttle.record_success(session, subject_key=read.subject_key)
    kept = device if device is not None and device.agent_id == agent.id else None
    return await _open_session(
        session, agent=agent, client=client, device=kept, policy=session_policy, method=method
    )


async def _open_session(
    session: AsyncSession,
    *,
    agent: Agent,
    client: Client,
    device: Device | None,
    policy: SessionPolicy,
    method: str | None,
) -> SignedIn:
    token, csrf = security.new_token(), security.new_token()
    now = utcnow()
    auth_session = AuthSession(
        token_hash=security.token_digest(token),
        csrf_token=csrf,
        agent_id=agent.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(days=policy.days),
        ip=client.ip,
        user_agent=_user_agent(client),
    )
    session.add(auth_session)
    await session.flush()
    data: dict[str, object] = {"session_id": auth_session.id}
    if method is not None:
        data["second_factor"] = method
    audit.record(
        session,
        actor_type="agent",
        actor_id=agent.id,
        action="auth.login",
        target_type="agent",
        target_id=agent.id,
        data=data,
        ip=client.ip,
    )
    return SignedIn(
        token=token,
        csrf_token=csrf,
        agent=agent,
        auth_session_id=auth_session.id,
        device=device or Device(agent_id=agent.id, device_id=security.new_token()[:22]),
    )


def _audit_failure(
    session: AsyncSession, *, agent: Agent | None, email: str, client: Client, reason: str
) -> None:
    audit.record(
        session,
        actor_type="anonymous",
        actor_id=None,
        action="auth.login_failed",
        target_type="agent" if agent is not None else None,
        target_id=agent.id if agent is not None else None,
        data={"email": email.strip().lower()[:320], "reason": reason},
        ip=client.ip,
    )


def _user_agent(client: Client) -> str | None:
    return client.user_agent[:USER_AGENT_CHARS] if client.user_agent else None


# --- who is calling ----------------------------------------------------------------------


async def resolve_token(
    session: AsyncSession, token: str, *, idle: timedelta | None = None
) -> tuple[Agent, AuthSession] | None:
    """The agent and session of a live sign-in token (not revoked, expired or idle)."""
    now = utcnow()
    query = (
        select(Agent, AuthSession)
        .join(AuthSession, AuthSession.agent_id == Agent.id)
        .where(
            AuthSession.token_hash == security.token_digest(token),
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > now,
            Agent.active.is_(True),
        )
    )
    if idle is not None:
        query = query.where(AuthSession.last_seen_at > now - idle)
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


def needs_touch(auth_session: AuthSession) -> bool:
    return utcnow() - auth_session.last_seen_at >= TOUCH_EVERY


async def touch(session: AsyncSession, *, auth_session_id: int, client: Client) -> None:
    """Note activity: the idle timeout counts from here; the list shows the latest address."""
    await session.execute(
        update(AuthSession)
        .where(AuthSession.id == auth_session_id)
        .values(last_seen_at=utcnow(), ip=client.ip)
    )


async def live_session_ids(session: AsyncSession, *, ids: list[int], idle: timedelta) -> set[int]:
    """Which of ``ids`` are sessions still signed in (the sockets' periodic re-check)."""
    now = utcnow()
    return set(
        await session.scalars(
            select(AuthSession.id)
            .join(Agent, Agent.id == AuthSession.agent_id)
            .where(
                AuthSession.id.in_(ids),
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
                AuthSession.last_seen_at > now - idle,
                Agent.active.is_(True),
            )
        )
    )


# --- the sessions list -------------------------------------------------------------------


async def list_sessions(
    session: AsyncSession, *, agent_id: int, current_id: int | None, idle: timedelta
) -> list[SessionOut]:
    now = utcnow()
    rows = (
        await session.scalars(
            select(AuthSession)
            .where(
                AuthSession.agent_id == agent_id,
                AuthSession.revoked_at.is_(None),
                AuthSession.expires_at > now,
                AuthSession.last_seen_at > now - idle,
            )
            .order_by(AuthSession.last_seen_at.desc(), AuthSession.id.desc())
        )
    ).all()
    return [
        SessionOut(
            id=row.id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            ip=row.ip,
            user_agent=row.user_agent,
            current=row.id == current_id,
        )
        for row in rows
    ]


async def revoke_session(
    session: AsyncSession, *, agent_id: int, session_id: int, actor_id: int, ip: str | None
) -> None:
    """End one of ``agent_id``'s sessions (someone else's is "not found")."""
    ended = await _revoke(
        session,
        AuthSession.agent_id == agent_id,
        AuthSession.id == session_id,
    )
    if not ended:
        raise not_found("Session", session_id)
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="auth.session_revoked",
        target_type="agent",
        target_id=agent_id,
        data={"session_id": session_id},
        ip=ip,
    )


async def sign_out(
    session: AsyncSession, *, auth_session_id: int, agent_id: int, ip: str | None
) -> None:
    await _revoke(session, AuthSession.id == auth_session_id)
    audit.record(
        session,
        actor_type="agent",
        actor_id=agent_id,
        action="auth.logout",
        target_type="agent",
        target_id=agent_id,
        data={"session_id": auth_session_id},
        ip=ip,
    )


async def sign_out_everywhere(
    session: AsyncSession,
    *,
    agent_id: int,
    actor_id: int,
    keep_session_id: int | None,
    ip: str | None,
    reason: str = "sign_out_everywhere",
) -> list[int]:
    """End every session of ``agent_id`` but ``keep_session_id``; audited with ``reason``."""
    ended = await revoke_all(session, agent_id=agent_id, keep_session_id=keep_session_id)
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="auth.sessions_revoked",
        target_type="agent",
        target_id=agent_id,
        data={"reason": reason, "session_ids": ended},
        ip=ip,
    )
    return ended


async def revoke_all(
    session: AsyncSession, *, agent_id: int, keep_session_id: int | None = None
) -> list[int]:
    """End every session of ``agent_id`` but ``keep_session_id`` (not audited: the caller
    records why, e.g. a deactivation)."""
    conditions = [AuthSession.agent_id == agent_id]
    if keep_session_id is not None:
        conditions.append(AuthSession.id != keep_session_id)
    return await _revoke(session, *conditions)


async def _revoke(session: AsyncSession, *conditions: object) -> list[int]:
    ended = list(
        await session.scalars(
            update(AuthSession)
            .where(AuthSession.revoked_at.is_(None), *conditions)  # type: ignore[arg-type]
            .values(revoked_at=utcnow())
            .returning(AuthSession.id)
        )
    )
    if ended:
        announce_revoked(session, auth_session_ids=ended)
    return ended


def announce_revoked(session: AsyncSession, *, auth_session_ids: list[int]) -> None:
    """After commit, every server process forgets these sessions and closes their sockets
    (``realtime/auth.py`` caches tokens for the operators' sockets)."""
    log.stage_transient(
        session,
        stream=STREAM_SESSIONS,
        frame={"type": "revoked", "auth_session_ids": sorted(auth_session_ids)},
    )


# --- passwords ---------------------------------------------------------------------------


async def set_password(
    session: AsyncSession,
    *,
    agent: Agent,
    password: str,
    min_length: int,
    actor_id: int | None,
    keep_session_id: int | None,
    ip: str | None,
) -> None:
    """A new password (policy-checked); every other session of the agent ends."""
    passwords.check_password(password, min_length=min_length, user_inputs=[agent.email, agent.name])
    agent.password_hash = security.hash_password(password)
    agent.password_changed_at = utcnow()
    ended = await revoke_all(session, agent_id=agent.id, keep_session_id=keep_session_id)
    audit.record(
        session,
        actor_type="agent" if actor_id else "system",
        actor_id=actor_id,
        action="auth.password_changed",
        target_type="agent",
        target_id=agent.id,
        data={"by": "self" if actor_id == agent.id else "admin", "sessions_ended": len(ended)},
        ip=ip,
    )


async def change_own_password(
    session: AsyncSession,
    *,
    agent: Agent,
    current_password: str,
    new_password: str,
    min_length: int,
    auth_session_id: int,
    client: Client,
    throttle_policy: throttle.ThrottlePolicy,
) -> bool:
    """Self-service: the current password proves it is the agent, not someone at their
    unlocked screen. ``False`` (recorded, so the caller commits) when it is wrong."""
    subject_key = throttle.account_key(agent.email)
    await throttle.check(session, subject_key=subject_key, ip=client.ip, policy=throttle_policy)
    if not security.verify_password(agent.password_hash, current_password):
        await throttle.record_failure(
            session, subject_key=subject_key, ip=client.ip, policy=throttle_policy
        )
        _audit_failure(
            session, agent=agent, email=agent.email, client=client, reason="password_change"
        )
        return False
    await set_password(
        session,
        agent=agent,
        password=new_password,
        min_length=min_length,
        actor_id=agent.id,
        keep_session_id=auth_session_id,
        ip=client.ip,
    )
    return True


async def confirm_password(
    session: AsyncSession,
    *,
    agent: Agent,
    password: str,
    client: Client,
    throttle_policy: throttle.ThrottlePolicy,
) -> bool:
    """Re-authentication before a sensitive change (turning 2FA off, new recovery codes)."""
    subject_key = throttle.account_key(agent.email)
    await throttle.check(session, subject_key=subject_key, ip=client.ip, policy=throttle_policy)
    if security.verify_password(agent.password_hash, password):
        return True
    await throttle.record_failure(
        session, subject_key=subject_key, ip=client.ip, policy=throttle_policy
    )
    _audit_failure(session, agent=agent, email=agent.email, client=client, reason="reauth")
    return False
