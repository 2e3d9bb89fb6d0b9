"""An API inbox's configuration."""

from __future__ import annotations

import hashlib
import secrets

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from otklik.core import ssrf

KEY_PREFIX = "otk_"


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(api_key: str) -> str:
    """What the inbox is looked up by: the key itself is stored encrypted (not searchable)."""
    return hashlib.sha256(api_key.encode()).hexdigest()


class ApiChannelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    #: The bridge's credential for inbound calls and the key replies are signed with.
    #: Generated when the inbox is created without one.
    api_key: str = Field(default_factory=new_api_key, min_length=24, max_length=200)
    #: Where operators' replies are POSTed; ``None``: replies are marked failed.
    webhook_url: str | None = Field(default=None, max_length=2000)
    #: SHA-256 of ``api_key`` (computed; lets a request find its inbox).
    api_key_hash: str = ""

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value == "":
            return None
        return None if value is None else ssrf.check_url(value)

    @model_validator(mode="after")
    def _hash(self) -> ApiChannelConfig:
        self.api_key_hash = key_hash(self.api_key)
        return self
