"""API shapes of the visitor-facing widget endpoints."""

from __future__ import annotations

from pydantic import BaseModel, EmailStr, Field

from otklik.conversations.schemas import MessageOut
from otklik.core.schemas import StrictModel


class SessionIn(StrictModel):
    inbox_key: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    visitor_token: str | None = Field(default=None, max_length=500)


class SessionOut(BaseModel):
    visitor_token: str
    contact_id: int
    conversation_id: int | None


class VisitorMessages(BaseModel):
    items: list[MessageOut]
