"""API shapes for webhook endpoints and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, Field, field_validator

from otklik.core import ssrf
from otklik.core.schemas import StrictModel

WebhookEvent = Literal[
    "message.created",
    "conversation.created",
    "conversation.status_changed",
    "conversation.assigned",
    "conversation.escalated",
]
WEBHOOK_EVENTS: tuple[str, ...] = get_args(WebhookEvent)


def _check_url(value: str | None) -> str | None:
    return None if value is None else ssrf.check_url(value)


class EndpointCreate(StrictModel):
    url: str = Field(min_length=8, max_length=2000)
    events: list[WebhookEvent] = Field(min_length=1)
    description: str = Field(default="", max_length=200)
    #: Leave out to have one generated (shown once, in the answer to this request).
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    active: bool = True

    _url = field_validator("url")(_check_url)


class EndpointUpdate(StrictModel):
    url: str | None = Field(default=None, min_length=8, max_length=2000)
    events: list[WebhookEvent] | None = Field(default=None, min_length=1)
    description: str | None = Field(default=None, max_length=200)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    active: bool | None = None

    _url = field_validator("url")(_check_url)


class EndpointOut(BaseModel):
    id: int
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime
    #: Only in the answer that created the endpoint or changed its secret.
    secret: str | None = None


class DeliveryOut(BaseModel):
    id: int
    endpoint_id: int
    event: str
    state: str
    attempts: int
    status_code: int | None
    response_snippet: str | None
    error: str | None
    duration_ms: int | None
    resent_from_id: int | None
    created_at: datetime
    last_attempt_at: datetime | None
    payload: dict[str, object]


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    #: Pass as ``before_id`` for the next (older) page; ``None`` at the end.
    next_before_id: int | None
