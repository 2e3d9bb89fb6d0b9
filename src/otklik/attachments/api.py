"""Uploading and downloading attachments.

Uploads are not :class:`~otklik.core.routing.TransactionalRoute` s on purpose: the body (up
to ``OTKLIK_MAX_ATTACHMENT_BYTES``) streams to disk first, outside any transaction, and only
then does the service take a short write transaction to record the file (ADR 6: nothing slow
inside the write turn). Callers are identified in a short read transaction before the body is
read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from otklik.accounts import access
from otklik.accounts.deps import bearer_token, current_caller
from otklik.attachments import service
from otklik.attachments.models import Attachment
from otklik.attachments.schemas import AttachmentOut
from otklik.channels.widget import limits as widget_limits
from otklik.channels.widget import service as widget
from otklik.config import Settings
from otklik.conversations import service as conversations
from otklik.core.db import Database
from otklik.core.deps import AppSettings
from otklik.core.errors import not_found, unauthorized
from otklik.core.schemas import Id
from otklik.core.security import VisitorTokens

router = APIRouter(prefix="/api/v1", tags=["attachments"])

#: The paths that take bodies beyond the app's 1 MB limit (see ``core.http.BodyLimit``).
UPLOAD_PATHS = re.compile(
    r"^/api/v1/((conversations/\d+|widget)/attachments|kb/articles/\d+/files)$"
)

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}
UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {
        "description": "Larger than OTKLIK_MAX_ATTACHMENT_BYTES, or (a visitor's) no room "
        "left in the inbox's quota: code quota_exceeded"
    },
    415: {"description": "Not multipart/form-data"},
}


def body_allowances(settings: Settings) -> list[tuple[re.Pattern[str], int]]:
    """For ``BodyLimit``: the upload routes may take a file plus its multipart envelope."""
    return [(UPLOAD_PATHS, settings.max_attachment_bytes + service.MULTIPART_OVERHEAD)]


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _tokens(request: Request) -> VisitorTokens:
    tokens: VisitorTokens = request.app.state.visitor_tokens
    return tokens


async def _uploading_agent(request: Request, conversation_id: Id) -> int:
    """The signed-in agent's id, once the conversation is known to exist."""
    async with _db(request).session(write=False) as session:
        caller = await current_caller(request, session)
        exists = await conversations.conversation_exists(
            session, conversation_id=conversation_id, scope=access.scope_in(session)
        )
    if not exists:
        raise not_found("Conversation", conversation_id)
    return caller.agent.id


@dataclass(frozen=True, slots=True)
class VisitorUpload:
    contact_id: int
    inbox_id: int
    #: Their latest conversation in the inbox, if any.
    conversation_id: int | None
    #: The inbox's room for visitors' files, in bytes (0: no limit).
    quota: int


async def _uploading_visitor(request: Request, settings: AppSettings) -> VisitorUpload:
    """The visitor, within their rate limits and their inbox's quota, before the body is
    read: a full inbox or a flood is refused without receiving the file."""
    token = bearer_token(request)
    if token is None:
        raise unauthorized("Send the visitor token as 'Authorization: Bearer <token>'.")
    quota = settings.widget_upload_quota_mb * 1024 * 1024
    async with _db(request).session(write=False) as session:
        visitor = await widget.visitor_for_token(session, token=token, tokens=_tokens(request))
        widget_limits.limits_of(request).upload(
            widget_limits.client_ip(request), visitor.contact_id
        )
        if quota and await service.visitor_bytes(session, inbox_id=visitor.inbox.id) >= quota:
            raise service.QuotaExceeded()
        conversation_id = await conversations.latest_conversation_id(
            session, contact_id=visitor.contact_id, inbox_id=visitor.inbox.id
        )
    return VisitorUpload(visitor.contact_id, visitor.inbox.id, conversation_id, quota)


@router.post(
    "/conversations/{conversation_id}/attachments",
    response_model=AttachmentOut,
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    responses=UPLOAD_ERRORS,
)
async def upload_as_agent(
    conversation_id: Id,
    request: Request,
    agent_id: Annotated[int, Depends(_uploading_agent)],
    settings: AppSettings,
) -> AttachmentOut:
    """Upload a file (multipart field ``file``); send it with a message's ``attachment_ids``."""
    return await service.receive_upload(
        _db(request),
        settings=settings,
        body=request.stream(),
        content_type=request.headers.get("content-type"),
        conversation_id=conversation_id,
        uploader_type="agent",
        uploader_id=agent_id,
    )


@router.post(
    "/widget/attachments",
    response_model=AttachmentOut,
    status_code=201,
    openapi_extra=UPLOAD_BODY,
    responses={
        **UPLOAD_ERRORS,
        429: {"description": "Too many uploads from this visitor or address; see Retry-After"},
    },
    tags=["widget"],
)
async def upload_as_visitor(
    request: Request,
    visitor: Annotated[VisitorUpload, Depends(_uploading_visitor)],
    settings: AppSettings,
) -> AttachmentOut:
    """A visitor's upload (bearer visitor token); sent with ``attachment_ids`` on a message.

    Limited per visitor and per address (429 with ``Retry-After``) and by the inbox's room
    for visitors' files (413 ``quota_exceeded``)."""
    return await service.receive_upload(
        _db(request),
        settings=settings,
        body=request.stream(),
        content_type=request.headers.get("content-type"),
        conversation_id=visitor.conversation_id,
        uploader_type="contact",
        uploader_id=visitor.contact_id,
        inbox_id=visitor.inbox_id,
        quota=visitor.quota,
    )


@router.get(
    "/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, 404: {}},
)
async def download(attachment_id: Id, request: Request, settings: AppSettings) -> FileResponse:
    """The file, for operators (token or cookie) and for the visitor whose public message
    carries it (visitor token). Safe images come inline, everything else as a download."""
    token = bearer_token(request)
    identity = _tokens(request).read(token) if token else None
    attachment: Attachment
    async with _db(request).session(write=False) as session:
        if identity is not None:
            attachment = await service.for_visitor(
                session,
                attachment_id=attachment_id,
                contact_id=identity.contact_id,
                inbox_id=identity.inbox_id,
            )
        else:
            await current_caller(request, session)
            attachment = await service.for_agent(session, attachment_id=attachment_id)
    path = service.file_path(settings, attachment)
    if not path.is_file():
        raise not_found("Attachment", attachment_id)
    return FileResponse(
        path, media_type=attachment.content_type, headers=service.download_headers(attachment)
    )
