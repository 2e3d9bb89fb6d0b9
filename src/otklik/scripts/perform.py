"""Carry out actions on one conversation, for a macro (as an agent) or a rule (as the bot)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent
from otklik.conversations import queries as conversation_queries
from otklik.conversations import service as conversations
from otklik.core.clock import utcnow
from otklik.core.errors import invalid
from otklik.scripts import actions as a
from otklik.scripts.context import Target, load_target, template_values
from otklik.scripts.models import CannedAnswer, Macro
from otklik.scripts.scopes import can_see
from otklik.scripts.templates import render
from otklik.surveys import service as surveys


async def count_use(session: AsyncSession, answer_id: int) -> None:
    """One atomic increment: concurrent uses never lose a count."""
    await session.execute(
        update(CannedAnswer)
        .where(CannedAnswer.id == answer_id)
        .values(usage_count=CannedAnswer.usage_count + 1, last_used_at=utcnow())
    )


async def _canned_text(session: AsyncSession, answer_id: int, agent: Agent | None) -> str:
    answer = await session.get(CannedAnswer, answer_id)
    usable = answer is not None and (
        await can_see(session, agent, answer) if agent is not None else answer.scope == "global"
    )
    if answer is None or not usable:
        raise invalid(f"Canned answer {answer_id} no longer exists or is not yours to use.")
    await count_use(session, answer.id)
    return answer.text


async def _macro_actions(session: AsyncSession, macro_id: int) -> list[a.Action]:
    macro = await session.scalar(select(Macro).where(Macro.id == macro_id, Macro.scope == "global"))
    if macro is None:
        raise invalid(f"Macro {macro_id} no longer exists or is not global.")
    return [x for x in a.load_actions(macro.actions) if not isinstance(x, a.RunMacro)]


async def _post(
    session: AsyncSession,
    target: Target,
    *,
    agent: Agent | None,
    template: str,
    private: bool,
    max_chars: int,
) -> None:
    text = render(template, await template_values(session, target, agent=agent))
    if not text.strip():
        raise invalid("The message is empty once its variables are filled in.")
    if agent is not None:
        await conversations.post_agent_message(
            session,
            agent=agent,
            conversation_id=target.conversation.id,
            client_msg_id=f"script-{uuid.uuid4().hex}",
            text=text,
            private=private,
            max_chars=max_chars,
        )
    else:
        await conversations.post_automatic_message(
            session,
            conversation_id=target.conversation.id,
            text=text[:max_chars],
            author_type="bot",
            private=private,
        )


async def _one(
    session: AsyncSession,
    target: Target,
    action: a.Action,
    *,
    agent: Agent | None,
    max_chars: int,
) -> None:
    conversation_id = target.conversation.id
    if isinstance(action, a.AddTags | a.RemoveTags):
        adding = isinstance(action, a.AddTags)
        await conversations.set_tags(
            session,
            conversation_id=conversation_id,
            add=action.tags if adding else [],
            remove=[] if adding else action.tags,
        )
    elif isinstance(action, a.SetPriority):
        await conversations.set_priority(
            session, conversation_id=conversation_id, priority=action.priority
        )
    elif isinstance(action, a.AssignAgent):
        await conversations.assign(
            session,
            conversation_id=conversation_id,
            agent_id=action.agent_id,
            team_id=None,
            fields={"agent_id"},
        )
    elif isinstance(action, a.AssignTeam):
        await conversations.assign(
            session,
            conversation_id=conversation_id,
            agent_id=None,
            team_id=action.team_id,
            fields={"team_id"},
        )
    elif isinstance(action, a.SetStatus):
        until = None
        if action.snooze_minutes is not None:
            until = utcnow() + timedelta(minutes=action.snooze_minutes)
        await conversations.change_status(
            session, conversation_id=conversation_id, status=action.status, snooze_until=until
        )
    elif isinstance(action, a.SendMessage | a.AddNote):
        await _post(
            session,
            target,
            agent=agent,
            template=action.text,
            private=isinstance(action, a.AddNote),
            max_chars=max_chars,
        )
    elif isinstance(action, a.SendCanned):
        template = await _canned_text(session, action.canned_answer_id, agent)
        await _post(
            session, target, agent=agent, template=template, private=False, max_chars=max_chars
        )
    elif isinstance(action, a.Escalate):
        # Imported here: routing depends on conversations, scripts is optional to it.
        from otklik.routing.service import escalate

        await escalate(
            session,
            actor_id=agent.id if agent else None,
            conversation_id=conversation_id,
            to_team_id=action.to_team_id,
            reason=action.reason,
            hand_back=action.hand_back,
        )
    elif isinstance(action, a.SendSurvey):
        await surveys.send(
            session,
            conversation=await conversation_queries.describe(session, conversation_id),
            kind=action.kind,
            origin="agent" if agent is not None else "automation",
        )
    else:
        for inner in await _macro_actions(session, action.macro_id):
            await _one(session, target, inner, agent=agent, max_chars=max_chars)


async def perform(
    session: AsyncSession,
    *,
    conversation_id: int,
    actions: Sequence[a.Action],
    agent: Agent | None,
    max_chars: int,
) -> None:
    """Run ``actions`` in order; the first failure raises (the caller's savepoint undoes the
    rest). ``agent``: who runs a macro; ``None`` for automation (messages come from the bot)."""
    target = await load_target(session, conversation_id)
    for action in actions:
        await _one(session, target, action, agent=agent, max_chars=max_chars)
