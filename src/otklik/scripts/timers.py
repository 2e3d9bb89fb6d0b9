"""Time triggers: "no operator reply for N minutes", "no customer reply for N minutes".

A periodic job (``scripts.time_triggers``, every minute) looks, per enabled time rule, for
conversations whose silence has lasted N minutes and that this rule has not yet looked at in
the current waiting period, checks the conditions and runs the actions once. The period starts
at ``waiting_since`` (the customer's oldest unanswered message) for operator silence and at the
operator's latest public reply for customer silence. Automatic messages (a rule's own "are you
still there?") start no new period, so a rule never re-arms itself. Periods whose N minutes
ran out before the rule was switched on are left alone: a new rule does not sweep through last
month's conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels.models import Inbox
from otklik.contacts.models import Contact
from otklik.conversations import changes
from otklik.conversations.models import Conversation, Message
from otklik.core.clock import utcnow
from otklik.core.events import bus
from otklik.jobs.registry import JobContext, job
from otklik.scripts.conditions import evaluate, load_conditions, needs_text, satisfied
from otklik.scripts.context import Target, facts_for, latest_customer_text
from otklik.scripts.engine import active_rule, run_rule
from otklik.scripts.firings import fire_once
from otklik.scripts.models import TIME_TRIGGERS, AutomationRule, ScriptFiring

BATCH = 200
#: At most this many conversations per rule and run; the next run continues.
MAX_PER_RUN = 1000


@dataclass(frozen=True, slots=True)
class Due:
    target: Target
    period_at: datetime


def _period(rule: AutomationRule) -> ColumnElement[Any]:
    if rule.trigger == "no_operator_reply":
        return Conversation.waiting_since.expression
    latest_reply: ColumnElement[datetime] = (
        select(func.max(Message.created_at))
        .where(
            Message.conversation_id == Conversation.id,
            Message.author_type == "agent",
            Message.private.is_(False),
        )
        .scalar_subquery()
    )
    return latest_reply


async def _due(session: AsyncSession, rule: AutomationRule, limit: int) -> list[Due]:
    minutes = timedelta(minutes=rule.trigger_minutes or 0)
    cutoff = utcnow() - minutes
    period = _period(rule)
    if rule.trigger == "no_operator_reply":
        waiting = [Conversation.status == "open"]
    else:
        waiting = [
            Conversation.status.in_(("open", "pending")),
            Conversation.waiting_since.is_(None),
        ]
    seen = exists().where(
        ScriptFiring.key == f"rule:{rule.id}",
        ScriptFiring.conversation_id == Conversation.id,
        ScriptFiring.period_at == period,
    )
    rows = await session.execute(
        select(Conversation, Contact, Inbox, period)
        .join(Contact, Contact.id == Conversation.contact_id)
        .join(Inbox, Inbox.id == Conversation.inbox_id)
        .where(*waiting, period <= cutoff, period > rule.active_since - minutes, ~seen)
        .order_by(Conversation.id)
        .limit(limit)
    )
    return [
        Due(Target(conversation, contact, inbox), period_at)
        for conversation, contact, inbox, period_at in rows
        if period_at is not None
    ]


async def fire_time_rules(session: AsyncSession) -> int:
    """Run the due time rules; returns how many times a rule's actions ran."""
    rules = list(
        await session.scalars(
            select(AutomationRule)
            .where(AutomationRule.enabled.is_(True), AutomationRule.trigger.in_(TIME_TRIGGERS))
            .order_by(AutomationRule.position, AutomationRule.id)
        )
    )
    fired = 0
    async with bus.caused_by(changes.AUTOMATION):
        for rule in rules:
            wants_text = needs_text(load_conditions(rule.conditions))
            handled = 0
            while handled < MAX_PER_RUN:
                batch = await _due(session, rule, min(BATCH, MAX_PER_RUN - handled))
                if not batch:
                    break
                handled += len(batch)
                for due in batch:
                    fired += await _consider(session, rule, due, wants_text)
    return fired


async def _consider(session: AsyncSession, rule: AutomationRule, due: Due, wants_text: bool) -> int:
    """Look once per period: the firing row is written whether the conditions hold or not,
    so conversations that do not match never crowd the batch again."""
    conversation_id = due.target.conversation.id
    text = await latest_customer_text(session, conversation_id) if wants_text else ""
    facts = facts_for(due.target, text=text)
    matched = satisfied(evaluate(load_conditions(rule.conditions), facts), match=rule.match)
    first = await fire_once(
        session,
        key=f"rule:{rule.id}",
        rule_id=rule.id,
        conversation_id=conversation_id,
        period_at=due.period_at,
        matched=matched,
    )
    if not (first and matched):
        return 0
    return int(
        await run_rule(session, active_rule(rule), conversation_id=conversation_id, facts=facts)
    )


@job("scripts.time_triggers")
async def time_triggers(ctx: JobContext, payload: dict[str, Any]) -> None:
    await fire_time_rules(ctx.session)
