"""Search requests and results, and the contract a searchable kind fulfils."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.access import Scope
from otklik.core.fulltext import Query

#: Matches ranked per kind: the newest this many, never all matches of a common word.
CANDIDATES = 500


@dataclass(frozen=True, slots=True)
class Filters:
    """Conversation filters; a kind that is not about conversations is skipped when any is set."""

    status: str | None = None
    inbox_id: int | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    tag: str | None = None
    channel: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    @property
    def any(self) -> bool:
        return any(getattr(self, field.name) is not None for field in fields(self))


@dataclass(frozen=True, slots=True)
class Request:
    query: Query
    scope: Scope
    filters: Filters
    limit: int


@dataclass(frozen=True, slots=True)
class Found:
    """One match as a kind returns it; the service makes the snippet from ``text``."""

    id: int
    title: str
    text: str
    created_at: datetime | None = None
    conversation_id: int | None = None
    message_id: int | None = None
    private: bool = False


@dataclass(frozen=True, slots=True)
class Kind:
    """A searchable kind, registered by its domain (``wiring.py``): messages, contacts,
    canned answers, and later knowledge-base articles. ``search`` returns at most
    ``limit + 1`` matches the caller may see, best first (the extra one says "more")."""

    name: str
    search: Callable[[AsyncSession, Request], Awaitable[list[Found]]]
    #: Whether the conversation filters apply to it (otherwise it is skipped when one is set).
    conversations: bool = False
    #: Recomputes every row's ``search_terms`` (``otklik reindex``); returns rows done, and
    #: reports progress through the callback (rows done so far, rows in all).
    reindex: Callable[[AsyncSession, Callable[[int, int], None]], Awaitable[int]] | None = None


class Hit(BaseModel):
    id: int
    title: str
    #: HTML: the text escaped, matching words in ``<mark>``.
    snippet: str
    created_at: datetime | None = None
    conversation_id: int | None = None
    message_id: int | None = None
    private: bool = False


class Group(BaseModel):
    kind: str
    hits: list[Hit]
    #: More matches than shown.
    more: bool


class SearchResults(BaseModel):
    q: str
    groups: list[Group]
