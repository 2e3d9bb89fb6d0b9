"""Macros: named lists of actions an agent runs on one conversation or many at once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent
from otklik.accounts.service import team_directory
from otklik.conversations import service as conversations
from otklik.core.clock import utcnow
from otklik.core.errors import AppError, conflict, invalid, not_found
from otklik.scripts import actions, events, scopes
from otklik.scripts.models import Macro
from otklik.scripts.perform import perform
from otklik.scripts.savepoint import isolated
from otklik.scripts.schemas import MacroIn, MacroOut, MacroPatch, RunError, RunResult


def macro_out(macro: Macro) -> MacroOut:
    return MacroOut(
        id=macro.id,
        name=macro.name,
        scope=macro.scope,
        team_id=macro.team_id,
        owner_id=macro.owner_id,
        actions=actions.load_actions(macro.actions),
        created_at=macro.created_at,
        updated_at=macro.updated_at,
    )


async def list_macros(session: AsyncSession, *, agent: Agent) -> list[Macro]:
    return list(
        await session.scalars(
            select(Macro)
            .where(scopes.visible_to(Macro, agent))
            .order_by(Macro.name, Macro.id)
            .limit(1000)
        )
    )


async def get_macro(session: AsyncSession, *, agent: Agent, macro_id: int) -> Macro:
    macro = await session.get(Macro, macro_id)
    if macro is None or not await scopes.can_see(session, agent, macro):
        raise not_found("Macro", macro_id)
    return macro


async def _canned_keys(session: AsyncSession, placement: scopes.Placement) -> list[str]:
    """A macro may send canned answers that everyone who can run it can see."""
    if placement.scope == "global":
        return ["global"]
    if placement.scope == "team":
        return ["global", placement.key]
    teams = await team_directory(session)
    team_ids = teams.team_ids_of(placement.owner_id) if placement.owner_id is not None else []
    return ["global", placement.key, *(f"team:{t}" for t in team_ids)]


async def _check(
    session: AsyncSession,
    placement: scopes.Placement,
    name: str,
    steps: Sequence[actions.Action],
    except_id: int | None = None,
) -> None:
    query = select(func.count()).where(Macro.scope_key == placement.key, Macro.name == name)
    if except_id is not None:
        query = query.where(Macro.id != except_id)
    if await session.scalar(query):
        raise conflict(f"A macro named {name!r} exists in this scope already.")
    await actions.check_references(
        session,
        steps,
        for_rule=False,
        canned_scope_keys=await _canned_keys(session, placement),
    )


async def create_macro(session: AsyncSession, *, agent: Agent, data: MacroIn) -> Macro:
    placement = await scopes.place(session, agent=agent, scope=data.scope, team_id=data.team_id)
    await _check(session, placement, data.name, data.actions)
    now = utcnow()
    macro = Macro(
        name=data.name,
        actions=actions.dump_actions(data.actions),
        created_by_id=agent.id,
        created_at=now,
        updated_at=now,
    )
    scopes.apply(macro, placement)
    session.add(macro)
    await scopes.flush_unique(
        session, f"A macro named {macro.name!r} exists in this scope already."
    )
    await events.changed(session, events.MACRO_CHANGED, item_id=macro.id, placement=placement)
    return macro


async def update_macro(
    session: AsyncSession, *, agent: Agent, macro_id: int, data: MacroPatch
) -> Macro:
    macro = await get_macro(session, agent=agent, macro_id=macro_id)
    scopes.check_can_edit(agent, scopes.placement_of(macro))
    sent = data.model_fields_set
    if ("name" in sent and data.name is None) or ("actions" in sent and data.actions is None):
        raise invalid("name and actions cannot be null.")
    placement = scopes.placement_of(macro)
    if "scope" in sent or "team_id" in sent:
        new_scope = data.scope or macro.scope
        if "team_id" in sent:
            team_id = data.team_id
        else:
            team_id = macro.team_id if new_scope == "team" else None
        placement = await scopes.place(session, agent=agent, scope=new_scope, team_id=team_id)
    name = data.name or macro.name
    steps = data.actions if data.actions is not None else actions.load_actions(macro.actions)
    await _check(session, placement, name, steps, except_id=macro.id)
    scopes.apply(macro, placement)
    macro.name = name
    macro.actions = actions.dump_actions(steps)
    macro.updated_at = utcnow()
    await scopes.flush_unique(
        session, f"A macro named {macro.name!r} exists in this scope already."
    )
    await events.changed(session, events.MACRO_CHANGED, item_id=macro.id, placement=placement)
    return macro


async def delete_macro(session: AsyncSession, *, agent: Agent, macro_id: int) -> None:
    macro = await get_macro(session, agent=agent, macro_id=macro_id)
    placement = scopes.placement_of(macro)
    scopes.check_can_edit(agent, placement)
    await session.delete(macro)
    await session.flush()
    await events.changed(
        session, events.MACRO_CHANGED, item_id=macro_id, placement=placement, deleted=True
    )


async def run_macro(
    session: AsyncSession,
    *,
    agent: Agent,
    macro_id: int,
    conversation_ids: Sequence[int],
    max_chars: int,
) -> list[RunResult]:
    """Run on each conversation in its own savepoint: one that fails (deleted meanwhile, a
    canned answer gone) is reported and undone; the others keep their changes."""
    macro = await get_macro(session, agent=agent, macro_id=macro_id)
    steps = actions.load_actions(macro.actions)
    results = []
    for conversation_id in dict.fromkeys(conversation_ids):
        try:
            async with isolated(session):
                await perform(
                    session,
                    conversation_id=conversation_id,
                    actions=steps,
                    agent=agent,
                    max_chars=max_chars,
                )
        except AppError as error:
            results.append(
                RunResult(
                    conversation_id=conversation_id,
                    ok=False,
                    error=RunError(code=error.code, message=error.message),
                )
            )
            continue
        results.append(
            RunResult(
                conversation_id=conversation_id,
                ok=True,
                conversation=await conversations.describe(session, conversation_id),
            )
        )
    return results
