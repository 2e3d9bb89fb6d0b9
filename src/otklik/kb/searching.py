"""Articles in the search service (a registered ``Kind``, ADR 23) and the public searches.

Operators find every article (drafts and internal ones too: the knowledge base is the
workspace's); the help center and the widget find only published, non-internal articles.
The index is ``kb_articles.search_terms`` — written by the ORM listener in ``models.py`` in
the change's own transaction — with FTS5 / ``tsvector`` over it as for the other kinds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from otklik.core.fulltext import Clause, Query, analyze, parse
from otklik.core.fulltext_sql import Match, match, refill_sync
from otklik.kb.models import KbArticle
from otklik.search.highlight import snippet
from otklik.search.schemas import CANDIDATES, Found, Kind, Request

_articles = cast(Table, KbArticle.__table__)


def public_condition(language: str | None = None) -> ColumnElement[bool]:
    """What anyone may read: published and not internal (one language, when given)."""
    c = _articles.c
    condition = (c.status == "published") & (c.internal.is_(False))
    return condition & (c.language == language) if language else condition


async def _ranked(
    session: AsyncSession, found: Match, conditions: Sequence[ColumnElement[bool]], limit: int
) -> list[Any]:
    c = _articles.c
    ranked = (
        select(c.id, c.title, c.body, c.slug, c.language, c.status, c.internal, c.updated_at)
        .add_columns(found.score.label("score"))
        .select_from(found.source)
        .where(found.condition, *conditions)
        .order_by(found.newest_first)
        .limit(CANDIDATES)
        .subquery()
    )
    rows = await session.execute(
        select(ranked).order_by(ranked.c.score.desc(), ranked.c.id.desc()).limit(limit)
    )
    return list(rows)


async def search_articles(session: AsyncSession, request: Request) -> list[Found]:
    """The search box's kind: every article, for every operator."""
    found = match(_articles, request.query, session.get_bind().dialect.name)
    rows = await _ranked(session, found, [], request.limit + 1)
    return [
        Found(
            id=row.id,
            title=f"{row.title} · {row.language.upper()}"
            + ("" if row.status == "published" else f" · {row.status}"),
            text=row.body,
            created_at=row.updated_at,
            private=row.internal,
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class PublicHit:
    id: int
    title: str
    slug: str
    language: str
    snippet: str


def _hits(rows: list[Any], query: Query) -> list[PublicHit]:
    return [
        PublicHit(row.id, row.title, row.slug, row.language, snippet(row.body, query))
        for row in rows
    ]


async def search_public(
    session: AsyncSession, q: str, *, language: str | None, limit: int
) -> list[PublicHit]:
    """The help center's search box: published, public articles that have every word."""
    query = parse(q)
    if query is None:
        return []
    found = match(_articles, query, session.get_bind().dialect.name)
    return _hits(await _ranked(session, found, [public_condition(language)], limit), query)


#: Words of a customer's message that say nothing about its subject.
_MIN_TERM = 4
_MAX_TERMS = 12


def _any_of(terms: Sequence[str], dialect: str) -> Match:
    """A match of *any* of ``terms`` (letters and digits only), best ranked by how many."""
    if dialect == "sqlite":
        fts = table("kb_articles_fts", column("rowid"))
        return Match(
            source=_articles.join(fts, fts.c.rowid == _articles.c.id),
            condition=literal_column("kb_articles_fts").op("MATCH", is_comparison=True)(
                bindparam("fts_query", " OR ".join(f'"{t}"' for t in terms))
            ),
            score=-func.bm25(literal_column("kb_articles_fts")),
            newest_first=fts.c.rowid.desc(),
        )
    tsv: ColumnElement[Any] = literal_column("kb_articles.search_tsv")
    tsquery = func.to_tsquery(
        literal_column("'simple'::regconfig"),
        bindparam("tsquery", " | ".join(f"'{t}'" for t in terms), literal_execute=True),
    )
    return Match(
        source=_articles,
        condition=tsv.op("@@")(tsquery),
        score=func.ts_rank(tsv, tsquery),
        newest_first=_articles.c.id.desc(),
    )


async def suggest(
    session: AsyncSession, texts: Sequence[str], *, public: bool, limit: int
) -> list[PublicHit]:
    """Articles for what a customer wrote: any of its distinctive words, the articles with
    more of them first (a whole message rarely has *every* word of an article)."""
    counted = Counter(t for text in texts for t in analyze(text).split() if len(t) >= _MIN_TERM)
    terms = [t for t, _ in counted.most_common(_MAX_TERMS)]
    if not terms:
        return []
    found = _any_of(terms, session.get_bind().dialect.name)
    conditions = [public_condition()] if public else [_articles.c.status != "archived"]
    rows = await _ranked(session, found, conditions, limit)
    query = Query(tuple(Clause((t,)) for t in terms))
    return _hits(rows, query)


def _refill(session: Session, progress: Callable[[int, int], None]) -> int:
    return refill_sync(
        session.connection(),
        _articles,
        ("title", "body"),
        lambda row: analyze(row.title, row.body),
        progress,
    )


async def reindex(session: AsyncSession, progress: Callable[[int, int], None]) -> int:
    return await session.run_sync(_refill, progress)


ARTICLES = Kind(name="articles", search=search_articles, reindex=reindex)
