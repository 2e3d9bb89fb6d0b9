"""The bridge's endpoints (keyed by the inbox's API key) and the admin's key lookup."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import StringConstraints, TypeAdapter, ValidationError

from otklik.accounts.deps import AdminAgent
from otklik.channels.api_channel import service
from otklik.channels.api_channel.schemas import (
    ContactIn,
    ContactOut,
    ConversationIn,
    KeyOut,
    MessageIn,
    PostedOut,
)
from otklik.channels.service import InboxInfo
from otklik.config import Settings
from otklik.conversations.opening import sender_key
from otklik.core.crypto import SecretBox
from otklik.core.db import Database
from otklik.core.deps import AppSettings, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id
from otklik.core.unit import WriteUnit

router = APIRouter(
    prefix="/api/v1/channels/api", route_class=TransactionalRoute, tags=["api channel"]
)


#: Routes that manage their own writes (no transaction opened around them).
live_router = APIRouter(prefix="/api/v1/channels/api", tags=["api channel"])


async def keyed_inbox(
    request: Request,
    x_otklik_inbox_key: Annotated[str | None, Header(max_length=200)] = None,
) -> InboxInfo:
    return await service.inbox_for_key(request.app.state.db, api_key=x_otklik_inbox_key)


KeyedInbox = Annotated[InboxInfo, Depends(keyed_inbox)]
_REPEAT: dict[int | str, dict[str, Any]] = {
    200: {"description": "A repeat of an earlier send (same external_id)"}
}


@router.post("/contacts", response_model=ContactOut, status_code=201, responses=_REPEAT)
async def upsert_contact(
    body: ContactIn, inbox: KeyedInbox, session: DbSession, response: Response
) -> ContactOut:
    """Create the customer (201) or update their name and email (200)."""
    if not await service.is_new_contact(session, inbox=inbox, sender_id=body.sender_id):
        response.status_code = 200
    return await service.upsert_contact(session, inbox=inbox, data=body)


async def _post(
    request: Request, *, inbox: InboxInfo, body: MessageIn | ConversationIn, new_conversation: bool
) -> PostedOut:
    db: Database = request.app.state.db
    settings: Settings = request.app.state.settings

    async def post(unit: WriteUnit) -> PostedOut:
        return await service.post_message_in_unit(
            unit,
            inbox=inbox,
            data=body,
            max_chars=settings.max_message_chars,
            new_conversation=new_conversation,
        )

    # One sender's writes share a write lane (PostgreSQL: no lock waits across lanes).
    return await db.run_unit(post, key=sender_key(inbox.id, body.sender_id))


@live_router.post("/messages", response_model=PostedOut, status_code=201, responses=_REPEAT)
async def post_message(
    body: MessageIn, inbox: KeyedInbox, request: Request, response: Response
) -> PostedOut:
    """A customer's message: into ``conversation_id`` when given, else their latest
    conversation in the inbox (a new one when they have none)."""
    posted = await _post(request, inbox=inbox, body=body, new_conversation=False)
    response.status_code = 201 if posted.created else 200
    return posted


@live_router.post("/conversations", response_model=PostedOut, status_code=201, responses=_REPEAT)
async def start_conversation(
    body: ConversationIn, inbox: KeyedInbox, request: Request, response: Response
) -> PostedOut:
    """A new conversation even if the customer has an open one, opened by this message."""
    posted = await _post(request, inbox=inbox, body=body, new_conversation=True)
    response.status_code = 201 if posted.created else 200
    return posted


_KEY = TypeAdapter(Annotated[str | None, StringConstraints(max_length=200)])


async def _post_hot(
    request: Request, body: MessageIn | ConversationIn, *, new_conversation: bool
) -> Response:
    """The two sends as hot routes (``core/hot.py``): the same checks and answers as the
    routed endpoints above, without the router's match and FastAPI's dependency solving."""
    try:
        api_key = _KEY.validate_python(request.headers.get(service.KEY_HEADER))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("header", service.KEY_HEADER.lower())} for e in exc.errors()]
        ) from None
    inbox = await service.inbox_for_key(request.app.state.db, api_key=api_key)
    posted = await _post(request, inbox=inbox, body=body, new_conversation=new_conversation)
    return Response(
        content=posted.model_dump_json(),
        status_code=201 if posted.created else 200,
        media_type="application/json",
    )


async def post_message_hot(request: Request, body: bytes) -> Response:
    return await _post_hot(request, MessageIn.model_validate_json(body), new_conversation=False)


async def start_conversation_hot(request: Request, body: bytes) -> Response:
    return await _post_hot(request, ConversationIn.model_validate_json(body), new_conversation=True)


#: ``core/hot.py``'s table entries for the API channel's sends.
HOT_ROUTES = {
    ("POST", "/api/v1/channels/api/messages"): post_message_hot,
    ("POST", "/api/v1/channels/api/conversations"): start_conversation_hot,
}


@router.get("/inboxes/{inbox_id}/key", response_model=KeyOut)
async def reveal_key(
    inbox_id: Id, _: AdminAgent, session: DbSession, settings: AppSettings
) -> KeyOut:
    """Admins: the inbox's API key, to paste into the bridge's settings."""
    box = SecretBox(settings.resolved_secret_key())
    return KeyOut(api_key=await service.reveal_key(session, inbox_id=inbox_id, box=box))


@router.post("/inboxes/{inbox_id}/key", response_model=KeyOut)
async def rotate_key(
    inbox_id: Id, admin: AdminAgent, session: DbSession, settings: AppSettings
) -> KeyOut:
    """Admins: replace the inbox's API key with a new one (the old one stops working)."""
    box = SecretBox(settings.resolved_secret_key())
    return KeyOut(
        api_key=await service.rotate_key(session, inbox_id=inbox_id, actor_id=admin.id, box=box)
    )
