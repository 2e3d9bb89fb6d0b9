"""The ``api`` channel plugin: replies go to the bridge's webhook, signed."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from otklik.channels.api_channel.api import HOT_ROUTES, live_router, router
from otklik.channels.api_channel.config import ApiChannelConfig
from otklik.channels.base import DeliveryError, DeliveryResult, OutboundMessage
from otklik.config import Settings, get_settings
from otklik.core import ssrf
from otklik.core.hot import HotHandler
from otklik.jobs.registry import RetryAfter
from otklik.webhooks import signing

if TYPE_CHECKING:
    from otklik.core.db import Database

REPLY_EVENT = "message.reply"


def reply_document(message: OutboundMessage) -> bytes:
    return json.dumps(
        {
            "event": REPLY_EVENT,
            "message": {
                "id": message.message_id,
                "conversation_id": message.conversation_id,
                "text": message.text,
                "author_name": message.author_name,
            },
            "recipient": {
                "sender_id": message.recipient_id,
                "name": message.recipient_name,
                "email": message.recipient_email,
            },
        },
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


class ApiChannel:
    name = "api"
    config_model = ApiChannelConfig
    secret_fields = frozenset({"api_key"})

    def __init__(self) -> None:
        self._settings: Settings | None = None

    async def start(self, *, db: Database, settings: Settings) -> None:
        self._settings = settings

    async def stop(self) -> None:
        return None

    def routers(self) -> list[APIRouter]:
        return [live_router, router]

    def hot_routes(self) -> Mapping[tuple[str, str], HotHandler]:
        return HOT_ROUTES

    async def send(self, message: OutboundMessage) -> DeliveryResult:
        url = message.config.get("webhook_url")
        if not url:
            raise DeliveryError("This API inbox has no webhook_url to deliver replies to.")
        body = reply_document(message)
        headers = {
            **signing.signed_headers(str(message.config["api_key"]), body),
            "X-Otklik-Event": REPLY_EVENT,
            "X-Otklik-Message": str(message.message_id),
        }
        policy = ssrf.Policy.from_settings(self._settings or get_settings())
        try:
            outcome = await ssrf.post(str(url), content=body, headers=headers, policy=policy)
        except ssrf.Refused as exc:
            raise DeliveryError(f"Refused: {exc}") from exc
        status = outcome.status_code
        if status == 429:
            raise RetryAfter(
                _seconds(outcome.headers.get("retry-after")), "the bridge asked to wait"
            )
        if 400 <= status < 500:
            raise DeliveryError(f"The bridge refused the reply: {status} {outcome.snippet[:200]}")
        if not 200 <= status < 300:
            raise ConnectionError(f"The bridge answered {status}.")
        return DeliveryResult(external_id=_external_id(outcome.snippet))


def _seconds(value: str | None) -> float:
    try:
        return min(3600.0, max(1.0, float(value or "")))
    except ValueError:
        return 30.0


def _external_id(snippet: str) -> str | None:
    """A bridge may answer ``{"external_id": "..."}`` with its id of the delivered message."""
    try:
        data: Any = json.loads(snippet)
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("external_id"), str | int):
        return str(data["external_id"])
    return None
