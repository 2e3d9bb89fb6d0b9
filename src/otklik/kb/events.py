"""Knowledge-base events (ADR 11): emitted by ``kb/service.py`` in the change's transaction.
No realtime frames: the settings page reloads what it shows; webhooks and reports subscribe."""

from __future__ import annotations

from typing import Literal

from otklik.core.events import DomainEvent


class ArticleChanged(DomainEvent):
    name = "kb_article.changed"

    article_id: int
    change: Literal["created", "updated", "published", "archived", "restored", "deleted"]
    actor_id: int | None


class CategoryChanged(DomainEvent):
    name = "kb_category.changed"

    category_id: int
    deleted: bool
    actor_id: int | None


class ArticleDeflected(DomainEvent):
    """A widget visitor read an article and left without starting a chat."""

    name = "kb_article.deflected"

    article_id: int
    inbox_id: int
