"""Knowledge-base writes and operator reads: categories, articles, revisions (ADR 25).

Who may do what: admins and supervisors *publish* — they change any article's status, edit
published or archived articles, delete articles and manage categories; agents write and edit
*drafts* (``may_publish`` below). Every save of a title or body is a revision; restoring one
is another save. Each change emits an :mod:`otklik.kb.events` event in its transaction.
"""

from __future__ import annotations

import difflib

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.clock import utcnow
from otklik.core.errors import conflict, forbidden, invalid, not_found
from otklik.core.events import bus
from otklik.kb import events
from otklik.kb.models import KbArticle, KbCategory, KbRevision
from otklik.kb.render import render, slugify
from otklik.kb.schemas import (
    ArticleBrief,
    ArticleIn,
    ArticleOut,
    ArticlePatch,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    DiffOut,
    RevisionOut,
)

PUBLISHERS = frozenset({"admin", "supervisor"})


def may_publish(role: str) -> bool:
    return role in PUBLISHERS


def _require_publisher(role: str) -> None:
    if not may_publish(role):
        raise forbidden("Only admins and supervisors may publish or manage the knowledge base.")


# --- categories ---------------------------------------------------------------------------


def category_out(category: KbCategory) -> CategoryOut:
    return CategoryOut(
        id=category.id,
        parent_id=category.parent_id,
        slug=category.slug,
        name_ru=category.name_ru,
        name_en=category.name_en,
        position=category.position,
    )


async def list_categories(session: AsyncSession) -> list[CategoryOut]:
    rows = await session.scalars(select(KbCategory).order_by(KbCategory.position, KbCategory.id))
    return [category_out(c) for c in rows]


async def _category(session: AsyncSession, category_id: int) -> KbCategory:
    category = await session.get(KbCategory, category_id)
    if category is None:
        raise not_found("Category", category_id)
    return category


async def _slug_free(session: AsyncSession, slug: str, *, but: int | None = None) -> None:
    taken = await session.scalar(select(KbCategory.id).where(KbCategory.slug == slug))
    if taken is not None and taken != but:
        raise conflict(f"A category with slug {slug!r} exists.")


async def create_category(
    session: AsyncSession, *, data: CategoryIn, role: str, actor_id: int
) -> CategoryOut:
    _require_publisher(role)
    if data.parent_id is not None:
        parent = await _category(session, data.parent_id)
        if parent.parent_id is not None:
            raise invalid("A section belongs to a category, not to another section.")
    await _slug_free(session, data.slug)
    category = KbCategory(**data.model_dump())
    session.add(category)
    await session.flush()
    await bus.emit(
        session, events.CategoryChanged(category_id=category.id, deleted=False, actor_id=actor_id)
    )
    return category_out(category)


async def update_category(
    session: AsyncSession, *, category_id: int, data: CategoryPatch, role: str, actor_id: int
) -> CategoryOut:
    _require_publisher(role)
    category = await _category(session, category_id)
    changes = data.model_dump(exclude_unset=True)
    if None in changes.values():
        raise invalid("Fields of a category cannot be null.")
    if "slug" in changes:
        await _slug_free(session, changes["slug"], but=category.id)
    for key, value in changes.items():
        setattr(category, key, value)
    await session.flush()
    await bus.emit(
        session, events.CategoryChanged(category_id=category.id, deleted=False, actor_id=actor_id)
    )
    return category_out(category)


async def delete_category(
    session: AsyncSession, *, category_id: int, role: str, actor_id: int
) -> None:
    """Its sections go with it; its articles stay, without a category."""
    _require_publisher(role)
    category = await _category(session, category_id)
    await session.delete(category)
    await session.flush()
    await bus.emit(
        session, events.CategoryChanged(category_id=category_id, deleted=True, actor_id=actor_id)
    )


# --- articles -----------------------------------------------------------------------------


async def _translations(session: AsyncSession, article: KbArticle) -> dict[str, int]:
    rows = await session.execute(
        select(KbArticle.language, KbArticle.id).where(
            KbArticle.group_id == article.group_id, KbArticle.id != article.id
        )
    )
    return {language: ident for language, ident in rows}


