"""API tokens for integrations (ADR 0013).

An admin creates them; each acts as that admin, narrowed to its scope: ``read`` (safe
methods only), ``write`` (everything an agent may do) or ``admin`` (settings too). A token
is shown once, stored as a SHA-256 (it is 256 random bits, so a fast hash is enough), may
expire, is revoked with one click, and remembers when it was last used. Its ``otk_`` prefix
tells it from a sign-in token and lets secret scanners find leaked ones.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent, ApiToken
from otklik.accounts.schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenOut
from otklik.audit import service as audit
from otklik.core import security
from otklik.core.clock import utcnow
from otklik.core.errors import not_found

PREFIX = "otk_"
SCOPES = ("read", "write", "admin")
#: ``last_used_at`` is written at most this often per token.
TOUCH_EVERY = timedelta(minutes=1)


def is_api_token(token: str) -> bool:
    return token.startswith(PREFIX)


def token_out(row: ApiToken) -> ApiTokenOut:
    return ApiTokenOut.model_validate(row, from_attributes=True)


async def create_token(
    session: AsyncSession, *, data: ApiTokenCreate, agent_id: int, ip: str | None
) -> ApiTokenCreated:
    token = PREFIX + security.new_token()
    now = utcnow()
    row = ApiToken(
        agent_id=agent_id,
        name=data.name,
        token_hash=security.token_digest(token),
        prefix=token[: len(PREFIX) + 6],
        scope=data.scope,
        created_at=now,
        expires_at=now + timedelta(days=data.expires_in_days) if data.expires_in_days else None,
    )
    session.add(row)
    await session.flush()
    audit.record(
        session,
        actor_type="agent",
        actor_id=agent_id,
        action="auth.token_created",
        target_type="api_token",
        target_id=row.id,
        data={"name": data.name, "scope": data.scope, "expires_at": _iso(row)},
        ip=ip,
    )
    return ApiTokenCreated(**token_out(row).model_dump(), token=token)


def _iso(row: ApiToken) -> str | None:
    return row.expires_at.isoformat() if row.expires_at else None


async def list_tokens(session: AsyncSession) -> list[ApiTokenOut]:
    rows = await session.scalars(select(ApiToken).order_by(ApiToken.id.desc()))
    return [token_out(row) for row in rows]


async def revoke_token(
    session: AsyncSession, *, token_id: int, actor_id: int, ip: str | None
) -> ApiTokenOut:
    row = await session.get(ApiToken, token_id)
    if row is None:
        raise not_found("API token", token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(
            session,
            actor_type="agent",
            actor_id=actor_id,
            action="auth.token_revoked",
            target_type="api_token",
            target_id=row.id,
            data={"name": row.name},
            ip=ip,
        )
    return token_out(row)


async def resolve_api_token(session: AsyncSession, token: str) -> tuple[Agent, ApiToken] | None:
    now = utcnow()
    row = (
        await session.execute(
            select(Agent, ApiToken)
            .join(ApiToken, ApiToken.agent_id == Agent.id)
            .where(
                ApiToken.token_hash == security.token_digest(token),
                ApiToken.revoked_at.is_(None),
                (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
                Agent.active.is_(True),
            )
        )
    ).first()
    return (row[0], row[1]) if row else None


def needs_touch(row: ApiToken) -> bool:
    return row.last_used_at is None or utcnow() - row.last_used_at >= TOUCH_EVERY


async def touch(session: AsyncSession, *, token_id: int) -> None:
    await session.execute(
        update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow())
    )
