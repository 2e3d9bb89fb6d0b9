"""State changes of conversations an operator makes: assignment, status, tags, priority,
attributes, read marks, and the same on many at once. Each announces the conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent, Team
from otklik.conversations.announce import announce_conversation
from otklik.conversations.models import ConversationTag
from otklik.conversations.queries import describe, get_conversation
from otklik.conversations.schemas import BulkIn, ConversationOut
from otklik.core.clock import utcnow
from otklik.core.errors import invalid
from otklik.jobs import registry as jobs


async def assign(
    session: AsyncSession,
    *,
    conversation_id: int,
    agent_id: int | None,
    team_id: int | None,
    fields: set[str],
) -> ConversationOut:
    """Set the assignee and/or team; only the keys present in ``fields`` change."""
    if not fields & {"agent_id", "team_id"}:
        raise invalid("Give agent_id, team_id or both (null unassigns).")
    conversation = await get_conversation(session, conversation_id, lock=True)
    if "agent_id" in fields:
        if agent_id is not None:
            agent = await session.get(Agent, agent_id)
            if agent is None or not agent.active:
                raise invalid(f"Agent {agent_id} does not exist or is deactivated.")
            conversation.queued_at = None  # somebody has it: it no longer waits in a queue
        conversation.assignee_id = agent_id
    if "team_id" in fields:
        if team_id is not None and await session.get(Team, team_id) is None:
            raise invalid(f"Team {team_id} does not exist.")
        conversation.team_id = team_id
    # The visitor hears it too: a widget waiting in a queue refreshes its place at once.
    return await announce_conversation(session, conversation, tell_visitor=True)


async def change_status(
    session: AsyncSession,
    *,
    conversation_id: int,
    status: str,
    snooze_until: datetime | None,
) -> ConversationOut:
    now = utcnow()
    if status == "snoozed":
        if snooze_until is None:
            raise invalid("snooze_until is required to snooze a conversation.")
        if snooze_until <= now:
            raise invalid("snooze_until must be in the future.")
    elif snooze_until is not None:
        raise invalid("snooze_until is only allowed with status 'snoozed'.")
    conversation = await get_conversation(session, conversation_id, lock=True)
    conversation.status = status
    conversation.snooze_until = snooze_until
    if status != "open":
        conversation.queued_at = None  # only open conversations wait for an operator
    if status == "resolved":
        conversation.resolved_at = now
    if status == "snoozed" and snooze_until is not None:
        await jobs.enqueue(
            session,
            name="conversations.wake_snoozed",
            payload={"conversation_id": conversation.id, "until": snooze_until.isoformat()},
            run_at=snooze_until,
            dedupe_key=f"wake:{conversation.id}:{snooze_until.isoformat()}",
        )
    return await announce_conversation(session, conversation, tell_visitor=True)


async def set_tags(
    session: AsyncSession, *, conversation_id: int, add: list[str], remove: list[str]
) -> ConversationOut:
    conversation = await get_conversation(session, conversation_id, lock=True)
    current = list(conversation.tags)
    wanted = [t for t in current if t not in remove] + [
        t for t in dict.fromkeys(add) if t not in current and t not in remove
    ]
    if wanted == current:
        return await describe(session, conversation_id)
    for tag in set(current) - set(wanted):
        await session.execute(
            delete(ConversationTag).where(
                ConversationTag.conversation_id == conversation.id, ConversationTag.tag == tag
            )
        )
    session.add_all(
        ConversationTag(conversation_id=conversation.id, tag=tag)
        for tag in wanted
        if tag not in current
    )
    conversation.tags = wanted
    return await announce_conversation(session, conversation)


async def set_priority(
    session: AsyncSession, *, conversation_id: int, priority: str
) -> ConversationOut:
    conversation = await get_conversation(session, conversation_id, lock=True)
    if conversation.priority == priority:
        return await describe(session, conversation_id)
    conversation.priority = priority
    return await announce_conversation(session, conversation)


async def set_attributes(
    session: AsyncSession, *, conversation_id: int, values: dict[str, Any]
) -> ConversationOut:
    """Store already-validated custom attribute values (see ``otklik.attributes``)."""
    conversation = await get_conversation(session, conversation_id, lock=True)
    conversation.attributes = values
    return await announce_conversation(session, conversation)


async def mark_read(session: AsyncSession, *, conversation_id: int) -> ConversationOut:
    conversation = await get_conversation(session, conversation_id, lock=True)
    if conversation.unread_count == 0:
        return await describe(session, conversation_id)
    conversation.unread_count = 0
    return await announce_conversation(session, conversation)


async def bulk(session: AsyncSession, *, data: BulkIn) -> list[ConversationOut]:
    """One action on many conversations, all or nothing (one transaction)."""
    if data.action == "status" and data.status is None:
        raise invalid("Give the status to set.")
    if data.action == "priority" and data.priority is None:
        raise invalid("Give the priority to set.")
    if data.action == "tag" and not (data.add_tags or data.remove_tags):
        raise invalid("Give tags to add or remove.")
    results = []
    for conversation_id in dict.fromkeys(data.ids):
        if data.action == "assign":
            results.append(
                await assign(
                    session,
                    conversation_id=conversation_id,
                    agent_id=data.agent_id,
                    team_id=data.team_id,
                    fields=set(data.model_fields_set) & {"agent_id", "team_id"},
                )
            )
        elif data.action == "tag":
            results.append(
                await set_tags(
                    session,
                    conversation_id=conversation_id,
                    add=data.add_tags,
                    remove=data.remove_tags,
                )
            )
        elif data.action == "status" and data.status is not None:
            results.append(
                await change_status(
                    session, conversation_id=conversation_id, status=data.status, snooze_until=None
                )
            )
        elif data.priority is not None:
            results.append(
                await set_priority(session, conversation_id=conversation_id, priority=data.priority)
            )
    return results
