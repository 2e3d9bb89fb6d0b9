"""Who answers which inbox: the memberships access is decided by (``access.py``).

Defaults (ADR 0017): a new inbox is answered by every active operator, and a new operator
answers every inbox, so a desk that never narrows anything works as before; an admin narrows
an inbox's members in its settings (``PUT /api/v1/inboxes/{id}/members``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.accounts.models import Agent, InboxMember
from otklik.audit import service as audit
from otklik.core.errors import invalid


async def members_of(session: AsyncSession, *, inbox_id: int) -> list[int]:
    rows = await session.execute(
        select(InboxMember.agent_id)
        .where(InboxMember.inbox_id == inbox_id)
        .order_by(InboxMember.agent_id)
    )
    return list(rows.scalars())


async def set_members(
    session: AsyncSession, *, inbox_id: int, agent_ids: Sequence[int], actor_id: int
) -> list[int]:
    """Make exactly ``agent_ids`` the inbox's members (the caller checked the inbox exists)."""
    wanted = set(agent_ids)
    found = set((await session.execute(select(Agent.id).where(Agent.id.in_(wanted)))).scalars())
    missing = wanted - found
    if missing:
        raise invalid(f"Unknown agent ids: {sorted(missing)}.")
    current = set(await members_of(session, inbox_id=inbox_id))
    if wanted != current:
        await session.execute(
            delete(InboxMember).where(
                InboxMember.inbox_id == inbox_id, InboxMember.agent_id.in_(current - wanted)
            )
        )
        session.add_all(
            InboxMember(inbox_id=inbox_id, agent_id=a) for a in sorted(wanted - current)
        )
        await session.flush()
        await access.changed(session)
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="inbox.members_set",
        target_type="inbox",
        target_id=inbox_id,
        data={"added": sorted(wanted - current), "removed": sorted(current - wanted)},
    )
    return sorted(wanted)


async def add_every_agent(session: AsyncSession, *, inbox_id: int) -> None:
    """A new inbox: every active operator answers it until an admin narrows it."""
    agent_ids = (await session.execute(select(Agent.id).where(Agent.active.is_(True)))).scalars()
    session.add_all(InboxMember(inbox_id=inbox_id, agent_id=a) for a in agent_ids)
    await session.flush()
    await access.changed(session)


async def add_to_inboxes(session: AsyncSession, *, agent_id: int, inbox_ids: Sequence[int]) -> None:
    """A new operator answers these inboxes (every inbox, ``accounts.service.create_agent``)."""
    session.add_all(InboxMember(inbox_id=i, agent_id=agent_id) for i in inbox_ids)
    await session.flush()
    await access.changed(session)