async def article_out(session: AsyncSession, article: KbArticle) -> ArticleOut:
    return ArticleOut(
        id=article.id,
        group_id=article.group_id,
        language=article.language,
        slug=article.slug,
        title=article.title,
        body=article.body,
        html=render(article.body),
        status=article.status,
        internal=article.internal,
        category_id=article.category_id,
        position=article.position,
        author_id=article.author_id,
        updated_by_id=article.updated_by_id,
        created_at=article.created_at,
        updated_at=article.updated_at,
        published_at=article.published_at,
        views=article.views,
        helpful_yes=article.helpful_yes,
        helpful_no=article.helpful_no,
        translations=await _translations(session, article),
    )


async def list_articles(
    session: AsyncSession,
    *,
    status: str | None,
    language: str | None,
    category_id: int | None,
    limit: int,
    offset: int,
) -> list[ArticleBrief]:
    query = select(KbArticle)
    if status is not None:
        query = query.where(KbArticle.status == status)
    if language is not None:
        query = query.where(KbArticle.language == language)
    if category_id is not None:
        query = query.where(KbArticle.category_id == category_id)
    rows = await session.scalars(
        query.order_by(KbArticle.updated_at.desc(), KbArticle.id.desc()).limit(limit).offset(offset)
    )
    return [
        ArticleBrief(
            id=a.id,
            language=a.language,
            slug=a.slug,
            title=a.title,
            status=a.status,
            internal=a.internal,
            category_id=a.category_id,
            updated_at=a.updated_at,
        )
        for a in rows
    ]


async def get_article(session: AsyncSession, article_id: int) -> KbArticle:
    article = await session.get(KbArticle, article_id)
    if article is None:
        raise not_found("Article", article_id)
    return article


async def _free_slug(session: AsyncSession, language: str, wanted: str, but: int | None) -> str:
    """``wanted`` if no other article of the language has it; a generated one gets ``-2``…"""
    taken = set(
        await session.scalars(
            select(KbArticle.slug).where(
                KbArticle.language == language,
                KbArticle.slug.startswith(wanted),
                KbArticle.id != (but or 0),
            )
        )
    )
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


async def _revise(session: AsyncSession, article: KbArticle, actor_id: int | None) -> None:
    last = await session.scalar(
        select(func.max(KbRevision.number)).where(KbRevision.article_id == article.id)
    )
    session.add(
        KbRevision(
            article_id=article.id,
            number=(last or 0) + 1,
            title=article.title,
            body=article.body,
            author_id=actor_id,
        )
    )


def _set_status(article: KbArticle, status: str) -> None:
    article.status = status
    if status == "published" and article.published_at is None:
        article.published_at = utcnow()


async def create_article(
    session: AsyncSession, *, data: ArticleIn, role: str, actor_id: int
) -> KbArticle:
    if data.status != "draft":
        _require_publisher(role)
    group_id: int | None = None
    if data.translation_of is not None:
        original = await get_article(session, data.translation_of)
        group_id = original.group_id
        if original.language == data.language:
            raise invalid("A translation is in another language than the article.")
        taken = await session.scalar(
            select(KbArticle.id).where(
                KbArticle.group_id == group_id, KbArticle.language == data.language
            )
        )
        if taken is not None:
            raise conflict(f"The article already has a {data.language} version ({taken}).")
    if data.category_id is not None:
        await _category(session, data.category_id)
    if data.slug is not None:
        if await _free_slug(session, data.language, data.slug, None) != data.slug:
            raise conflict(f"Slug {data.slug!r} is taken in {data.language}.")
        slug = data.slug
    else:
        slug = await _free_slug(session, data.language, slugify(data.title), None)
    now = utcnow()
    article = KbArticle(
        group_id=group_id,
        language=data.language,
        category_id=data.category_id,
        slug=slug,
        title=data.title,
        body=data.body,
        internal=data.internal,
        position=data.position,
        author_id=actor_id,
        updated_by_id=actor_id,
        created_at=now,
        updated_at=now,
    )
    _set_status(article, data.status)
    session.add(article)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create took the slug
        raise conflict("The slug or translation was just taken; try again.") from exc
    if article.group_id is None:
        article.group_id = article.id
    await _revise(session, article, actor_id)
    await session.flush()
    await bus.emit(
        session, events.ArticleChanged(article_id=article.id, change="created", actor_id=actor_id)
    )
    return article


