"""The public help center (issue 13): server-rendered pages, readable without JavaScript.

``/help/{inbox key}/{ru|en}/…`` — branded with the inbox's name and colour (``-`` as the key:
the workspace's plain branding). Only published, non-internal articles exist here (a draft's
address is a 404 like any unknown one). No script at all: the page's policy forbids it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal
from xml.sax.saxutils import escape

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from otklik.channels import service as channels
from otklik.core import headers
from otklik.core.db import Database
from otklik.core.deps import ClientIp, DbSession
from otklik.core.errors import AppError
from otklik.core.ratelimit import RateLimit
from otklik.core.routing import TransactionalRoute
from otklik.kb import public, searching
from otklik.web.pages import templates

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

#: No script; the brand colour is one inline ``<style>``; images from anywhere (articles).
POLICY = headers.page_policy(
    script_src=["'none'"], style_src=["'unsafe-inline'"], img_src=["'self'", "https:", "data:"]
)
#: "Was this helpful?": a few votes per article per client address an hour.
_votes = RateLimit(5, 3600.0)

Lang = Literal["ru", "en"]
#: An article's or category's address (anything else is a 422 before a query is built).
SlugPath = Annotated[str, Path(pattern=r"^[a-z0-9-]{1,120}$")]
DEFAULT_COLOR = "#1f6feb"

TEXT: dict[str, dict[str, str]] = {
    "ru": {
        "help": "Справочный центр",
        "search": "Поиск по статьям",
        "find": "Найти",
        "categories": "Разделы",
        "latest": "Новые статьи",
        "results": "Результаты поиска",
        "nothing": "Ничего не нашлось. Попробуйте другие слова.",
        "helpful": "Статья помогла?",
        "yes": "Да",
        "no": "Нет",
        "thanks": "Спасибо за отзыв!",
        "updated": "Обновлено",
        "articles": "статей",
        "empty": "Здесь пока нет статей.",
        "other": "English",
    },
    "en": {
        "help": "Help center",
        "search": "Search articles",
        "find": "Search",
        "categories": "Categories",
        "latest": "Latest articles",
        "results": "Search results",
        "nothing": "Nothing found. Try other words.",
        "helpful": "Was this article helpful?",
        "yes": "Yes",
        "no": "No",
        "thanks": "Thank you for your feedback!",
        "updated": "Updated",
        "articles": "articles",
        "empty": "No articles here yet.",
        "other": "Русский",
    },
}


@dataclass(frozen=True, slots=True)
class Brand:
    key: str
    name: str
    color: str
    logo: str = ""


async def _brand(session: DbSession, key: str) -> Brand:
    if key == "-":
        return Brand("-", "Otklik", DEFAULT_COLOR)
    inbox = await channels.widget_inbox_by_key(session, key)
    settings = inbox.settings
    return Brand(inbox.public_key, settings.title or inbox.name, settings.color, settings.logo_url)


def _page(
    request: Request, name: str, brand: Brand, lang: str, status: int = 200, **context: object
) -> Response:
    other = "en" if lang == "ru" else "ru"
    return templates.TemplateResponse(
        request,
        f"help/{name}.html",
        {
            "brand": brand,
            "lang": lang,
            "other": other,
            "t": TEXT[lang],
            "base": f"/help/{brand.key}/{lang}",
            "other_base": f"/help/{brand.key}/{other}",
            **context,
        },
        status_code=status,
        headers={"Content-Security-Policy": POLICY, "Cache-Control": "no-cache"},
    )


@router.get("/help/{key}")
async def help_root(request: Request, session: DbSession, key: str) -> Response:
    brand = await _brand(session, key)
    accepted = request.headers.get("accept-language", "")
    lang = "en" if accepted[:2].lower() == "en" else "ru"
    return RedirectResponse(f"/help/{brand.key}/{lang}/", status_code=307)


def _urlset(root: str, key: str, rows: list[tuple[str, str, datetime]]) -> Response:
    urls = [
        f"<url><loc>{escape(f'{root}/help/{key}/{lang}/articles/{slug}')}</loc>"
        f"<lastmod>{updated.date().isoformat()}</lastmod></url>"
        for lang, slug, updated in rows
    ]
    return _xml('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">', urls, "</urlset>")


def _xml(opening: str, items: list[str], closing: str) -> Response:
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + opening + "".join(items) + closing
    return Response(body, media_type="application/xml")


@router.get("/help/{key}/sitemap.xml")
async def sitemap(request: Request, session: DbSession, key: str) -> Response:
    """Every public article's address; past one file's worth, an index of numbered files."""
    brand = await _brand(session, key)
    root = str(request.base_url).rstrip("/")
    size = await public.sitemap_size(session)
    if size <= public.SITEMAP_PAGE:
        return _urlset(root, brand.key, await public.sitemap(session))
    pages = range(1, -(-size // public.SITEMAP_PAGE) + 1)
    files = [
        f"<sitemap><loc>{escape(f'{root}/help/{brand.key}/sitemap-{n}.xml')}</loc></sitemap>"
        for n in pages
    ]
    return _xml(
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        files,
        "</sitemapindex>",
    )


@router.get("/help/{key}/sitemap-{page}.xml")
async def sitemap_page(
    request: Request, session: DbSession, key: str, page: Annotated[int, Path(ge=1, le=100_000)]
) -> Response:
    brand = await _brand(session, key)
    rows = await public.sitemap(session, page)
    if not rows:
        raise AppError(404, "not_found", "No such sitemap file")
    return _urlset(str(request.base_url).rstrip("/"), brand.key, rows)


@router.get("/help/{key}/{lang}/")
async def home(request: Request, session: DbSession, key: str, lang: Lang) -> Response:
    brand = await _brand(session, key)
    categories = await public.categories(session, lang)
    return _page(
        request,
        "home",
        brand,
        lang,
        path="/",
        categories=[c for c in categories if c.parent_id is None],
        sections=categories,
        latest=await public.latest(session, lang),
    )


@router.get("/help/{key}/{lang}/categories/{slug}")
async def category(
    request: Request, session: DbSession, key: str, lang: Lang, slug: SlugPath
) -> Response:
    brand = await _brand(session, key)
    every = await public.categories(session, lang)
    found = next((c for c in every if c.slug == slug), None)
    if found is None:
        return _page(request, "missing", brand, lang, 404, path="/")
    sections = [c for c in every if c.parent_id == found.id]
    articles = await public.category_articles(session, lang, [found.id, *(s.id for s in sections)])
    return _page(
        request,
        "category",
        brand,
        lang,
        path=f"/categories/{slug}",
        category=found,
        sections=sections,
        articles=articles,
    )


@router.get("/help/{key}/{lang}/articles/{slug}")
async def article(
    request: Request,
    session: DbSession,
    key: str,
    lang: Lang,
    slug: SlugPath,
    voted: bool = False,
) -> Response:
    brand = await _brand(session, key)
    try:
        page = await public.article_page(session, lang, slug)
    except AppError as error:
        if error.status != 404:
            raise
        return _page(request, "missing", brand, lang, 404, path="/")
    # GETs run on the read pool: the view is one short write of its own (group-committed).
    db: Database = request.app.state.db
    async with db.session(write=True) as writing:
        await public.count_view(writing, page.id)
    other_path = f"/articles/{page.translation[1]}" if page.translation is not None else "/"
    return _page(
        request,
        "article",
        brand,
        lang,
        path=f"/articles/{slug}",
        other_path=other_path,
        article=page,
        voted=voted,
    )


@router.post("/help/{key}/{lang}/articles/{slug}/vote")
async def vote(
    session: DbSession,
    ip: ClientIp,
    key: str,
    lang: Lang,
    slug: SlugPath,
    helpful: Annotated[Literal["yes", "no"], Form()],
) -> Response:
    brand = await _brand(session, key)
    _votes.check((ip, lang, slug), "Too many votes.")
    await public.vote(session, language=lang, slug=slug, helpful=helpful == "yes")
    return RedirectResponse(f"/help/{brand.key}/{lang}/articles/{slug}?voted=true", status_code=303)


@router.get("/help/{key}/{lang}/search")
async def search(
    request: Request,
    session: DbSession,
    key: str,
    lang: Lang,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    brand = await _brand(session, key)
    hits = await searching.search_public(session, q + " ", language=lang, limit=20)
    return _page(request, "search", brand, lang, path="/", q=q, hits=hits)
