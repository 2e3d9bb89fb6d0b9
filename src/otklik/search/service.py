"""One search over every registered kind (messages, contacts, canned answers, …).

Each domain owns the SQL over its own tables and registers a :class:`~otklik.search.schemas.Kind`
(``wiring.py``); this service parses the query once, asks each kind for what the operator
may see, and turns every match into a highlighted snippet. A new kind (the knowledge base's
articles) is one more registration: nothing here changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.core.errors import invalid
from otklik.core.fulltext import Query, parse
from otklik.search.highlight import snippet
from otklik.search.schemas import Filters, Group, Hit, Kind, Request, SearchResults

_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    _kinds[kind.name] = kind


def kinds() -> list[Kind]:
    return list(_kinds.values())


def kind_names() -> list[str]:
    return list(_kinds)


def query_of(q: str) -> Query | None:
    return parse(q)


async def search(
    session: AsyncSession,
    q: str,
    *,
    kinds: Sequence[str] | None = None,
    filters: Filters | None = None,
    limit: int = 10,
) -> SearchResults:
    """What the session's operator may find for ``q``, grouped by kind, best first."""
    filters = filters or Filters()
    wanted = list(kinds) if kinds else kind_names()
    unknown = [name for name in wanted if name not in _kinds]
    if unknown:
        raise invalid(f"Unknown kinds: {', '.join(unknown)}; known: {', '.join(_kinds)}.")
    query = parse(q)
    if query is None:
        return SearchResults(q=q, groups=[])
    request = Request(query=query, scope=access.scope_in(session), filters=filters, limit=limit)
    groups = []
    for name in wanted:
        kind = _kinds[name]
        if filters.any and not kind.conversations:
            continue
        found = await kind.search(session, request)
        groups.append(
            Group(
                kind=name,
                hits=[
                    Hit(
                        id=f.id,
                        title=f.title,
                        snippet=snippet(f.text, query),
                        created_at=f.created_at,
                        conversation_id=f.conversation_id,
                        message_id=f.message_id,
                        private=f.private,
                    )
                    for f in found[:limit]
                ],
                more=len(found) > limit,
            )
        )
    return SearchResults(q=q, groups=groups)


async def reindex(session: AsyncSession, progress: Callable[[str, int, int], None]) -> int:
    """Recompute every registered kind's search terms; ``progress(kind, done, total)``."""
    done = 0
    for kind in _kinds.values():
        if kind.reindex is None:
            continue

        def step(n: int, total: int, name: str = kind.name) -> None:
            progress(name, n, total)

        done += await kind.reindex(session, step)
    return done
