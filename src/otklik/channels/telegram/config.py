"""A Telegram inbox's configuration: one bot per inbox."""

from __future__ import annotations

import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from otklik.channels.telegram.botapi import DEFAULT_API_BASE
from otklik.core import ssrf


class TelegramConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    #: From @BotFather: ``123456:ABC-DEF…``.
    bot_token: str = Field(pattern=r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
    #: ``polling``: Otklik asks Telegram for updates (works behind NAT, no public URL);
    #: ``webhook``: Telegram posts updates to ``public_url`` (needs HTTPS reachable from it).
    mode: Literal["webhook", "polling"] = "polling"
    #: Otklik's public base URL, for webhook mode (``https://support.example.com``).
    public_url: str | None = Field(default=None, max_length=500)
    #: Telegram sends it back in ``X-Telegram-Bot-Api-Secret-Token``; generated.
    webhook_secret: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32), pattern=r"^[A-Za-z0-9_-]{16,256}$"
    )
    #: The Bot API server (a self-hosted ``telegram-bot-api``, or a test double).
    api_base: str = Field(default=DEFAULT_API_BASE, max_length=500)
    #: Long-poll wait, seconds (polling mode).
    poll_timeout: int = Field(default=25, ge=0, le=50)

    @field_validator("public_url", "api_base")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value == "":
            return None
        return ssrf.check_url(value).rstrip("/") if value else value

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramConfig:
        if self.mode == "webhook" and not self.public_url:
            raise ValueError("webhook mode needs public_url (Otklik's address as Telegram sees it)")
        return self
