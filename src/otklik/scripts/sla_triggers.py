"""Automation rules triggered by SLA alerts: "SLA breached" and "SLA due in 10 minutes".

Subscribed (``wiring.py``) to the SLA sweeper's typed events (``sla/events.py``), inside the
sweeper's transaction: a rule's actions (a tag, a priority, an assignment, a note) commit with
the breach it reacts to, once, as the breach is announced once.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations import changes
from otklik.core.events import Emitted, bus
from otklik.scripts import conditions
from otklik.scripts.context import facts_for, latest_customer_text, load_target
from otklik.scripts.engine import rules_for, run_rule
from otklik.sla.events import SlaBreached, SlaWarning

TRIGGER_OF = {SlaBreached: "sla_breached", SlaWarning: "sla_warning"}


async def on_sla_alert(
    session: AsyncSession, emitted: Emitted[SlaBreached] | Emitted[SlaWarning]
) -> None:
    event = emitted.event
    rules = await rules_for(session, [TRIGGER_OF[type(event)]])
    if not rules:
        return
    target = await load_target(session, event.conversation_id)
    text = ""
    if any(conditions.needs_text(r.conditions) for r in rules):
        text = await latest_customer_text(session, event.conversation_id)
    async with bus.caused_by(changes.AUTOMATION):
        for rule in rules:
            await run_rule(
                session,
                rule,
                conversation_id=event.conversation_id,
                facts=facts_for(target, text=text),
            )
