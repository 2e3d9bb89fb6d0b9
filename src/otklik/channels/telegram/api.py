"""The endpoint Telegram posts updates to, in webhook mode."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Header, Request

from otklik.channels.telegram import service
from otklik.core.crypto import SecretBox
from otklik.core.deps import AppSettings, DbSession
from otklik.core.errors import AppError
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id

router = APIRouter(
    prefix="/api/v1/channels/telegram", route_class=TransactionalRoute, tags=["telegram"]
)


@router.post("/{inbox_id}/webhook")
async def webhook(
    inbox_id: Id,
    request: Request,
    session: DbSession,
    settings: AppSettings,
    x_telegram_bot_api_secret_token: Annotated[str | None, Header(max_length=256)] = None,
) -> dict[str, bool]:
    """Queue the update (answered once it is stored; Telegram retries otherwise)."""
    box = SecretBox(settings.resolved_secret_key())
    inbox = await service.check_webhook_secret(
        session, inbox_id=inbox_id, secret=x_telegram_bot_api_secret_token, box=box
    )
    if not inbox.active:
        # Turned off: taken and dropped, so that Telegram does not retry it for a day.
        return {"ok": True}
    try:
        update = json.loads(await request.body())
    except ValueError:
        raise AppError(400, "bad_request", "The body is not valid JSON.") from None
    if not isinstance(update, dict):
        raise AppError(400, "bad_request", "An Update object is expected.")
    await service.enqueue_update(session, inbox_id=inbox_id, update=update)
    return {"ok": True}
