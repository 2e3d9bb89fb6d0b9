"""Custom attributes: definitions (admins) and typed, validated values."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.attributes import events
from otklik.attributes.models import AttributeDefinition
from otklik.attributes.schemas import DefinitionIn, DefinitionOut, DefinitionUpdate
from otklik.audit import service as audit
from otklik.contacts import service as contacts
from otklik.contacts.schemas import ContactOut
from otklik.conversations import service as conversations
from otklik.conversations.schemas import ConversationOut
from otklik.core.clock import utcnow
from otklik.core.errors import conflict, invalid, not_found
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_AGENTS


def definition_out(definition: AttributeDefinition) -> DefinitionOut:
    return DefinitionOut.model_validate(definition, from_attributes=True)


async def list_definitions(session: AsyncSession, *, entity: str | None) -> list[DefinitionOut]:
    query = select(AttributeDefinition).order_by(AttributeDefinition.entity, AttributeDefinition.id)
    if entity is not None:
        query = query.where(AttributeDefinition.entity == entity)
    return [definition_out(d) for d in (await session.execute(query)).scalars()]


async def create_definition(
    session: AsyncSession, *, data: DefinitionIn, actor_id: int
) -> AttributeDefinition:
    if data.type == "list" and not data.options:
        raise invalid("A list attribute needs options.")
    exists = await session.scalar(
        select(AttributeDefinition.id).where(
            AttributeDefinition.entity == data.entity, AttributeDefinition.key == data.key
        )
    )
    if exists is not None:
        raise conflict(f"The {data.entity} attribute {data.key!r} exists already.")
    definition = AttributeDefinition(**data.model_dump())
    session.add(definition)
    await session.flush()
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="attribute.created",
        target_type="attribute",
        target_id=definition.id,
        data=data.model_dump(),
    )
    await _announce_definition(session, definition.id, definition.entity)
    return definition


async def update_definition(
    session: AsyncSession, *, definition_id: int, data: DefinitionUpdate, actor_id: int
) -> AttributeDefinition:
    definition = await session.get(AttributeDefinition, definition_id)
    if definition is None:
        raise not_found("Attribute", definition_id)
    if data.label is not None:
        definition.label = data.label
    if data.options is not None:
        if definition.type == "list" and not data.options:
            raise invalid("A list attribute needs options.")
        definition.options = data.options
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="attribute.updated",
        target_type="attribute",
        target_id=definition.id,
        data=data.model_dump(exclude_unset=True),
    )
    await _announce_definition(session, definition.id, definition.entity)
    return definition


async def delete_definition(session: AsyncSession, *, definition_id: int, actor_id: int) -> None:
    definition = await session.get(AttributeDefinition, definition_id)
    if definition is None:
        raise not_found("Attribute", definition_id)
    await session.delete(definition)
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="attribute.deleted",
        target_type="attribute",
        target_id=definition_id,
        data={"key": definition.key, "entity": definition.entity},
    )
    await _announce_definition(session, definition_id, definition.entity, deleted=True)


async def _announce_definition(
    session: AsyncSession, definition_id: int, entity: str, *, deleted: bool = False
) -> None:
    await session.flush()
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=events.DEFINITION_CHANGED,
        payload=events.DEFINITION_CHANGED_FRAME.payload(
            events.DefinitionChangedData(id=definition_id, entity=entity, deleted=deleted)
        ),
    )


def _coerce(definition: AttributeDefinition, value: Any) -> Any:
    """The value as stored, or ``ValueError`` with what is wrong with it."""
    kind = definition.type
    if kind == "text":
        if not isinstance(value, str) or len(value) > 1000:
            raise ValueError("a text of at most 1000 characters")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("a number")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError("true or false")
        return value
    if kind == "date":
        if not isinstance(value, str):
            raise ValueError("a date like 2026-12-31")
        return date.fromisoformat(value).isoformat()
    if value not in definition.options:
        raise ValueError(f"one of {definition.options}")
    return value


async def validated_values(
    session: AsyncSession, *, entity: str, current: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    """``current`` updated with ``values`` after checking each against its definition."""
    definitions = {
        d.key: d
        for d in (
            await session.execute(
                select(AttributeDefinition).where(AttributeDefinition.entity == entity)
            )
        ).scalars()
    }
    result = dict(current)
    for key, value in values.items():
        definition = definitions.get(key)
        if definition is None:
            raise invalid(f"No {entity} attribute {key!r} is defined.")
        if value is None:
            result.pop(key, None)
            continue
        try:
            result[key] = _coerce(definition, value)
        except ValueError as exc:
            raise invalid(f"{key} must be {exc}.") from exc
    return result


async def set_conversation_values(
    session: AsyncSession, *, conversation_id: int, values: dict[str, Any]
) -> ConversationOut:
    conversation = await conversations.get_conversation(session, conversation_id, lock=True)
    merged = await validated_values(
        session, entity="conversation", current=conversation.attributes, values=values
    )
    return await conversations.set_attributes(
        session, conversation_id=conversation_id, values=merged
    )


async def set_contact_values(
    session: AsyncSession, *, contact_id: int, values: dict[str, Any]
) -> ContactOut:
    contact = await contacts.get_contact(session, contact_id)
    await conversations.require_contact(session, contact_id=contact_id)
    contact.attributes = await validated_values(
        session, entity="contact", current=contact.attributes, values=values
    )
    contact.updated_at = utcnow()
    await contacts.announce_contact(session, contact)
    return contacts.contact_out(contact)
