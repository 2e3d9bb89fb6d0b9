"""Automation rules (admins): create, change, order, delete, and try one on a conversation."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent
from otklik.core import config_cache
from otklik.core.clock import utcnow
from otklik.core.errors import invalid, not_found
from otklik.scripts import actions, conditions, events, scopes
from otklik.scripts.context import facts_for, latest_customer_text, load_target
from otklik.scripts.engine import RULES
from otklik.scripts.models import AutomationRule
from otklik.scripts.schemas import RuleIn, RuleOut, RulePatch, RuleTestOut, TriggerIn

GLOBAL = scopes.Placement(scope="global", owner_id=None, team_id=None)


def rule_out(rule: AutomationRule) -> RuleOut:
    return RuleOut(
        id=rule.id,
        name=rule.name,
        enabled=rule.enabled,
        trigger=TriggerIn.model_validate({"type": rule.trigger, "minutes": rule.trigger_minutes}),
        match=rule.match,
        conditions=conditions.load_conditions(rule.conditions),
        actions=actions.load_actions(rule.actions),
        position=rule.position,
        created_at=rule.created_at,
        updated_at=rule.updated_at,
    )


async def list_rules(session: AsyncSession) -> list[AutomationRule]:
    return list(
        await session.scalars(
            select(AutomationRule).order_by(AutomationRule.position, AutomationRule.id)
        )
    )


async def get_rule(session: AsyncSession, rule_id: int) -> AutomationRule:
    rule = await session.get(AutomationRule, rule_id)
    if rule is None:
        raise not_found("Automation rule", rule_id)
    return rule


async def _check_actions(session: AsyncSession, steps: list[actions.Action]) -> None:
    await actions.check_references(session, steps, for_rule=True, canned_scope_keys=["global"])


async def create_rule(session: AsyncSession, *, admin: Agent, data: RuleIn) -> AutomationRule:
    await _check_actions(session, data.actions)
    now = utcnow()
    rule = AutomationRule(
        name=data.name,
        enabled=data.enabled,
        trigger=data.trigger.type,
        trigger_minutes=data.trigger.minutes,
        match=data.match,
        conditions=conditions.dump_conditions(data.conditions),
        actions=actions.dump_actions(data.actions),
        position=data.position,
        active_since=now,
        created_by_id=admin.id,
        created_at=now,
        updated_at=now,
    )
    session.add(rule)
    await session.flush()
    await config_cache.changed(session, RULES)
    await events.changed(session, events.AUTOMATION_RULE_CHANGED, item_id=rule.id, placement=GLOBAL)
    return rule


async def update_rule(session: AsyncSession, *, rule_id: int, data: RulePatch) -> AutomationRule:
    rule = await get_rule(session, rule_id)
    sent = data.model_fields_set
    for name in sent:
        if getattr(data, name) is None:
            raise invalid(f"{name} cannot be null.")
    if data.actions is not None:
        await _check_actions(session, data.actions)
        rule.actions = actions.dump_actions(data.actions)
    if data.conditions is not None:
        rule.conditions = conditions.dump_conditions(data.conditions)
    if data.trigger is not None:
        rule.trigger = data.trigger.type
        rule.trigger_minutes = data.trigger.minutes
    if data.enabled is not None:
        if data.enabled and not rule.enabled:
            rule.active_since = utcnow()
        rule.enabled = data.enabled
    if data.name is not None:
        rule.name = data.name
    if data.match is not None:
        rule.match = data.match
    if data.position is not None:
        rule.position = data.position
    rule.updated_at = utcnow()
    await session.flush()
    await config_cache.changed(session, RULES)
    await events.changed(session, events.AUTOMATION_RULE_CHANGED, item_id=rule.id, placement=GLOBAL)
    return rule


async def delete_rule(session: AsyncSession, *, rule_id: int) -> None:
    rule = await get_rule(session, rule_id)
    await session.delete(rule)
    await session.flush()
    await config_cache.changed(session, RULES)
    await events.changed(
        session, events.AUTOMATION_RULE_CHANGED, item_id=rule_id, placement=GLOBAL, deleted=True
    )


async def dry_run(session: AsyncSession, *, rule_id: int, conversation_id: int) -> RuleTestOut:
    """Evaluate the conditions against the conversation as it is now; nothing is changed."""
    rule = await get_rule(session, rule_id)
    checks = conditions.load_conditions(rule.conditions)
    target = await load_target(session, conversation_id)
    text = (
        await latest_customer_text(session, conversation_id)
        if conditions.needs_text(checks)
        else ""
    )
    results = conditions.evaluate(checks, facts_for(target, text=text))
    return RuleTestOut(matches=conditions.satisfied(results, match=rule.match), conditions=results)
