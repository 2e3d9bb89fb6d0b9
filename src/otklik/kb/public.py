"""What anyone may read: the help center's and the widget's queries (published, public).

Each page is a few indexed statements, no per-article query (issue 13: p95 ≤ 50 ms at 10,000
articles; ``bench/helpcenter.py``). Views and votes are single ``UPDATE … SET n = n + 1``
statements, never a read-modify-write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.errors import not_found
from otklik.core.events import bus
from otklik.kb import events
from otklik.kb.models import KbArticle, KbCategory, KbDeflection
from otklik.kb.render import plain, render
from otklik.kb.searching import public_condition

_articles = cast(Table, KbArticle.__table__)
#: Articles listed on one category page.
CATEGORY_PAGE = 200


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    parent_id: int | None
    slug: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class Listed:
    id: int
    slug: str
    title: str
    category_id: int | None


@dataclass(frozen=True, slots=True)
class Page:
    id: int
    slug: str
    title: str
    html: str
    description: str
    language: str
    updated_at: datetime
    category: Category | None
    #: The other language's slug, when that version is published too.
    translation: tuple[str, str] | None
    helpful_yes: int
    helpful_no: int


def _name(category: KbCategory, language: str) -> str:
    return category.name_ru if language == "ru" else category.name_en


async def categories(session: AsyncSession, language: str) -> list[Category]:
    """Categories and sections in order, with their public article counts (one statement
    for the counts)."""
    counted = await session.execute(
        select(KbArticle.category_id, func.count())
        .where(public_condition(language))
        .group_by(KbArticle.category_id)
    )
    counts = {category_id: n for category_id, n in counted}
    rows = await session.scalars(select(KbCategory).order_by(KbCategory.position, KbCategory.id))
    return [
        Category(c.id, c.parent_id, c.slug, _name(c, language), counts.get(c.id, 0)) for c in rows
    ]


async def category_articles(
    session: AsyncSession, language: str, category_ids: list[int]
) -> list[Listed]:
    rows = await session.execute(
        select(KbArticle.id, KbArticle.slug, KbArticle.title, KbArticle.category_id)
        .where(public_condition(language), KbArticle.category_id.in_(category_ids))
        .order_by(KbArticle.position, KbArticle.id)
        .limit(CATEGORY_PAGE)
    )
    return [Listed(row.id, row.slug, row.title, row.category_id) for row in rows]


async def latest(session: AsyncSession, language: str, limit: int = 10) -> list[Listed]:
    rows = await session.execute(
        select(KbArticle.id, KbArticle.slug, KbArticle.title, KbArticle.category_id)
        .where(public_condition(language))
        .order_by(KbArticle.updated_at.desc())
        .limit(limit)
    )
    return [Listed(row.id, row.slug, row.title, row.category_id) for row in rows]


async def article_page(session: AsyncSession, language: str, slug: str) -> Page:
    """The published article with this slug, its category and its translation (a read:
    the view is counted by :func:`count_view` in a write of its own). 404 for a draft, an
    archived or an internal article, as for one that does not exist."""
    article = await session.scalar(
        select(KbArticle).where(public_condition(language), KbArticle.slug == slug)
    )
    if article is None:
        raise not_found("Article", slug)
    category = None
    if article.category_id is not None:
        row = await session.get(KbCategory, article.category_id)
        if row is not None:
            category = Category(row.id, row.parent_id, row.slug, _name(row, language), 0)
    other = (
        await session.execute(
            select(KbArticle.language, KbArticle.slug).where(
                KbArticle.group_id == article.group_id,
                KbArticle.id != article.id,
                public_condition(),
            )
        )
    ).first()
    return Page(
        id=article.id,
        slug=article.slug,
        title=article.title,
        html=render(article.body),
        description=plain(article.body, 160),
        language=article.language,
        updated_at=article.updated_at,
        category=category,
        translation=(other[0], other[1]) if other is not None else None,
        helpful_yes=article.helpful_yes,
        helpful_no=article.helpful_no,
    )


async def count_view(session: AsyncSession, article_id: int) -> None:
    await session.execute(
        update(_articles).where(_articles.c.id == article_id).values(views=_articles.c.views + 1)
    )


async def vote(session: AsyncSession, *, language: str, slug: str, helpful: bool) -> None:
    column = _articles.c.helpful_yes if helpful else _articles.c.helpful_no
    done = await session.execute(
        update(_articles)
        .where(public_condition(language), _articles.c.slug == slug)
        .values({column: column + 1})
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise not_found("Article", slug)


#: URLs in one sitemap file; more public articles than this and ``sitemap.xml`` is an index of
#: numbered files (the protocol allows 50,000 a file; small files keep each request short).
SITEMAP_PAGE = 2000


async def sitemap_size(session: AsyncSession) -> int:
    """How many public articles (both languages) the sitemap lists."""
    c = _articles.c
    found = await session.scalar(
        select(func.count())
        .select_from(_articles)
        .where(c.status == "published", c.internal.is_(False))
    )
    return int(found or 0)


async def sitemap(session: AsyncSession, page: int = 1) -> list[tuple[str, str, datetime]]:
    """``(language, slug, updated_at)`` of the public articles of one sitemap file (1-based),
    in id order, read from the covering ``ix_kb_articles_sitemap``."""
    c = _articles.c
    rows = await session.execute(
        select(c.language, c.slug, c.updated_at)
        .where(c.status == "published", c.internal.is_(False))
        .order_by(c.status, c.internal, c.id)
        .limit(SITEMAP_PAGE)
        .offset((page - 1) * SITEMAP_PAGE)
    )
    return [(row.language, row.slug, row.updated_at) for row in rows]


async def deflect(session: AsyncSession, *, article_id: int, inbox_id: int) -> None:
    """A widget visitor read this article and closed the widget: recorded for reports."""
    public = await session.scalar(
        select(KbArticle.id).where(KbArticle.id == article_id, public_condition())
    )
    if public is None:
        raise not_found("Article", article_id)
    session.add(KbDeflection(article_id=article_id, inbox_id=inbox_id))
    await session.flush()
    await bus.emit(session, events.ArticleDeflected(article_id=article_id, inbox_id=inbox_id))
