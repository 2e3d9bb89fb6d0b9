"""Automation rules triggered by a survey's answer ("survey answered"), with the score and
kind as conditions (``survey_score`` ≤ 2 → a note that @mentions the team lead, say).

Subscribed (``wiring.py``) to ``SurveyResponded`` inside the answering transaction, so the
rule's actions commit with the answer. A comment added to an answer is not a new answer and
triggers nothing.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations import changes
from otklik.core.events import Emitted, bus
from otklik.scripts import conditions
from otklik.scripts.context import facts_for, latest_customer_text, load_target
from otklik.scripts.engine import rules_for, run_rule
from otklik.surveys.events import SurveyResponded

TRIGGER = "survey_answered"


async def on_survey_responded(session: AsyncSession, emitted: Emitted[SurveyResponded]) -> None:
    event = emitted.event
    if event.comment_only:
        return
    rules = await rules_for(session, [TRIGGER])
    if not rules:
        return
    survey = event.survey
    target = await load_target(session, survey.conversation_id)
    text = ""
    if any(conditions.needs_text(r.conditions) for r in rules):
        text = await latest_customer_text(session, survey.conversation_id)
    async with bus.caused_by(changes.AUTOMATION):
        for rule in rules:
            facts = facts_for(target, text=text, survey_kind=survey.kind, survey_score=survey.score)
            await run_rule(session, rule, conversation_id=survey.conversation_id, facts=facts)
