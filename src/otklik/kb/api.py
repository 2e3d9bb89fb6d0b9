"""Knowledge-base API: operators' articles, categories, revisions and suggestions; the
widget's public suggestions and deflections (``/api/v1/widget/kb/…``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from otklik.accounts.deps import CurrentAgent
from otklik.attachments import service as attachments
from otklik.channels import service as channels
from otklik.conversations import queries as conversations
from otklik.core.deps import AppSettings, ClientIp, DbSession
from otklik.core.ratelimit import RateLimit
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items
from otklik.kb import public, searching, service
from otklik.kb.render import render
from otklik.kb.schemas import (
    ArticleBrief,
    ArticleIn,
    ArticleOut,
    ArticlePatch,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    DeflectionIn,
    DiffOut,
    Language,
    PreviewIn,
    PreviewOut,
    RevisionOut,
    Status,
    Suggestion,
)

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["knowledge base"])

#: The widget's public endpoints, per client address.
_widget_limit = RateLimit(60, 60.0)


def article_url(language: str, slug: str, inbox_key: str | None = None) -> str:
    """The help center's page of an article (``web/helpcenter.py``)."""
    return f"/help/{inbox_key or '-'}/{language}/articles/{slug}"


@router.get("/kb/categories", response_model=Items[CategoryOut])
async def list_categories(_: CurrentAgent, session: DbSession) -> Items[CategoryOut]:
    return Items(items=await service.list_categories(session))


@router.post("/kb/categories", response_model=CategoryOut, status_code=201)
async def create_category(body: CategoryIn, agent: CurrentAgent, session: DbSession) -> CategoryOut:
    return await service.create_category(session, data=body, role=agent.role, actor_id=agent.id)


@router.patch("/kb/categories/{category_id}", response_model=CategoryOut)
async def update_category(
    category_id: Id, body: CategoryPatch, agent: CurrentAgent, session: DbSession
) -> CategoryOut:
    return await service.update_category(
        session, category_id=category_id, data=body, role=agent.role, actor_id=agent.id
    )


@router.delete("/kb/categories/{category_id}", status_code=204)
async def delete_category(category_id: Id, agent: CurrentAgent, session: DbSession) -> Response:
    await service.delete_category(
        session, category_id=category_id, role=agent.role, actor_id=agent.id
    )
    return Response(status_code=204)


@router.post("/kb/preview", response_model=PreviewOut)
async def preview(body: PreviewIn, _: CurrentAgent) -> PreviewOut:
    """The editor's preview: Markdown rendered and sanitised exactly as the article will be."""
    return PreviewOut(html=render(body.body))


@router.get("/kb/articles", response_model=Items[ArticleBrief])
async def list_articles(
    _: CurrentAgent,
    session: DbSession,
    status: Status | None = None,
    language: Language | None = None,
    category_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Items[ArticleBrief]:
    return Items(
        items=await service.list_articles(
            session,
            status=status,
            language=language,
            category_id=category_id,
            limit=limit,
            offset=offset,
        )
    )


@router.post("/kb/articles", response_model=ArticleOut, status_code=201)
async def create_article(body: ArticleIn, agent: CurrentAgent, session: DbSession) -> ArticleOut:
    article = await service.create_article(session, data=body, role=agent.role, actor_id=agent.id)
    return await service.article_out(session, article)


@router.get("/kb/articles/{article_id}", response_model=ArticleOut)
async def get_article(article_id: Id, _: CurrentAgent, session: DbSession) -> ArticleOut:
    return await service.article_out(session, await service.get_article(session, article_id))


@router.patch("/kb/articles/{article_id}", response_model=ArticleOut)
async def update_article(
    article_id: Id, body: ArticlePatch, agent: CurrentAgent, session: DbSession
) -> ArticleOut:
    article = await service.update_article(
        session, article_id=article_id, data=body, role=agent.role, actor_id=agent.id
    )
    return await service.article_out(session, article)


@router.delete("/kb/articles/{article_id}", status_code=204)
async def delete_article(
    article_id: Id, agent: CurrentAgent, session: DbSession, settings: AppSettings
) -> Response:
    service.require_editor(await service.get_article(session, article_id), agent.role)
    await attachments.discard_article_files(session, settings=settings, article_id=article_id)
    await service.delete_article(session, article_id=article_id, role=agent.role, actor_id=agent.id)
    return Response(status_code=204)


@router.get("/kb/articles/{article_id}/revisions", response_model=Items[RevisionOut])
async def list_revisions(article_id: Id, _: CurrentAgent, session: DbSession) -> Items[RevisionOut]:
    return Items(items=await service.list_revisions(session, article_id=article_id))


@router.get("/kb/articles/{article_id}/revisions/{revision_id}/diff", response_model=DiffOut)
async def revision_diff(
    article_id: Id, revision_id: Id, _: CurrentAgent, session: DbSession
) -> DiffOut:
    return await service.diff(session, article_id=article_id, revision_id=revision_id)


@router.post("/kb/articles/{article_id}/revisions/{revision_id}/restore", response_model=ArticleOut)
async def restore_revision(
    article_id: Id, revision_id: Id, agent: CurrentAgent, session: DbSession
) -> ArticleOut:
    article = await service.restore(
        session, article_id=article_id, revision_id=revision_id, role=agent.role, actor_id=agent.id
    )
    return await service.article_out(session, article)


@router.get("/conversations/{conversation_id}/kb-suggestions", response_model=Items[Suggestion])
async def conversation_suggestions(
    conversation_id: Id, _: CurrentAgent, session: DbSession
) -> Items[Suggestion]:
    """Articles for the reply box, from the customer's last messages (the conversation must
    be one the operator may see)."""
    page = await conversations.list_messages(
        session, conversation_id=conversation_id, before=None, limit=20
    )
    texts = [m.text for m in page.items if m.author_type == "contact"][-3:]
    hits = await searching.suggest(session, texts, public=False, limit=5)
    return Items(items=[_suggestion(h, None) for h in hits])


def _suggestion(hit: searching.PublicHit, inbox_key: str | None) -> Suggestion:
    return Suggestion(
        id=hit.id,
        title=hit.title,
        slug=hit.slug,
        language=hit.language,
        snippet=hit.snippet,
        url=article_url(hit.language, hit.slug, inbox_key),
    )


@router.get("/widget/kb/suggestions", response_model=Items[Suggestion])
async def widget_suggestions(
    session: DbSession,
    ip: ClientIp,
    inbox: Annotated[str, Query(min_length=1, max_length=100)],
    q: Annotated[str, Query(max_length=1000)] = "",
) -> Items[Suggestion]:
    """Before a chat starts: up to 3 published, public articles for the visitor's words."""
    _widget_limit.check(ip, "Too many requests.")
    found = await channels.widget_inbox_by_key(session, inbox)
    hits = await searching.suggest(session, [q], public=True, limit=3)
    return Items(items=[_suggestion(h, found.public_key) for h in hits])


@router.post("/widget/kb/deflections", status_code=204)
async def widget_deflection(body: DeflectionIn, session: DbSession, ip: ClientIp) -> Response:
    """The visitor read a suggested article and closed the widget without a chat."""
    _widget_limit.check(ip, "Too many requests.")
    found = await channels.widget_inbox_by_key(session, body.inbox)
    await public.deflect(session, article_id=body.article_id, inbox_id=found.id)
    return Response(status_code=204)
