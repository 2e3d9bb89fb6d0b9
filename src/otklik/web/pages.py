"""Pages and built assets: the operator app at /app, the widget files, the /demo host page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from otklik.channels import service as channels
from otklik.core.deps import DbSession
from otklik.core.routing import TransactionalRoute

STATIC = Path(__file__).resolve().parent.parent / "static"
APP_DIR = STATIC / "app"
WIDGET_DIR = STATIC / "widget"
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


def _not_built(what: str) -> HTMLResponse:
    return HTMLResponse(
        f"<!doctype html><title>Otklik</title><p>The {what} has not been built. "
        "Run <code>make build</code> (or <code>make run</code>).</p>",
        status_code=503,
    )


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


@router.get("/app")
async def app_root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=307)


@router.get("/app/{path:path}")
async def operator_app(path: str) -> Response:
    """Files of the built SPA; any other path is a client-side route → index.html."""
    candidate = (APP_DIR / path).resolve()
    if path and candidate.is_file() and candidate.is_relative_to(APP_DIR):
        cache = "public, max-age=31536000, immutable" if "/assets/" in f"/{path}" else "no-cache"
        return FileResponse(candidate, headers={"Cache-Control": cache})
    index = APP_DIR / "index.html"
    if not index.is_file():
        return _not_built("operator app")
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


@router.get("/widget.js")
async def widget_loader() -> Response:
    loader = WIDGET_DIR / "widget.js"
    if not loader.is_file():
        return _not_built("widget")
    return FileResponse(
        loader, media_type="text/javascript", headers={"Cache-Control": "public, max-age=300"}
    )


@router.get("/widget/frame")
async def widget_frame() -> Response:
    frame = WIDGET_DIR / "frame.html"
    if not frame.is_file():
        return _not_built("widget")
    return FileResponse(frame, headers={"Cache-Control": "no-cache"})


@router.get("/widget/{path:path}")
async def widget_asset(path: str) -> Response:
    candidate = (WIDGET_DIR / path).resolve()
    if not (candidate.is_file() and candidate.is_relative_to(WIDGET_DIR)):
        return Response(status_code=404)
    return FileResponse(candidate, headers={"Cache-Control": "public, max-age=31536000, immutable"})


@router.get("/demo")
async def demo_page(request: Request, session: DbSession) -> Response:
    inbox_key = await channels.first_widget_key(session)
    return templates.TemplateResponse(request, "demo.html", {"inbox_key": inbox_key})
