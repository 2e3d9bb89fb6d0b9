"""A contact's conversations and messages (private notes too), for a personal-data export
or erasure. Erased messages stay — reports count them — with their text and channel data
gone; the conversations move to the erasure's anonymous placeholder contact."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.config import Settings
from otklik.conversations.models import Conversation, Message
from otklik.privacy.personal_data import Erasure, Exported, PersonalDataPart

#: What an erased message says (the UI shows it as "erased"); no personal data.
ERASED_TEXT = ""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def conversation_ids_of(session: AsyncSession, contact_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(Conversation.id)
            .where(Conversation.contact_id == contact_id)
            .order_by(Conversation.id)
        )
    )


async def resolved_before(session: AsyncSession, cutoff: datetime, limit: int) -> list[int]:
    """Resolved conversations whose last activity is older than ``cutoff`` and that still
    hold text (retention skips what it erased already)."""
    return list(
        await session.scalars(
            select(Conversation.id)
            .where(
                Conversation.status == "resolved",
                Conversation.last_activity_at < cutoff,
                select(Message.id)
                .where(Message.conversation_id == Conversation.id, Message.text != ERASED_TEXT)
                .exists(),
            )
            .order_by(Conversation.id)
            .limit(limit)
        )
    )


def _message(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "author_type": message.author_type,
        "author_name": message.author_name,
        "private": message.private,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }


async def _export(session: AsyncSession, contact_id: int, _settings: Settings) -> Exported:
    conversations = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.contact_id == contact_id)
            .order_by(Conversation.id)
        )
    ).all()
    ids = [c.id for c in conversations]
    messages: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for message in await session.scalars(
            select(Message).where(Message.conversation_id.in_(ids)).order_by(Message.id)
        ):
            messages[message.conversation_id].append(_message(message))
    return Exported(
        [
            {
                "id": c.id,
                "inbox_id": c.inbox_id,
                "channel": c.channel,
                "status": c.status,
                "subject": c.subject,
                "language": c.language,
                "tags": c.tags,
                "attributes": c.attributes,
                "created_at": c.created_at.isoformat(),
                "resolved_at": _iso(c.resolved_at),
                # Private notes are the operators' notes about this customer: included.
                "messages": messages[c.id],
            }
            for c in conversations
        ]
    )


def _strings(values: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            out.extend(_strings(list(value.values())))
        elif isinstance(value, list):
            out.extend(_strings(value))
    return out


async def _prepare(session: AsyncSession, erasure: Erasure) -> None:
    if erasure.contact_id is not None:
        known = set(erasure.conversation_ids)
        erasure.conversation_ids.extend(
            i for i in await conversation_ids_of(session, erasure.contact_id) if i not in known
        )
    ids = erasure.conversation_ids
    if not ids:
        return
    rows = await session.execute(
        select(Message.text, Message.author_type, Message.author_name).where(
            Message.conversation_id.in_(ids)
        )
    )
    for text, author_type, author_name in rows:
        erasure.add_needles([text])
        if author_type == "contact":
            erasure.add_needles([author_name])
    for subject, attributes in await session.execute(
        select(Conversation.subject, Conversation.attributes).where(Conversation.id.in_(ids))
    ):
        erasure.add_needles([subject, *_strings([attributes])])


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    ids = erasure.conversation_ids
    if not ids:
        return
    anonymous = {
        "text": ERASED_TEXT,
        "search_terms": None,  # out of the search index (triggers / generated column)
        "channel_data": {"erased": True},
        "external_id": None,
        "delivery_error": None,
    }
    erased = await session.execute(
        update(Message).where(Message.conversation_id.in_(ids)).values(**anonymous)
    )
    await session.execute(
        update(Message)
        .where(Message.conversation_id.in_(ids), Message.author_type == "contact")
        .values(author_name=None)
    )
    moved: dict[str, Any] = {"subject": None, "attributes": {}}
    if erasure.placeholder_id is not None:
        moved["contact_id"] = erasure.placeholder_id
    await session.execute(update(Conversation).where(Conversation.id.in_(ids)).values(**moved))
    erasure.counts["conversations"] = len(ids)
    erasure.counts["messages"] = int(getattr(erased, "rowcount", 0) or 0)


#: First: every later part needs the conversations found here.
CONVERSATIONS = PersonalDataPart(
    "conversations", order=10, export=_export, prepare=_prepare, erase=_erase
)
