"""What templates and conditions read about one conversation, loaded in one query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent
from otklik.channels.service import AnyInbox, inbox_by_id, inbox_settings
from otklik.contacts.models import Contact
from otklik.conversations.models import Conversation, Message
from otklik.core.clock import utcnow
from otklik.core.errors import not_found
from otklik.scripts.conditions import Facts
from otklik.scripts.hours import is_open
from otklik.scripts.templates import ATTRIBUTE_PREFIX, first_name


@dataclass(frozen=True, slots=True)
class Target:
    conversation: Conversation
    contact: Contact
    inbox: AnyInbox


async def load_target(session: AsyncSession, conversation_id: int) -> Target:
    row = (
        await session.execute(
            select(Conversation, Contact)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(Conversation.id == conversation_id)
        )
    ).first()
    inbox = await inbox_by_id(session, row[0].inbox_id) if row is not None else None
    if row is None or inbox is None:
        raise not_found("Conversation", conversation_id)
    return Target(conversation=row[0], contact=row[1], inbox=inbox)


def agent_values(agent: Agent | None) -> dict[str, str | None]:
    if agent is None:
        return {}
    return {"agent.name": agent.name, "agent.first_name": first_name(agent.name)}


async def template_values(
    session: AsyncSession, target: Target, *, agent: Agent | None
) -> dict[str, str | None]:
    """Variables for :func:`templates.render`. Without an acting agent (automation) the
    conversation's assignee, if any, is ``agent``."""
    conversation, contact = target.conversation, target.contact
    if agent is None and conversation.assignee_id is not None:
        agent = await session.get(Agent, conversation.assignee_id)
    values = agent_values(agent)
    values.update(
        {
            "contact.name": contact.name,
            "contact.first_name": first_name(contact.name),
            "contact.email": contact.email,
            "conversation.id": str(conversation.id),
            "inbox.name": target.inbox.name,
        }
    )
    for key, value in (contact.attributes or {}).items():
        if value is not None and not isinstance(value, (dict, list)):
            values[ATTRIBUTE_PREFIX + str(key)] = str(value)
    return values


async def latest_customer_text(session: AsyncSession, conversation_id: int) -> str:
    text = await session.scalar(
        select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.author_type == "contact")
        .order_by(Message.id.desc())
        .limit(1)
    )
    return text or ""


def facts_for(
    target: Target,
    *,
    text: str,
    survey_kind: str | None = None,
    survey_score: int | None = None,
) -> Facts:
    conversation = target.conversation
    return Facts(
        inbox_id=conversation.inbox_id,
        channel=conversation.channel,
        status=conversation.status,
        priority=conversation.priority,
        language=conversation.language,
        tags=list(conversation.tags or []),
        contact_attributes=dict(target.contact.attributes or {}),
        inside_hours=is_open(inbox_settings(target.inbox).working_hours, utcnow()),
        text=text,
        survey_kind=survey_kind,
        survey_score=survey_score,
    )
