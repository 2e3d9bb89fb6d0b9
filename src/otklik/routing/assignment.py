"""Auto-assignment: who among the online, uncapped, skilled team members gets a conversation.

Decisions are serialised — SQLite has one writer, and on PostgreSQL a transaction-scoped
advisory lock is taken first — so two processes never hand out the same conversation or push
an operator over their cap, however many requests race.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent, TeamMember
from otklik.channels.models import Inbox
from otklik.channels.service import inbox_settings
from otklik.conversations import service as conversations
from otklik.conversations.models import Conversation
from otklik.core.clock import utcnow
from otklik.workforce import service as workforce

ROUTING_LOCK = 7_312_002
_LOCK_TAKEN = "otklik.routing_lock_taken"


@dataclass(frozen=True, slots=True)
class Candidate:
    agent: Agent
    open_count: int


async def take_routing_lock(session: AsyncSession) -> None:
    if session.get_bind().dialect.name == "postgresql" and not session.info.get(_LOCK_TAKEN):
        await session.execute(text(f"SELECT pg_advisory_xact_lock({ROUTING_LOCK})"))
        session.info[_LOCK_TAKEN] = True


async def _candidates(session: AsyncSession, team_id: int | None) -> list[Candidate]:
    """Online, active agents of the team (everyone when no team) on shift, if they work by a
    schedule (``workforce/shifts.py``), with their open load.

    The agents first: most of the time nobody of the team is online, or everybody is, and
    only then are their open conversations counted (by an index, for those agents only)."""
    query = select(Agent).where(Agent.active.is_(True), Agent.status == "online")
    if team_id is not None:
        query = query.join(TeamMember, TeamMember.agent_id == Agent.id).where(
            TeamMember.team_id == team_id
        )
    agents = (await session.scalars(query.order_by(Agent.id))).all()
    if agents:  # those who work by a schedule get nothing off shift
        away = await workforce.off_shift(session, agent_ids=[a.id for a in agents])
        agents = [a for a in agents if a.id not in away]
    if not agents:
        return []
    load = dict(
        (
            await session.execute(
                select(Conversation.assignee_id, func.count())
                .where(
                    Conversation.status == "open",
                    Conversation.assignee_id.in_([a.id for a in agents]),
                )
                .group_by(Conversation.assignee_id)
            )
        ).all()
    )
    return [Candidate(agent=a, open_count=int(load.get(a.id, 0))) for a in agents]


_ANYONE_ONLINE = select(exists().where(Agent.active.is_(True), Agent.status == "online"))
_ANYONE_OF_TEAM_ONLINE = select(
    exists()
    .where(Agent.active.is_(True), Agent.status == "online")
    .where(
        exists().where(TeamMember.agent_id == Agent.id, TeamMember.team_id == bindparam("team_id"))
    )
)


def anyone_online_sync(conn: Connection, team_id: int | None) -> bool:
    """Whether :func:`_candidates` could find anybody (synchronous, for a write without a
    session): with nobody online, routing has only to queue a conversation."""
    if team_id is None:
        return bool(conn.execute(_ANYONE_ONLINE).scalar())
    return bool(conn.execute(_ANYONE_OF_TEAM_ONLINE, {"team_id": team_id}).scalar())


def _required_skills(conversation: Conversation, known_skills: set[str]) -> set[str]:
    """Explicit required skills, plus any tag that names a skill some operator has."""
    return set(conversation.required_skills) | (set(conversation.tags) & known_skills)


def _speaks(agent: Agent, language: str | None) -> bool:
    """Agents who list no languages take any; others only the languages they list."""
    return not language or not agent.languages or language in agent.languages


def _eligible(
    conversation: Conversation,
    candidates: Sequence[Candidate],
    *,
    skill_fallback: timedelta,
    now: datetime,
) -> list[Candidate]:
    free = [c for c in candidates if c.open_count < c.agent.max_concurrent]
    waited = now - (conversation.queued_at or now)
    if waited >= skill_fallback:
        return free
    known = {skill for c in candidates for skill in c.agent.skills}
    required = _required_skills(conversation, known)
    language = conversation.language
    return [c for c in free if required <= set(c.agent.skills) and _speaks(c.agent, language)]


def _pick_round_robin(inbox: Inbox, eligible: list[Candidate]) -> Candidate:
    last = inbox.round_robin_last_agent_id or 0
    after = [c for c in eligible if c.agent.id > last]
    return (after or eligible)[0]


def _pick_balanced(eligible: list[Candidate]) -> Candidate:
    epoch = datetime.min.replace(tzinfo=utcnow().tzinfo)
    return min(
        eligible, key=lambda c: (c.open_count, c.agent.last_assigned_at or epoch, c.agent.id)
    )


async def assign_waiting(session: AsyncSession, *, team_id: int | None) -> int:
    """Give queued conversations of ``team_id`` to free operators, oldest first."""
    await take_routing_lock(session)
    candidates = await _candidates(session, team_id)
    if not any(c.open_count < c.agent.max_concurrent for c in candidates):
        return 0  # nobody can take one: the queue stays as it is, unread
    waiting = (
        (
            await session.execute(
                select(Conversation)
                .where(
                    Conversation.queued_at.is_not(None),
                    Conversation.assignee_id.is_(None),
                    Conversation.status == "open",
                    Conversation.team_id.is_(None)
                    if team_id is None
                    else Conversation.team_id == team_id,
                )
                .order_by(Conversation.queued_at, Conversation.id)
                .limit(200)
            )
        )
        .scalars()
        .all()
    )
    if not waiting:
        return 0
    inboxes = {
        inbox.id: inbox
        for inbox in (
            await session.execute(select(Inbox).where(Inbox.id.in_({c.inbox_id for c in waiting})))
        ).scalars()
    }
    now = utcnow()
    assigned = 0
    for conversation in waiting:
        inbox = inboxes[conversation.inbox_id]
        settings = inbox_settings(inbox)
        if settings.assignment == "manual":
            continue
        eligible = _eligible(
            conversation,
            candidates,
            skill_fallback=timedelta(minutes=settings.skill_fallback_minutes),
            now=now,
        )
        if not eligible:
            continue
        chosen = (
            _pick_round_robin(inbox, eligible)
            if settings.assignment == "round_robin"
            else _pick_balanced(eligible)
        )
        inbox.round_robin_last_agent_id = chosen.agent.id
        chosen.agent.last_assigned_at = now
        conversation.queued_at = None
        await conversations.assign(
            session,
            conversation_id=conversation.id,
            agent_id=chosen.agent.id,
            team_id=None,
            fields={"agent_id"},
        )
        candidates = [
            Candidate(c.agent, c.open_count + 1) if c is chosen else c for c in candidates
        ]
        assigned += 1
    return assigned


async def queue_position(session: AsyncSession, conversation: Conversation) -> int | None:
    """1 for the next in line; ``None`` when not waiting in a queue."""
    if (
        conversation.queued_at is None
        or conversation.assignee_id is not None
        or conversation.status != "open"
    ):
        return None
    ahead = await session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.queued_at.is_not(None),
            Conversation.assignee_id.is_(None),
            Conversation.status == "open",
            Conversation.team_id.is_(None)
            if conversation.team_id is None
            else Conversation.team_id == conversation.team_id,
            (Conversation.queued_at < conversation.queued_at)
            | (
                (Conversation.queued_at == conversation.queued_at)
                & (Conversation.id < conversation.id)
            ),
        )
    )
    return int(ahead or 0) + 1
