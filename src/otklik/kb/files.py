"""Files of knowledge-base articles: screenshots shown in an article, PDFs to download.

An editor uploads a file to an article (``POST /api/v1/kb/articles/{id}/files``) and gets the
Markdown to paste: ``![name](/kb-files/ID/name)`` for an image, a link otherwise. The file is
public at that address once the article is (published and not internal) — the help center's
readers and the widget see it without signing in; before that, only signed-in operators.

Uploads stream to disk outside any transaction, as every upload does (``attachments/api.py``),
so this router is not transactional.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from otklik.accounts.deps import current_caller
from otklik.attachments import service as attachments
from otklik.attachments.api import UPLOAD_BODY, UPLOAD_ERRORS
from otklik.core.db import Database
from otklik.core.deps import AppSettings
from otklik.core.errors import AppError, not_found
from otklik.core.schemas import Id
from otklik.kb import service
from otklik.kb.schemas import KbFileOut

router = APIRouter(tags=["knowledge base"])


def public_url(file_id: int, filename: str) -> str:
    return f"/kb-files/{file_id}/{quote(filename, safe='')}"


@router.post(
    "/api/v1/kb/articles/{article_id}/files",
    response_model=KbFileOut,
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    responses=UPLOAD_ERRORS,
)
async def upload(article_id: Id, request: Request, settings: AppSettings) -> KbFileOut:
    """Attach a file (multipart field ``file``) to an article its uploader may edit."""
    db: Database = request.app.state.db
    async with db.session(write=False) as session:
        caller = await current_caller(request, session)
        service.require_editor(await service.get_article(session, article_id), caller.agent.role)
    stored = await attachments.receive_upload(
        db,
        settings=settings,
        body=request.stream(),
        content_type=request.headers.get("content-type"),
        conversation_id=None,
        uploader_type="agent",
        uploader_id=caller.agent.id,
        kb_article_id=article_id,
    )
    url = public_url(stored.id, stored.filename)
    label = stored.filename.replace("[", "(").replace("]", ")")
    return KbFileOut(
        id=stored.id,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        url=url,
        inline=stored.inline,
        markdown=f"![{label}]({url})" if stored.inline else f"[{label}]({url})",
    )


@router.get(
    "/kb-files/{file_id}/{filename}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, 404: {}},
)
async def download(
    file_id: Id, filename: str, request: Request, settings: AppSettings
) -> FileResponse:
    """The file, for anyone when its article is public, else for signed-in operators only
    ("not found" to everyone else: nothing tells that a draft has files)."""
    db: Database = request.app.state.db
    async with db.session(write=False) as session:
        attachment = await attachments.of_article(session, attachment_id=file_id)
        assert attachment.kb_article_id is not None
        public = await service.is_public(session, attachment.kb_article_id)
        if not public:
            try:
                await current_caller(request, session)
            except AppError as exc:
                raise not_found("File", file_id) from exc
    path = attachments.file_path(settings, attachment)
    if not path.is_file():
        raise not_found("File", file_id)
    headers = attachments.download_headers(attachment)
    if public:
        headers["Cache-Control"] = "public, max-age=3600"
    return FileResponse(path, media_type=attachment.content_type, headers=headers)
