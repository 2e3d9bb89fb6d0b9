"""Escalation between lines, hand-back, transfer, and the reactions that keep queues moving."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.events import AgentStatusChanged
from otklik.accounts.models import Agent, Team
from otklik.channels.models import Inbox
from otklik.channels.service import cached_inbox, inbox_by_id, inbox_settings
from otklik.conversations import service as conversations
from otklik.conversations.events import ConversationCreated, ConversationUpdated
from otklik.conversations.models import Conversation
from otklik.conversations.schemas import ConversationOut
from otklik.core.clock import utcnow
from otklik.core.errors import invalid
from otklik.core.events import Emitted, bus
from otklik.routing import events
from otklik.routing.assignment import anyone_online_sync, assign_waiting, take_routing_lock
from otklik.routing.models import Escalation
from otklik.routing.schemas import EscalationOut


def escalation_out(escalation: Escalation) -> EscalationOut:
    return EscalationOut.model_validate(escalation, from_attributes=True)


async def _agent_name(session: AsyncSession, agent_id: int | None) -> str | None:
    if agent_id is None:
        return None
    agent = await session.get(Agent, agent_id)
    return agent.name if agent else None


async def _default_target(session: AsyncSession, team_id: int | None) -> Team:
    current = await session.get(Team, team_id) if team_id is not None else None
    if current is not None and current.escalates_to_id is not None:
        target = await session.get(Team, current.escalates_to_id)
        if target is not None:
            return target
    next_line = (current.line if current is not None else 1) + 1
    target = await session.scalar(
        select(Team).where(Team.line == next_line).order_by(Team.id).limit(1)
    )
    if target is None:
        raise invalid(f"No team on line {next_line} to escalate to; choose to_team_id.")
    return target


async def _queue(session: AsyncSession, conversation: Conversation) -> None:
    """Put an unassigned open conversation in its team's queue and try to assign it."""
    inbox = await inbox_by_id(session, conversation.inbox_id)  # cached: no query
    if inbox is None or inbox.settings.assignment == "manual":
        return
    if conversation.queued_at is None:
        conversation.queued_at = utcnow()
    await assign_waiting(session, team_id=conversation.team_id)


async def escalate(
    session: AsyncSession,
    *,
    actor_id: int | None,
    conversation_id: int,
    to_team_id: int | None,
    reason: str,
    hand_back: bool,
) -> ConversationOut:
    reason = reason.strip()
    if not reason:
        raise invalid("Say why you escalate (reason).")
    conversation = await conversations.get_conversation(session, conversation_id, lock=True)
    if to_team_id is None:
        target = await _default_target(session, conversation.team_id)
    else:
        found = await session.get(Team, to_team_id)
        if found is None:
            raise invalid(f"Team {to_team_id} does not exist.")
        target = found
    if target.id == conversation.team_id and conversation.assignee_id is None:
        raise invalid("The conversation is already waiting for that team.")
    escalation = Escalation(
        conversation_id=conversation.id,
        from_agent_id=conversation.assignee_id or actor_id,
        from_team_id=conversation.team_id,
        to_team_id=target.id,
        reason=reason,
        hand_back=hand_back,
    )
    session.add(escalation)
    await session.flush()
    await conversations.post_automatic_message(
        session,
        conversation_id=conversation.id,
        text=f"→ {target.name}: {reason}",
        author_type="system",
        author_name=await _agent_name(session, actor_id),
        private=True,
    )
    conversation.team_id = target.id
    conversation.assignee_id = None
    conversation.queued_at = utcnow()
    await bus.emit(
        session,
        events.ConversationEscalated(
            escalation=escalation_out(escalation), reach=conversations.reach(conversation)
        ),
    )
    out = await conversations.assign(
        session,
        conversation_id=conversation.id,
        agent_id=None,
        team_id=target.id,
        fields={"agent_id", "team_id"},
    )
    return out


async def hand_back(
    session: AsyncSession, *, actor_id: int, conversation_id: int, note: str
) -> ConversationOut:
    """Return an escalated conversation to the operator who escalated it, with a note."""
    conversation = await conversations.get_conversation(session, conversation_id, lock=True)
    escalation = await session.scalar(
        select(Escalation)
        .where(
            Escalation.conversation_id == conversation.id,
            Escalation.hand_back.is_(True),
            Escalation.handed_back_at.is_(None),
        )
        .order_by(Escalation.id.desc())
        .limit(1)
    )
    if escalation is None:
        raise invalid("This conversation has no escalation waiting to be handed back.")
    escalation.handed_back_at = utcnow()
    escalation.handed_back_by_id = actor_id
    await conversations.post_automatic_message(
        session,
        conversation_id=conversation.id,
        text=f"← {note.strip()}",
        author_type="system",
        author_name=await _agent_name(session, actor_id),
        private=True,
    )
    conversation.queued_at = None
    await bus.emit(
        session,
        events.ConversationHandedBack(
            escalation=escalation_out(escalation), reach=conversations.reach(conversation)
        ),
    )
    return await conversations.assign(
        session,
        conversation_id=conversation.id,
        agent_id=escalation.from_agent_id,
        team_id=escalation.from_team_id,
        fields={"agent_id", "team_id"},
    )


