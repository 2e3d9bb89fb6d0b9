"""Reads the operator and visitor APIs serve: lists, one conversation, message pages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from otklik.accounts import access
from otklik.attachments import service as attachments
from otklik.conversations.models import (
    Conversation,
    ConversationTag,
    Message,
)
from otklik.conversations.schemas import (
    ConversationOut,
    MessageOut,
    MessagePage,
)
from otklik.conversations.shapes import (
    conversation_out,
    message_out,
    visitor_message_out,
    with_contact_and_last,
)
from otklik.core.chunks import chunks
from otklik.core.errors import not_found
from otklik.core.events import Reach


def visible_to(scope: access.Scope) -> ColumnElement[bool]:
    """Conversations ``scope`` may see (the rule lives in ``accounts/access.py``)."""
    return access.visible(
        scope,
        inbox_id=Conversation.inbox_id,
        team_id=Conversation.team_id,
        assignee_id=Conversation.assignee_id,
    )


def visible_contact_ids(scope: access.Scope) -> Select[Any]:
    """The contacts ``scope`` may see: those with a conversation it may see."""
    return select(Conversation.contact_id).where(visible_to(scope))


def carries_any(conversation_id: Any, tags: Iterable[str]) -> ColumnElement[bool]:
    """Whether the conversation ``conversation_id`` (another domain's column) carries any of
    ``tags`` now (the reports' tag filter): one key lookup per row, so a query over a short
    period checks its own rows only, not every tagged conversation."""
    return (
        select(ConversationTag.conversation_id)
        .where(
            ConversationTag.conversation_id == conversation_id,
            ConversationTag.tag.in_(sorted(tags)),
        )
        .exists()
    )


def carrying_several(tags: Iterable[str]) -> Select[int, int, int]:
    """``(conversation_id, carried, every)`` of each conversation that carries two or more of
    ``tags`` now: how many of them, and how many tags it carries in all (the reports' "any
    of" several tags from per-tag and per-pair rows). One ``GROUP BY`` over those tags'
    rows, as a subquery to join."""
    every = aliased(ConversationTag)
    in_all = (
        select(func.count())
        .where(every.conversation_id == ConversationTag.conversation_id)
        .scalar_subquery()
    )
    return (
        select(
            ConversationTag.conversation_id,
            func.count().label("carried"),
            in_all.label("every"),
        )
        .where(ConversationTag.tag.in_(sorted(set(tags))))
        .group_by(ConversationTag.conversation_id)
        .having(func.count() > 1)
    )


def tag_pairs() -> Select[int, str]:
    """``(conversation_id, tag)`` of every tagged conversation, as a subquery to join (the
    reports' volume by tag)."""
    return select(ConversationTag.conversation_id, ConversationTag.tag)


def reach_columns() -> Select[int, int | None, int | None, str]:
    """``(id, team_id, assignee_id, priority)`` of every conversation, as a subquery to join
    (the SLA compliance figures by team, operator or priority)."""
    return select(
        Conversation.id, Conversation.team_id, Conversation.assignee_id, Conversation.priority
    )


def visible(session: AsyncSession) -> ColumnElement[bool]:
    """Conversations the operator whose request ``session`` serves may see; every one for
    a session of the system (jobs, channels, the widget)."""
    return visible_to(access.scope_in(session))


def reach(conversation: Conversation) -> Reach:
    """What decides who hears of ``conversation`` (live frames and their replay)."""
    return Reach(conversation.inbox_id, conversation.team_id, conversation.assignee_id)


async def reaches_of_contacts(
    session: AsyncSession, contact_ids: Sequence[int]
) -> dict[int, list[Reach]]:
    """Every distinct way each contact's conversations reach operators (whoever asks: this
    decides who hears of a contact, ``contacts.announce_contacts``); contacts without
    conversations are left out."""
    found: dict[int, list[Reach]] = {}
    for piece in chunks(contact_ids):
        rows = await session.execute(
            select(
                Conversation.contact_id,
                Conversation.inbox_id,
                Conversation.team_id,
                Conversation.assignee_id,
            )
            .where(Conversation.contact_id.in_(piece))
            .distinct()
        )
        for contact_id, inbox_id, team_id, assignee_id in rows:
            found.setdefault(contact_id, []).append(Reach(inbox_id, team_id, assignee_id))
    return found


async def reaches_of(session: AsyncSession, ids: Iterable[int]) -> dict[int, tuple[Reach, str]]:
    """The reach and priority of each of the conversations ``ids`` (whoever asks: SLA
    alerts and compliance figures)."""
    found: dict[int, tuple[Reach, str]] = {}
    for piece in chunks(ids):
        rows = await session.execute(
            select(
                Conversation.id,
                Conversation.inbox_id,
                Conversation.team_id,
                Conversation.assignee_id,
                Conversation.priority,
            ).where(Conversation.id.in_(piece))
        )
        found.update({row[0]: (Reach(row[1], row[2], row[3]), row[4]) for row in rows})
    return found


async def visible_among(session: AsyncSession, ids: Iterable[int]) -> set[int]:
    """Which of the conversations ``ids`` the session's operator may see."""
    wanted = list(ids)
    if not wanted:
        return set()
    found = await session.scalars(
        select(Conversation.id).where(Conversation.id.in_(wanted), visible(session))
    )
    return set(found)


ADMITTED_KEY = "otklik.access.admitted"


def _open_to(session: AsyncSession, conversation_id: int) -> ColumnElement[bool]:
    """The access condition for one conversation: none once this session admitted it."""
    if conversation_id in session.info.get(ADMITTED_KEY, ()):
        return true()
    return visible(session)


async def get_conversation(
    session: AsyncSession, conversation_id: int, *, lock: bool = False
) -> Conversation:
    """The conversation, if the session's operator may see it; else 404 (not 403: whether
    it exists is not theirs to know).

    Once admitted, a conversation stays open to the rest of the request: an agent may
    escalate or transfer a conversation out of their own scope, and the same request's
    next steps (the assignment, the system note, the answer) must still reach it."""
    query = select(Conversation).where(
        Conversation.id == conversation_id, _open_to(session, conversation_id)
    )
    if lock:
        query = query.with_for_update()
    conversation = await session.scalar(query)
    if conversation is None:
        raise not_found("Conversation", conversation_id)
    session.info.setdefault(ADMITTED_KEY, set()).add(conversation_id)
    return conversation


async def require_contact(session: AsyncSession, *, contact_id: int) -> None:
    """404 unless the session's operator may see one of the contact's conversations
    (operators reach contacts through conversations; admins reach every contact)."""
    if access.scope_in(session).everything:
        return
    found = await session.scalar(
        select(Conversation.id)
        .where(Conversation.contact_id == contact_id, visible(session))
        .limit(1)
    )
    if found is None:
        raise not_found("Contact", contact_id)


async def contact_and_reach(
    session: AsyncSession, *, conversation_id: int, scope: access.Scope
) -> tuple[int, Reach] | None:
    """The conversation's contact and reach, or ``None`` when ``scope`` may not see it (or
    there is no such conversation)."""
    row = (
        await session.execute(
            select(
                Conversation.contact_id,
                Conversation.inbox_id,
                Conversation.team_id,
                Conversation.assignee_id,
            ).where(Conversation.id == conversation_id, visible_to(scope))
        )
    ).first()
    if row is None:
        return None
    contact_id, inbox_id, team_id, assignee_id = row
    return contact_id, Reach(inbox_id, team_id, assignee_id)


async def conversation_exists(
    session: AsyncSession, *, conversation_id: int, scope: access.Scope
) -> bool:
    """Whether the conversation exists and ``scope`` may see it."""
    found = await session.scalar(
        select(Conversation.id).where(Conversation.id == conversation_id, visible_to(scope))
    )
    return found is not None


async def latest_conversation_id(
    session: AsyncSession, *, contact_id: int, inbox_id: int
) -> int | None:
    """The contact's latest conversation in the inbox (what the widget shows), if any."""
    return await session.scalar(
        select(Conversation.id)
        .where(Conversation.contact_id == contact_id, Conversation.inbox_id == inbox_id)
        .order_by(Conversation.id.desc())
        .limit(1)
    )


async def latest_conversation_reach(
    session: AsyncSession, *, contact_id: int, inbox_id: int
) -> tuple[int, Reach] | None:
    """The contact's latest conversation in the inbox and its reach (a visitor's typing
    notice reaches only the operators who may see it), if any."""
    row = (
        await session.execute(
            select(Conversation.id, Conversation.team_id, Conversation.assignee_id)
            .where(Conversation.contact_id == contact_id, Conversation.inbox_id == inbox_id)
            .order_by(Conversation.id.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    ident, team_id, assignee_id = row
    return ident, Reach(inbox_id, team_id, assignee_id)


async def describe(session: AsyncSession, conversation_id: int) -> ConversationOut:
    row = (
        await session.execute(
            with_contact_and_last().where(
                Conversation.id == conversation_id, _open_to(session, conversation_id)
            )
        )
    ).first()
    if row is None:
        raise not_found("Conversation", conversation_id)
    return conversation_out(row[0], row[1], row[2])


async def list_messages(
    session: AsyncSession, *, conversation_id: int, before: int | None, limit: int
) -> MessagePage:
    exists = await session.scalar(
        select(Conversation.id).where(
            Conversation.id == conversation_id, _open_to(session, conversation_id)
        )
    )
    if exists is None:
        raise not_found("Conversation", conversation_id)
    query = select(Message).where(Message.conversation_id == conversation_id)
    if before is not None:
        query = query.where(Message.id < before)
    rows = (
        (await session.execute(query.order_by(Message.id.desc()).limit(limit + 1))).scalars().all()
    )
    page = list(reversed(rows[:limit]))
    files = await attachments.for_messages(session, [m.id for m in page])
    return MessagePage(
        items=[message_out(m, files.get(m.id, ())) for m in page], has_more=len(rows) > limit
    )


async def contact_conversations(session: AsyncSession, *, contact_id: int) -> list[ConversationOut]:
    rows = (
        await session.execute(
            with_contact_and_last()
            .where(Conversation.contact_id == contact_id, visible(session))
            .order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())
            .limit(100)
        )
    ).all()
    return [conversation_out(c, contact, m) for c, contact, m in rows]


async def visitor_messages(
    session: AsyncSession, *, contact_id: int, inbox_id: int, after: int | None, limit: int = 500
) -> list[MessageOut]:
    query = (
        select(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.contact_id == contact_id,
            Conversation.inbox_id == inbox_id,
            Message.private.is_(False),
        )
    )
    if after is not None:
        query = query.where(Message.id > after)
    rows = (await session.execute(query.order_by(Message.id).limit(limit))).scalars().all()
    files = await attachments.for_messages(session, [m.id for m in rows])
    return [visitor_message_out(m, files.get(m.id, ())) for m in rows]


async def latest_customer_text(session: AsyncSession, conversation_id: int) -> str:
    """The customer's latest message in the conversation ("" if none); no access check
    (the system's own reads: the language a survey is asked in)."""
    text = await session.scalar(
        select(Message.text)
        .where(Message.conversation_id == conversation_id, Message.author_type == "contact")
        .order_by(Message.id.desc())
        .limit(1)
    )
    return text or ""


async def creation_times(
    session: AsyncSession, *, since: datetime, until: datetime
) -> list[datetime]:
    """When conversations were created in ``[since, until)`` (every inbox: the workforce
    forecast counts the whole workspace's volume)."""
    rows = await session.scalars(
        select(Conversation.created_at).where(
            Conversation.created_at >= since, Conversation.created_at < until
        )
    )
    return list(rows)


async def open_assigned_counts(
    session: AsyncSession, *, agent_ids: Iterable[int]
) -> dict[int, int]:
    """How many open conversations each of ``agent_ids`` holds (absent: none)."""
    rows = await session.execute(
        select(Conversation.assignee_id, func.count())
        .where(Conversation.status == "open", Conversation.assignee_id.in_(sorted(agent_ids)))
        .group_by(Conversation.assignee_id)
    )
    return {int(agent_id): int(count) for agent_id, count in rows if agent_id is not None}
