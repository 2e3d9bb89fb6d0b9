"""The bridge's endpoints (keyed by the inbox's API key) and the admin's key lookup."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response

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
from otklik.core.crypto import SecretBox
from otklik.core.deps import AppSettings, DbSession
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id

router = APIRouter(
    prefix="/api/v1/channels/api", route_class=TransactionalRoute, tags=["api channel"]
)


async def keyed_inbox(
    session: DbSession,
    x_otklik_inbox_key: Annotated[str | None, Header(max_length=200)] = None,
) -> InboxInfo:
    return await service.inbox_for_key(session, api_key=x_otklik_inbox_key)


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


@router.post("/messages", response_model=PostedOut, status_code=201, responses=_REPEAT)
async def post_message(
    body: MessageIn,
    inbox: KeyedInbox,
    session: DbSession,
    settings: AppSettings,
    response: Response,
) -> PostedOut:
    posted = await service.post_message(
        session, inbox=inbox, data=body, max_chars=settings.max_message_chars
    )
    if not posted.created:
        response.status_code = 200
    return posted


@router.post("/conversations", response_model=PostedOut, status_code=201, responses=_REPEAT)
async def start_conversation(
    body: ConversationIn,
    inbox: KeyedInbox,
    session: DbSession,
    settings: AppSettings,
    response: Response,
) -> PostedOut:
    """A new conversation even if the customer has an open one, opened by this message."""
    posted = await service.post_message(
        session,
        inbox=inbox,
        data=body,
        max_chars=settings.max_message_chars,
        new_conversation=True,
    )
    if not posted.created:
        response.status_code = 200
    return posted


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
