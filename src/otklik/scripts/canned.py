"""Canned answers: the ``/shortcut`` list, its scopes, and using one in a reply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from otklik.accounts.models import Agent
from otklik.conversations import service as conversations
from otklik.core.clock import utcnow
from otklik.core.errors import conflict, invalid, not_found
from otklik.scripts import events, scopes
from otklik.scripts.context import agent_values, load_target, template_values
from otklik.scripts.models import CannedAnswer
from otklik.scripts.perform import count_use
from otklik.scripts.schemas import (
    CannedAnswerIn,
    CannedAnswerOut,
    CannedAnswerPatch,
    GapOut,
    UseOut,
)
from otklik.scripts.templates import render_with_gaps


def answer_out(answer: CannedAnswer) -> CannedAnswerOut:
    return CannedAnswerOut.model_validate(answer, from_attributes=True)


def search_text(answer: CannedAnswer) -> str:
    parts = (answer.shortcut, answer.title, answer.category or "", answer.text)
    return "\n".join(parts).casefold()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_answers(
    session: AsyncSession,
    *,
    agent: Agent,
    q: str | None = None,
    category: str | None = None,
    scope: str | None = None,
    limit: int = 100,
) -> list[CannedAnswer]:
    """What ``agent`` may use, best matches first: shortcut prefix, then most used. One query."""
    query = select(CannedAnswer).where(scopes.visible_to(CannedAnswer, agent))
    order: list[ColumnElement[Any] | InstrumentedAttribute[Any]] = []
    needle = (q or "").strip().lstrip("/").casefold()
    if needle:
        query = query.where(CannedAnswer.search_text.like(_like(needle), escape="\\"))
        prefix = CannedAnswer.shortcut.like(f"{_like(needle)[1:]}", escape="\\")
        order.append(case((prefix, 0), else_=1))
    if category is not None:
        query = query.where(CannedAnswer.category == category)
    if scope is not None:
        query = query.where(CannedAnswer.scope == scope)
    order += [CannedAnswer.usage_count.desc(), CannedAnswer.shortcut, CannedAnswer.id]
    return list(await session.scalars(query.order_by(*order).limit(limit)))


async def categories(session: AsyncSession, *, agent: Agent) -> list[str]:
    rows = await session.scalars(
        select(CannedAnswer.category)
        .where(scopes.visible_to(CannedAnswer, agent), CannedAnswer.category.is_not(None))
        .group_by(CannedAnswer.category)
        .order_by(CannedAnswer.category)
    )
    return [c for c in rows if c]


async def get_answer(session: AsyncSession, *, agent: Agent, answer_id: int) -> CannedAnswer:
    """A canned answer ``agent`` may see; 404 otherwise (someone's personal one included)."""
    answer = await session.get(CannedAnswer, answer_id)
    if answer is None or not await scopes.can_see(session, agent, answer):
        raise not_found("Canned answer", answer_id)
    return answer


async def _check_free(
    session: AsyncSession, key: str, shortcut: str, except_id: int | None = None
) -> None:
    query = select(func.count()).where(
        CannedAnswer.scope_key == key, CannedAnswer.shortcut == shortcut
    )
    if except_id is not None:
        query = query.where(CannedAnswer.id != except_id)
    if await session.scalar(query):
        raise conflict(f"The shortcut /{shortcut} is taken in this scope already.")


async def create_answer(
    session: AsyncSession, *, agent: Agent, data: CannedAnswerIn
) -> CannedAnswer:
    placement = await scopes.place(session, agent=agent, scope=data.scope, team_id=data.team_id)
    await _check_free(session, placement.key, data.shortcut)
    now = utcnow()
    answer = CannedAnswer(
        shortcut=data.shortcut,
        title=data.title,
        text=data.text,
        category=data.category,
        usage_count=0,
        created_by_id=agent.id,
        created_at=now,
        updated_at=now,
    )
    scopes.apply(answer, placement)
    answer.search_text = search_text(answer)
    session.add(answer)
    await scopes.flush_unique(
        session, f"The shortcut /{answer.shortcut} is taken in this scope already."
    )
    await events.changed(
        session, events.CANNED_ANSWER_CHANGED, item_id=answer.id, placement=placement
    )
    return answer


async def update_answer(
    session: AsyncSession, *, agent: Agent, answer_id: int, data: CannedAnswerPatch
) -> CannedAnswer:
    answer = await get_answer(session, agent=agent, answer_id=answer_id)
    scopes.check_can_edit(agent, scopes.placement_of(answer))
    sent = data.model_fields_set
    for name in ("shortcut", "title", "text"):
        value = getattr(data, name)
        if name in sent and value is None:
            raise invalid(f"{name} cannot be null.")
    placement = scopes.placement_of(answer)
    if "scope" in sent or "team_id" in sent:
        new_scope = data.scope or answer.scope
        if "team_id" in sent:
            team_id = data.team_id
        else:
            team_id = answer.team_id if new_scope == "team" else None
        placement = await scopes.place(session, agent=agent, scope=new_scope, team_id=team_id)
    shortcut = data.shortcut or answer.shortcut
    if shortcut != answer.shortcut or placement.key != answer.scope_key:
        await _check_free(session, placement.key, shortcut, except_id=answer.id)
    scopes.apply(answer, placement)
    answer.shortcut = shortcut
    answer.title = data.title or answer.title
    answer.text = data.text or answer.text
    if "category" in sent:
        answer.category = data.category
    answer.search_text = search_text(answer)
    answer.updated_at = utcnow()
    await scopes.flush_unique(
        session, f"The shortcut /{answer.shortcut} is taken in this scope already."
    )
    await events.changed(
        session, events.CANNED_ANSWER_CHANGED, item_id=answer.id, placement=placement
    )
    return answer


async def delete_answer(session: AsyncSession, *, agent: Agent, answer_id: int) -> None:
    answer = await get_answer(session, agent=agent, answer_id=answer_id)
    placement = scopes.placement_of(answer)
    scopes.check_can_edit(agent, placement)
    await session.delete(answer)
    await session.flush()
    await events.changed(
        session, events.CANNED_ANSWER_CHANGED, item_id=answer_id, placement=placement, deleted=True
    )


async def use_answer(
    session: AsyncSession, *, agent: Agent, answer_id: int, conversation_id: int | None
) -> UseOut:
    """The text with variables filled in for the reply box; counts one use."""
    answer = await get_answer(session, agent=agent, answer_id=answer_id)
    if conversation_id is not None:
        await conversations.get_conversation(session, conversation_id)  # 404 if out of scope
        target = await load_target(session, conversation_id)
        values = await template_values(session, target, agent=agent)
    else:
        values = agent_values(agent)
    await count_use(session, answer.id)
    await session.refresh(answer)
    text, gaps = render_with_gaps(answer.text, values)
    return UseOut(
        text=text,
        canned_answer=answer_out(answer),
        gaps=[GapOut(variable=g.variable, at=g.at) for g in gaps],
    )


def visible_scope_keys(agent: Agent, team_ids: Sequence[int]) -> list[str]:
    """Where canned answers usable by ``agent`` live (for checking macro references)."""
    return ["global", f"agent:{agent.id}", *(f"team:{t}" for t in team_ids)]
