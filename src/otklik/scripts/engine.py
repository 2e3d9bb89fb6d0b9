"""Automation on events: which triggers an operator event means, and running the rules.

Subscribed (``wiring.py``) to conversation and message events, inside the triggering
transaction. Loop guard: rules and auto-replies act under the cause
:data:`changes.AUTOMATION` and the subscription ignores events of that cause, so no rule ever
triggers itself or another rule. Each rule runs in its own savepoint: a failing rule is logged
and skipped, the customer's message still goes through.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations import changes
from otklik.conversations.events import ConversationCreated, ConversationUpdated, MessageCreated
from otklik.conversations.schemas import ConversationOut
from otklik.core import config_cache
from otklik.core.events import Emitted, bus
from otklik.scripts import actions, autoreplies, conditions
from otklik.scripts.context import facts_for, latest_customer_text, load_target
from otklik.scripts.models import AutomationRule
from otklik.scripts.perform import perform
from otklik.scripts.savepoint import isolated

logger = logging.getLogger(__name__)
#: Automatic messages are capped like operators' messages (the default setting).
MAX_CHARS = 10_000
#: Where this reader's notes of old conversation values are kept (``conversations.changes``).
NOTES_KEY = "otklik.scripts.before"
#: The events automation reacts to.
Watched = ConversationCreated | ConversationUpdated | MessageCreated


def triggers_for(event: Watched, before: dict[str, Any]) -> list[str]:
    """The triggers an event stands for, given the noted old values."""
    found = []
    if isinstance(event, ConversationCreated):
        found.append("conversation_created")
    if isinstance(event, MessageCreated) and event.message.author_type == "contact":
        found.append("message_created")
    changed = changes.what_changed(before, _state(event.conversation))
    if changes.STATUS in changed:
        found.append("status_changed")
    if changes.ASSIGNMENT in changed:
        found.append("assigned")
    return found


def _state(conversation: ConversationOut) -> dict[str, Any]:
    return {
        "status": conversation.status,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
    }


@dataclass(frozen=True, slots=True)
class ActiveRule:
    """An enabled rule as the engine runs it: conditions and actions parsed once."""

    id: int
    name: str
    trigger: str
    match: str
    conditions: tuple[conditions.Condition, ...]
    actions: tuple[actions.Action, ...]


def active_rule(rule: AutomationRule) -> ActiveRule:
    return ActiveRule(
        id=rule.id,
        name=rule.name,
        trigger=rule.trigger,
        match=rule.match,
        conditions=tuple(conditions.load_conditions(rule.conditions)),
        actions=tuple(actions.load_actions(rule.actions)),
    )


async def _enabled_rules(session: AsyncSession) -> tuple[ActiveRule, ...]:
    rows = await session.scalars(
        select(AutomationRule)
        .where(AutomationRule.enabled.is_(True))
        .order_by(AutomationRule.position, AutomationRule.id)
    )
    return tuple(active_rule(rule) for rule in rows)


#: Every enabled rule, in running order (``scripts.automation`` marks it changed).
RULES = config_cache.entry("automation_rules", _enabled_rules)


async def rules_for(session: AsyncSession, triggers: Sequence[str]) -> list[ActiveRule]:
    wanted = set(triggers)
    return [rule for rule in await config_cache.get(session, RULES) if rule.trigger in wanted]


async def run_rule(
    session: AsyncSession,
    rule: ActiveRule,
    *,
    conversation_id: int,
    facts: conditions.Facts,
) -> bool:
    """Check the conditions, run the actions in a savepoint; ``False`` if they did not hold
    or the rule failed (logged)."""
    results = conditions.evaluate(rule.conditions, facts)
    if not conditions.satisfied(results, match=rule.match):
        return False
    try:
        async with isolated(session):
            await perform(
                session,
                conversation_id=conversation_id,
                actions=list(rule.actions),
                agent=None,
                max_chars=MAX_CHARS,
            )
    except Exception:
        logger.warning(
            "automation rule %s (%r) failed on conversation %s",
            rule.id,
            rule.name,
            conversation_id,
            exc_info=True,
        )
        return False
    return True


async def _react(session: AsyncSession, event: Watched, triggers: list[str]) -> None:
    conversation_id, inbox_id = event.conversation.id, event.conversation.inbox_id
    if "conversation_created" in triggers:
        await autoreplies.greet(session, conversation_id=conversation_id, inbox_id=inbox_id)
    if "message_created" in triggers:
        await autoreplies.away(session, conversation_id=conversation_id, inbox_id=inbox_id)
    rules = await rules_for(session, triggers)
    if not rules:
        return
    target = await load_target(session, conversation_id)
    text = ""
    if any(conditions.needs_text(r.conditions) for r in rules):
        if isinstance(event, MessageCreated) and event.message.author_type == "contact":
            text = event.message.text
        else:
            text = await latest_customer_text(session, conversation_id)
    for rule in rules:
        # Facts afresh for each rule: an earlier rule may have changed tags or priority.
        await run_rule(
            session, rule, conversation_id=conversation_id, facts=facts_for(target, text=text)
        )


def quiet_for(
    conn: Connection, event: ConversationCreated | ConversationUpdated | MessageCreated
) -> bool:
    """Certainly nothing to run for this event, from the cached rules and inbox (asked by
    writes without a session, which note no old values: only a new conversation or a
    customer's message can trigger anything there)."""
    triggers = triggers_for(event, {})
    if not triggers:
        return True
    if not set(triggers) <= {"conversation_created", "message_created"}:
        return False
    rules = config_cache.peek(conn, RULES)
    if rules is None or any(rule.trigger in triggers for rule in rules):
        return False
    inbox_id = event.conversation.inbox_id
    if "conversation_created" in triggers and not autoreplies.greeting_is_quiet(
        conn, inbox_id=inbox_id
    ):
        return False
    return "message_created" not in triggers or autoreplies.away_is_quiet(conn, inbox_id=inbox_id)


async def on_conversation_event(
    session: AsyncSession,
    emitted: Emitted[ConversationCreated] | Emitted[ConversationUpdated] | Emitted[MessageCreated],
) -> None:
    event = emitted.event
    before = changes.take(session.info, NOTES_KEY, event.conversation.id)
    triggers = triggers_for(event, before)
    if not triggers:
        return
    async with bus.caused_by(changes.AUTOMATION):
        await _react(session, event, triggers)


def install() -> None:
    """Note old conversation values for this reader (subscriptions are in ``wiring.py``)."""
    changes.register(NOTES_KEY, skip_automation=True)
