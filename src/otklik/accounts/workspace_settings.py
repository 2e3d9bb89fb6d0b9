"""Workspace-wide settings other domains keep in ``workspace_settings`` (a key, a JSON
value): the table is accounts', so they read and write it through here. What a value means
and how it is checked is the owning domain's business; a key without a row is its default.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import WorkspaceSetting
from otklik.core.clock import utcnow


async def read(session: AsyncSession, key: str) -> object | None:
    """The stored value of ``key``; ``None`` when nobody saved it."""
    return await session.scalar(select(WorkspaceSetting.value).where(WorkspaceSetting.key == key))


async def write(session: AsyncSession, *, key: str, value: object, actor_id: int | None) -> None:
    """Save ``value`` under ``key`` (the row locked: two saves at once do not collide)."""
    row = await session.get(WorkspaceSetting, key, with_for_update=True)
    if row is None:
        row = WorkspaceSetting(key=key, value=value)
        session.add(row)
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = actor_id
    await session.flush()
