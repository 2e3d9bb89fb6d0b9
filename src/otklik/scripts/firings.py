"""Things that must happen once, recorded in ``script_firings`` under a unique key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.clock import utcnow
from otklik.core.db import insert_for
from otklik.scripts.models import ScriptFiring


async def fire_once(
    session: AsyncSession,
    *,
    key: str,
    conversation_id: int,
    period_at: datetime,
    rule_id: int | None = None,
    matched: bool = True,
) -> bool:
    """Record the firing; ``False`` if it was recorded before (by us or a racing worker)."""
    insert = insert_for(session.get_bind().dialect.name)
    result = await session.execute(
        insert(ScriptFiring)
        .values(
            key=key,
            rule_id=rule_id,
            conversation_id=conversation_id,
            period_at=period_at,
            matched=matched,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["key", "conversation_id", "period_at"])
    )
    return bool(getattr(result, "rowcount", 0))
