"""Messages as a searchable kind (``search.schemas.Kind``), over what the operator may see.

A message is found when the operator may see its conversation (``accounts/access.py``);
private notes are messages of the same conversation, so they follow the same rule. The
candidates are the newest :data:`~otklik.search.schemas.CANDIDATES` matches; only those are
ranked (ADR 23).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, exists, func, select
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


#: Newest messages a PostgreSQL search first walks backwards: a common word fills its
#: candidates there at once.
PROBE_ROWS = 20_000


async def newest_candidates(session: AsyncSession, found: Select[Any]) -> list[Any]:
    """The rows of ``found`` (a :func:`candidates` query), newest first, at most CANDIDATES.

    On PostgreSQL one plan does not fit every word. Walking the messages backwards stops
    early for a common word but reads hundreds of thousands of rows for one in a few hundred
    messages; the GIN index's matches sorted by id are cheap for a rare word but mean
    fetching every one of 200,000 matches of a common one. The planner guesses between them
    from the word's estimated frequency, and guessed wrong for middle words (p95 of 200–500
    ms at 1,000,000 messages, ``bench/search.py``). So: walk the newest ``PROBE_ROWS``
    backwards; if that did not fill the candidates, take the index's matches inside an id
    window sized from the probe's hit rate (the BRIN index of migration 0041 makes the
    window a cheap page filter), and the whole table only if the window was not enough.
    SQLite's FTS5 query already walks its own index newest first; it keeps one query.
    """
    if session.get_bind().dialect.name != "postgresql":
        return list(await session.execute(found))
    m = _messages.c
    newest = int(await session.scalar(select(func.max(m.id))) or 0)
    probe = list(await session.execute(found.where(m.id > newest - PROBE_ROWS)))
    if len(probe) >= CANDIDATES or newest <= PROBE_ROWS:
        return probe
    # ``id + 0``: not the primary key's order, so the plan starts from the GIN index.
    by_index = found.order_by(None).order_by((m.id + 0).desc())
    if probe:
        window = PROBE_ROWS * CANDIDATES * 2 // len(probe)
        if window < newest:
            rows = list(await session.execute(by_index.where(m.id > newest - window)))
            if len(rows) >= CANDIDATES:
                return rows
    return list(await session.execute(by_index))


async def search_messages(session: AsyncSession, request: Request) -> list[Found]:
    m = _messages.c
    dialect = session.get_bind().dialect.name
    found = candidates(
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
    )
    rows = sorted(
        await newest_candidates(session, found), key=lambda row: (row.score, row.id), reverse=True
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
        for row in rows[: request.limit + 1]
    ]


async def matching_conversations(session: AsyncSession, query: Query) -> list[int]:
    """Conversations with a matching message the session's operator may see (the list's
    ``q``): those of the newest ``CANDIDATES`` matches."""
    dialect = session.get_bind().dialect.name
    found = candidates(
        dialect,
        query,
        access.scope_in(session),
        Filters(),
        _messages.c.id,
        _messages.c.conversation_id,
    )
    return sorted({row.conversation_id for row in await newest_candidates(session, found)})


def _refill(session: Session, progress: Callable[[int, int], None]) -> int:
    return refill_sync(
        session.connection(), _messages, ("text",), lambda row: analyze(row.text), progress
    )


async def reindex(session: AsyncSession, progress: Callable[[int, int], None]) -> int:
    return await session.run_sync(_refill, progress)


MESSAGES = Kind(name="messages", search=search_messages, conversations=True, reindex=reindex)
