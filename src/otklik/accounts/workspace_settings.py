"""Workspace-wide settings other domains keep in ``workspace_settings`` (a key, a JSON
value): the table is accounts', so they read and write it through here. What a value means
and how it is checked is the owning domain's business; a key without a row is its default.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import WorkspaceSetting
from otklik.core.clock import utcnow
from otklik.core.db import insert_for


async def read(session: AsyncSession, key: str) -> object | None:
    """The stored value of ``key``; ``None`` when nobody saved it."""
    return await session.scalar(select(WorkspaceSetting.value).where(WorkspaceSetting.key == key))


async def write(session: AsyncSession, *, key: str, value: object, actor_id: int | None) -> None:
    """Save ``value`` under ``key``: the row is made if missing (two first saves at once do
    not collide), then locked and written; the last save wins."""
    insert = insert_for(session.get_bind().dialect.name)
    await session.execute(
        insert(WorkspaceSetting)
        .values(key=key, value=value, updated_at=utcnow(), updated_by_id=actor_id)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    row = await session.get(WorkspaceSetting, key, with_for_update=True, populate_existing=True)
    assert row is not None
    row.value = value
    row.updated_at = utcnow()
    row.updated_by_id = actor_id
    await session.flush()
