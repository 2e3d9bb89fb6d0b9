"""Knowledge base: categories and their sections, articles (one row per language, linked by
``group_id``), their revisions, "was this helpful?" votes and widget deflections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId
from otklik.core.fulltext import analyze

LANGUAGES = ("ru", "en")
STATUSES = ("draft", "published", "archived")


class KbCategory(Base):
    """A category (``parent_id`` empty) or a section of one; shown by ``position``."""

    __tablename__ = "kb_categories"
    __table_args__ = (Index("ix_kb_categories_parent_position", "parent_id", "position"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_categories.id", ondelete="CASCADE")
    )
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name_ru: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KbArticle(Base):
    """One language's version of an article; the versions of one article share ``group_id``
    (the id of the first one written)."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        UniqueConstraint("language", "slug", name="uq_kb_articles_language_slug"),
        UniqueConstraint("group_id", "language", name="uq_kb_articles_group_language"),
        # The help center's lists and counts: published, public, one language, by category
        # and order (``internal`` inside, so a count per category reads the index alone).
        Index("ix_kb_articles_public", "language", "status", "internal", "category_id", "position"),
        # The sitemap's pages: covering, in id order (migration 0040).
        Index(
            "ix_kb_articles_sitemap", "status", "internal", "id", "language", "slug", "updated_at"
        ),
        # The help center's "latest articles".
        Index("ix_kb_articles_latest", "language", "status", "updated_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    group_id: Mapped[int | None] = mapped_column(index=True)
    language: Mapped[str] = mapped_column(String(2))
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_categories.id", ondelete="SET NULL"), index=True
    )
    #: Stable: set when the article is created, changed only on request, never by a title.
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: For operators only: never in the help center or the widget.
    internal: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    views: Mapped[int] = mapped_column(default=0, server_default="0")
    helpful_yes: Mapped[int] = mapped_column(default=0, server_default="0")
    helpful_no: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Search terms (ADR 23) of the title and body, set on every ORM write (below).
    search_terms: Mapped[str | None] = mapped_column(Text)


class KbRevision(Base):
    """The article as it was saved, each time: its history, diffed and restored from."""

    __tablename__ = "kb_revisions"
    __table_args__ = (UniqueConstraint("article_id", "number", name="uq_kb_revisions_number"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KbDeflection(Base):
    """A widget visitor read a suggested article and closed the widget without a chat."""

    __tablename__ = "kb_deflections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("kb_articles.id", ondelete="CASCADE"), index=True
    )
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(KbArticle, "before_insert")
@event.listens_for(KbArticle, "before_update")
def _terms(_: Mapper[KbArticle], __: Connection, article: KbArticle) -> None:
    article.search_terms = analyze(article.title, article.body)