async def transfer(
    session: AsyncSession,
    *,
    actor_id: int,
    conversation_id: int,
    agent_id: int | None,
    team_id: int | None,
    fields: set[str],
    note: str | None,
) -> ConversationOut:
    keys = fields & {"agent_id", "team_id"}
    if not keys:
        raise invalid("Transfer to an agent_id, a team_id or both.")
    conversation = await conversations.get_conversation(session, conversation_id, lock=True)
    if note and note.strip():
        await conversations.post_automatic_message(
            session,
            conversation_id=conversation.id,
            text=note.strip(),
            author_type="system",
            author_name=await _agent_name(session, actor_id),
            private=True,
        )
    if "agent_id" in keys and agent_id is not None:
        conversation.queued_at = None
    return await conversations.assign(
        session, conversation_id=conversation.id, agent_id=agent_id, team_id=team_id, fields=keys
    )


async def list_escalations(session: AsyncSession, *, conversation_id: int) -> list[EscalationOut]:
    await conversations.get_conversation(session, conversation_id)
    rows = (
        await session.execute(
            select(Escalation)
            .where(Escalation.conversation_id == conversation_id)
            .order_by(Escalation.id)
        )
    ).scalars()
    return [escalation_out(e) for e in rows]


async def drain_all_queues(session: AsyncSession) -> int:
    """Assign whatever waits in any queue (after capacity frees or a skill timeout passes)."""
    await take_routing_lock(session)
    team_ids = (
        (
            await session.execute(
                select(Conversation.team_id)
                .where(Conversation.queued_at.is_not(None), Conversation.assignee_id.is_(None))
                .distinct()
            )
        )
        .scalars()
        .all()
    )
    total = 0
    for team_id in team_ids:
        total += await assign_waiting(session, team_id=team_id)
    return total


async def on_agent_status_changed(
    session: AsyncSession, emitted: Emitted[AgentStatusChanged]
) -> None:
    """Coming online pulls from the queues; going offline may give conversations back."""
    change = emitted.event
    async with bus.caused_by(events.CAUSE):
        if change.status == "online" and change.previous != "online":
            await drain_all_queues(session)
        elif change.status == "offline" and change.previous != "offline":
            await _requeue_conversations_of(session, change.agent_id)


async def _requeue_conversations_of(session: AsyncSession, agent_id: int) -> None:
    rows = (
        await session.execute(
            select(Conversation, Inbox)
            .join(Inbox, Inbox.id == Conversation.inbox_id)
            .where(Conversation.assignee_id == agent_id, Conversation.status == "open")
        )
    ).all()
    for conversation, inbox in rows:
        if inbox_settings(inbox).offline_behavior != "requeue":
            continue
        conversation.queued_at = utcnow()
        await conversations.assign(
            session,
            conversation_id=conversation.id,
            agent_id=None,
            team_id=None,
            fields={"agent_id"},
        )
    if rows:
        await drain_all_queues(session)


async def on_conversation_changed(
    session: AsyncSession, emitted: Emitted[ConversationCreated] | Emitted[ConversationUpdated]
) -> None:
    """Keep queues moving: route new or reopened conversations, refill freed capacity."""
    data = emitted.event.conversation
    async with bus.caused_by(events.CAUSE):
        if data.status == "open" and data.assignee_id is None and data.queued_at is None:
            conversation = await session.get_one(Conversation, data.id)
            await _queue(session, conversation)
        elif isinstance(emitted.event, ConversationUpdated):
            await drain_all_queues(session)


_conversations = cast(Table, Conversation.__table__)
_QUEUE = (
    update(_conversations)
    .where(_conversations.c.id == bindparam("conversation_id"))
    .values(queued_at=bindparam("now"))
)


def quiet_for(conn: Connection, event: ConversationCreated | ConversationUpdated) -> bool:
    """For a write without a session (``core/unit.py``): nothing to do for this event, or
    done here — a new conversation that nobody online could take is only queued, by one
    statement, as :func:`_queue` would leave it.

    No routing lock is taken for that: on SQLite the one writer orders everything; on
    PostgreSQL an operator coming online in the same instant drains the queues before this
    commit is visible, and the periodic ``routing.drain`` assigns it within its period."""
    if not isinstance(event, ConversationCreated):
        return False
    data = event.conversation
    if data.status != "open" or data.assignee_id is not None or data.queued_at is not None:
        return True
    inbox = cached_inbox(conn, data.inbox_id)
    if inbox is None:
        return False
    if inbox.settings.assignment == "manual":
        return True
    if anyone_online_sync(conn, data.team_id):
        return False
    conn.execute(_QUEUE, {"conversation_id": data.id, "now": utcnow()})
    return True
