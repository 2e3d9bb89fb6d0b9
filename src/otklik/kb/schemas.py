"""Knowledge-base API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from otklik.attachments.schemas import AttachmentOut
from otklik.core.schemas import Id, StrictModel

Language = Literal["ru", "en"]
Status = Literal["draft", "published", "archived"]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=100)]


class CategoryIn(StrictModel):
    name_ru: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    slug: Slug
    #: A section of this category; empty: a category.
    parent_id: Id | None = None
    position: int = Field(default=0, ge=0, le=1_000_000)


class CategoryPatch(StrictModel):
    name_ru: str | None = Field(default=None, min_length=1, max_length=200)
    name_en: str | None = Field(default=None, min_length=1, max_length=200)
    slug: Slug | None = None
    position: int | None = Field(default=None, ge=0, le=1_000_000)


class CategoryOut(BaseModel):
    id: int
    parent_id: int | None
    slug: str
    name_ru: str
    name_en: str
    position: int


class ArticleIn(StrictModel):
    language: Language
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=200_000)
    #: From the title when empty; stable afterwards.
    slug: Slug | None = None
    category_id: Id | None = None
    internal: bool = False
    position: int = Field(default=0, ge=0, le=1_000_000)
    status: Status = "draft"
    #: Another language's version of the same article: the two are linked.
    translation_of: Id | None = None


class ArticlePatch(StrictModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    body: str | None = Field(default=None, max_length=200_000)
    slug: Slug | None = None
    category_id: Id | None = None
    internal: bool | None = None
    position: int | None = Field(default=None, ge=0, le=1_000_000)
    status: Status | None = None


class ArticleOut(BaseModel):
    id: int
    group_id: int | None
    language: Language
    slug: str
    title: str
    body: str
    #: The body rendered and sanitised.
    html: str
    status: Status
    internal: bool
    category_id: int | None
    position: int
    author_id: int | None
    updated_by_id: int | None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    views: int
    helpful_yes: int
    helpful_no: int
    #: The other language's version: ``{"en": 12}``.
    translations: dict[str, int] = Field(default_factory=dict)


class ArticleBrief(BaseModel):
    id: int
    language: Language
    slug: str
    title: str
    status: Status
    internal: bool
    category_id: int | None
    updated_at: datetime


class RevisionOut(BaseModel):
    id: int
    number: int
    title: str
    author_id: int | None
    created_at: datetime


class DiffOut(BaseModel):
    revision_id: int
    #: A unified diff of title and body, from the revision to the article as it is now.
    diff: str


class Suggestion(BaseModel):
    id: int
    title: str
    slug: str
    language: Language
    #: HTML: escaped text, matching words in ``<mark>``.
    snippet: str
    #: The help center's page of the article (for a link in a reply or the widget).
    url: str


class DeflectionIn(StrictModel):
    inbox: str = Field(min_length=1, max_length=100)
    article_id: Id


class PreviewIn(StrictModel):
    body: str = Field(max_length=200_000)


class PreviewOut(BaseModel):
    html: str


class KbFileOut(AttachmentOut):
    """A file attached to an article (``url``: ``/kb-files/{id}/{filename}``, public with the
    article), and the Markdown that shows it (a safe image) or links it."""

    markdown: str