def require_editor(article: KbArticle, role: str) -> None:
    """Any operator edits a draft; a published or archived article is for publishers."""
    if article.status != "draft":
        _require_publisher(role)


async def is_public(session: AsyncSession, article_id: int) -> bool:
    """May anyone read the article (published, not internal)?"""
    article = await session.get(KbArticle, article_id)
    return article is not None and article.status == "published" and not article.internal


async def update_article(
    session: AsyncSession, *, article_id: int, data: ArticlePatch, role: str, actor_id: int
) -> KbArticle:
    article = await get_article(session, article_id)
    changes = data.model_dump(exclude_unset=True)
    for key in ("title", "body", "slug", "internal", "position", "status"):
        if key in changes and changes[key] is None:
            raise invalid(f"{key} cannot be null.")
    if article.status != "draft" or "status" in changes:
        _require_publisher(role)
    if changes.get("category_id") is not None:
        await _category(session, changes["category_id"])
    if "slug" in changes and changes["slug"] != article.slug:
        if (
            await _free_slug(session, article.language, changes["slug"], article.id)
            != changes["slug"]
        ):
            raise conflict(f"Slug {changes['slug']!r} is taken in {article.language}.")
    status = changes.pop("status", None)
    revised = any(k in changes and changes[k] != getattr(article, k) for k in ("title", "body"))
    for key, value in changes.items():
        setattr(article, key, value)
    change = "updated"
    if status is not None and status != article.status:
        _set_status(article, status)
        change = {"published": "published", "archived": "archived"}.get(status, "updated")
    article.updated_at = utcnow()
    article.updated_by_id = actor_id
    if revised:
        await _revise(session, article, actor_id)
    await session.flush()
    await bus.emit(
        session,
        events.ArticleChanged(article_id=article.id, change=change, actor_id=actor_id),
    )
    return article


async def delete_article(
    session: AsyncSession, *, article_id: int, role: str, actor_id: int
) -> None:
    article = await get_article(session, article_id)
    if article.status != "draft":
        _require_publisher(role)
    await session.delete(article)
    await session.flush()
    await bus.emit(
        session, events.ArticleChanged(article_id=article_id, change="deleted", actor_id=actor_id)
    )


# --- revisions ----------------------------------------------------------------------------


async def list_revisions(session: AsyncSession, *, article_id: int) -> list[RevisionOut]:
    await get_article(session, article_id)
    rows = await session.scalars(
        select(KbRevision)
        .where(KbRevision.article_id == article_id)
        .order_by(KbRevision.number.desc())
    )
    return [
        RevisionOut(
            id=r.id, number=r.number, title=r.title, author_id=r.author_id, created_at=r.created_at
        )
        for r in rows
    ]


async def _revision(session: AsyncSession, article_id: int, revision_id: int) -> KbRevision:
    revision = await session.get(KbRevision, revision_id)
    if revision is None or revision.article_id != article_id:
        raise not_found("Revision", revision_id)
    return revision


def _lines(title: str, body: str) -> list[str]:
    return [f"# {title}\n", "\n", *(line + "\n" for line in body.splitlines())]


async def diff(session: AsyncSession, *, article_id: int, revision_id: int) -> DiffOut:
    """From the revision to the article as it is now (``difflib``'s unified diff)."""
    article = await get_article(session, article_id)
    revision = await _revision(session, article_id, revision_id)
    lines = difflib.unified_diff(
        _lines(revision.title, revision.body),
        _lines(article.title, article.body),
        fromfile=f"revision {revision.number}",
        tofile="current",
    )
    return DiffOut(revision_id=revision.id, diff="".join(lines))


async def restore(
    session: AsyncSession, *, article_id: int, revision_id: int, role: str, actor_id: int
) -> KbArticle:
    article = await get_article(session, article_id)
    if article.status != "draft":
        _require_publisher(role)
    revision = await _revision(session, article_id, revision_id)
    article.title = revision.title
    article.body = revision.body
    article.updated_at = utcnow()
    article.updated_by_id = actor_id
    await _revise(session, article, actor_id)
    await session.flush()
    await bus.emit(
        session, events.ArticleChanged(article_id=article.id, change="restored", actor_id=actor_id)
    )
    return article
