"""Pages and built assets: the operator app at /app, the widget files, the /demo host page."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from otklik.channels import service as channels
from otklik.channels.widget import proof
from otklik.core import headers
from otklik.core.deps import DbSession
from otklik.core.routing import TransactionalRoute
from otklik.web import static_files

STATIC = Path(__file__).resolve().parent.parent / "static"
APP_DIR = STATIC / "app"
WIDGET_DIR = STATIC / "widget"
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

#: The operator workspace: strict (no inline script or style, no eval), never framed.
APP_POLICY = headers.page_policy()
#: The demo page stands in for a customer's site: it runs our loader (script from us only),
#: whose launcher injects its own <style> into a shadow root, and frames the widget.
DEMO_POLICY = headers.page_policy(style_src=["'self'", "'unsafe-inline'"], frame_src=["'self'"])
#: Swagger UI (FastAPI's page): its bundle and CSS from jsDelivr, as FastAPI loads them.
SWAGGER_CDN = "https://cdn.jsdelivr.net"


def _not_built(what: str, policy: str = headers.LOCKED) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><title>Otklik</title><p>The {what} has not been built. "
        "Run <code>make build</code> (or <code>make run</code>).</p>",
        status_code=503,
        headers={"Content-Security-Policy": policy},
    )


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


@router.get("/app")
async def app_root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


def _servable(root: Path, path: str) -> Path | None:
    """A built file under ``root`` (never its compressed copies: those go by negotiation)."""
    candidate = (root / path).resolve()
    if not (path and candidate.is_file() and candidate.is_relative_to(root)):
        return None
    if candidate.suffix in (".br", ".gz"):
        return None
    return candidate


@router.get("/app/{path:path}")
async def operator_app(request: Request, path: str) -> Response:
    """Files of the built SPA; any other path is a client-side route → index.html."""
    policy = {"Content-Security-Policy": APP_POLICY}
    candidate = _servable(APP_DIR, path)
    if candidate is not None:
        cache = static_files.IMMUTABLE if "/assets/" in f"/{path}" else "no-cache"
        return static_files.send(request, candidate, cache_control=cache, headers=policy)
    index = APP_DIR / "index.html"
    if not index.is_file():
        return _not_built("operator app", APP_POLICY)
    return static_files.send(request, index, cache_control="no-cache", headers=policy)


@router.get("/widget.js")
async def widget_loader(request: Request) -> Response:
    loader = WIDGET_DIR / "widget.js"
    if not loader.is_file():
        return _not_built("widget")
    return static_files.send(
        request, loader, cache_control="public, max-age=300", media_type="text/javascript"
    )


@router.get("/widget/frame")
async def widget_frame(
    request: Request, session: DbSession, inbox: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """The chat window, framed by the sites the inbox allows (any, when it names none)."""
    origins = await channels.frame_origins(session, inbox) if inbox else None
    ancestors = ["'none'"] if origins is None else origins or ["*"]
    policy = headers.page_policy(frame_ancestors=ancestors)
    frame = WIDGET_DIR / "frame.html"
    if not frame.is_file():
        return _not_built("widget", policy)
    return static_files.send(
        request, frame, cache_control="no-cache", headers={"Content-Security-Policy": policy}
    )


#: The refusals of an email proof's link, in Russian (the API's messages are English).
_REFUSED_RU = {
    "proof_expired": "Срок действия ссылки истёк.",
    "proof_used": "Ссылкой уже воспользовались.",
    "proof_spent": "Код ввели неверно слишком много раз.",
    "not_found": "Ссылка неверна.",
}


def _verify_page(request: Request, status: int, **context: object) -> Response:
    return templates.TemplateResponse(
        request,
        "verify.html",
        context,
        status_code=status,
        headers={"Content-Security-Policy": headers.page_policy(), "Cache-Control": "no-store"},
    )


def _refused_page(request: Request, refused: proof.Refusal) -> Response:
    status, code, message = refused
    return _verify_page(
        request, status, state="refused", message_en=message, message_ru=_REFUSED_RU.get(code, "")
    )


VerifyToken = Annotated[str, Query(alias="t", min_length=1, max_length=500)]


@router.get("/widget/verify")
async def verify_email_page(request: Request, session: DbSession, t: VerifyToken) -> Response:
    """The link from an email proof's mail: asks to confirm, and uses nothing (mail
    scanners open links); the button posts to the same address."""
    peeked = await proof.peek_link(session, value=t, links=_links(request))
    if not isinstance(peeked, str):
        return _refused_page(request, peeked)
    return _verify_page(request, 200, state="ask", email=peeked, token=t)


@router.post("/widget/verify")
async def verify_email(request: Request, session: DbSession, t: VerifyToken) -> Response:
    """Uses the link: the visitor who asked joins the contact with that address."""
    joined = await proof.confirm_link(
        session, value=t, links=_links(request), ip=request.client.host if request.client else None
    )
    if not isinstance(joined, proof.Joined):
        return _refused_page(request, joined)
    return _verify_page(request, 200, state="done")


def _links(request: Request) -> proof.ProofLinks:
    return proof.ProofLinks(request.app.state.settings.resolved_secret_key())


@router.get("/widget/{path:path}")
async def widget_asset(request: Request, path: str) -> Response:
    candidate = _servable(WIDGET_DIR, path)
    if candidate is None:
        return Response(status_code=404)
    return static_files.send(request, candidate, cache_control=static_files.IMMUTABLE)


@router.get("/demo")
async def demo_page(request: Request, session: DbSession) -> Response:
    inbox_key = await channels.first_widget_key(session)
    return templates.TemplateResponse(
        request,
        "demo.html",
        {"inbox_key": inbox_key},
        headers={"Content-Security-Policy": DEMO_POLICY},
    )


@cache
def _swagger(openapi_url: str, title: str) -> tuple[bytes, str]:
    """FastAPI's Swagger UI page, and a policy that allows exactly what it loads: the CDN
    files and its one inline script, by hash (no ``'unsafe-inline'``)."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url, title=f"{title} — API", swagger_favicon_url="data:,"
    ).body
    inline = re.findall(rb"<script>(.*?)</script>", page, re.DOTALL)
    policy = headers.page_policy(
        script_src=["'self'", SWAGGER_CDN, *(headers.script_hash(s.decode()) for s in inline)],
        style_src=["'self'", SWAGGER_CDN],
        img_src=["'self'", "data:", SWAGGER_CDN],
    )
    return bytes(page), policy


@router.get("/api/docs")
async def api_docs(request: Request) -> Response:
    page, policy = _swagger(request.app.openapi_url or "/api/openapi.json", request.app.title)
    return HTMLResponse(page, headers={"Content-Security-Policy": policy})
