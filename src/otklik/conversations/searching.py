"""Messages as a searchable kind (``search.schemas.Kind``), over what the operator may see.

A message is found when the operator may see its conversation (``accounts/access.py``);
private notes are messages of the same conversation, so they follow the same rule. The
candidates are the newest :data:`~otklik.search.schemas.CANDIDATES` matches; only those are
ranked (ADR 23).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from otklik.accounts import access
from otklik.conversations.models import Conversation, ConversationTag, Message
from otklik.core.fulltext import Query, analyze
from otklik.core.fulltext_sql import match, refill_sync
from otklik.search.schemas import CANDIDATES, Filters, Found, Kind, Request

_messages = cast(Table, Message.__table__)
_conversations = cast(Table, Conversation.__table__)


def _conditions(scope: access.Scope, filters: Filters) -> list[ColumnElement[bool]]:
    c = _conversations.c
    found: list[ColumnElement[bool]] = [
        access.visible(scope, inbox_id=c.inbox_id, team_id=c.team_id, assignee_id=c.assignee_id)
    ]
    if filters.status is not None:
        found.append(c.status == filters.status)
    if filters.inbox_id is not None:
        found.append(c.inbox_id == filters.inbox_id)
    if filters.team_id is not None:
        found.append(c.team_id == filters.team_id)
    if filters.assignee_id is not None:
        found.append(c.assignee_id == filters.assignee_id)
    if filters.channel is not None:
        found.append(c.channel == filters.channel)
    if filters.tag is not None:
        found.append(
            exists().where(
                ConversationTag.conversation_id == c.id, ConversationTag.tag == filters.tag
            )
        )
    if filters.date_from is not None:
        found.append(_messages.c.created_at >= filters.date_from)
    if filters.date_to is not None:
        found.append(_messages.c.created_at < filters.date_to)
    return found


def candidates(
    dialect: str, query: Query, scope: access.Scope, filters: Filters, *columns: Any
) -> Select[Any]:
    """The newest matching messages the scope may see (at most ``CANDIDATES``)."""
    found = match(_messages, query, dialect)
    return (
        select(*columns, found.score.label("score"))
        .select_from(
            found.source.join(_conversations, _conversations.c.id == _messages.c.conversation_id)
        )
        .where(found.condition, *_conditions(scope, filters))
        .order_by(found.newest_first)
        .limit(CANDIDATES)
    )


async def search_messages(session: AsyncSession, request: Request) -> list[Found]:
    m = _messages.c
    dialect = session.get_bind().dialect.name
    ranked = candidates(
        dialect,
        request.query,
        request.scope,
        request.filters,
        m.id,
        m.conversation_id,
        m.text,
        m.author_name,
        m.private,
        m.created_at,
    ).subquery()
    rows = await session.execute(
        select(ranked).order_by(ranked.c.score.desc(), ranked.c.id.desc()).limit(request.limit + 1)
    )
    return [
        Found(
            id=row.id,
            title=row.author_name or "",
            text=row.text,
            created_at=row.created_at,
            conversation_id=row.conversation_id,
            message_id=row.id,
            private=row.private,
        )
        for row in rows
    ]


async def matching_conversations(session: AsyncSession, query: Query) -> list[int]:
    """Conversations with a matching message the session's operator may see (the list's
    ``q``): those of the newest ``CANDIDATES`` matches."""
    dialect = session.get_bind().dialect.name
    found = candidates(
        dialect, query, access.scope_in(session), Filters(), _messages.c.conversation_id
    )
    return sorted({row[0] for row in await session.execute(found)})


def _refill(session: Session, progress: Callable[[int, int], None]) -> int:
    return refill_sync(
        session.connection(), _messages, ("text",), lambda row: analyze(row.text), progress
    )


async def reindex(session: AsyncSession, progress: Callable[[int, int], None]) -> int:
    return await session.run_sync(_refill, progress)


MESSAGES = Kind(name="messages", search=search_messages, conversations=True, reindex=reindex)
