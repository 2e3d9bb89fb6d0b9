"""API shapes of the visitor-facing widget endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from otklik.conversations.schemas import MessageOut
from otklik.core.schemas import StrictModel


class SessionIn(StrictModel):
    inbox_key: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    visitor_token: str | None = Field(default=None, max_length=500)
    #: The visitor's language (the widget sends the browser's); routing matches it.
    language: Literal["ru", "en"] | None = None


class SessionOut(BaseModel):
    #: Send it as ``Authorization: Bearer …`` and in the socket's ``hello``; a new one comes
    #: with every session answer (keep the newest).
    visitor_token: str
    #: When ``visitor_token`` stops being accepted (401); resume before then to keep the
    #: visitor's contact and history.
    token_expires_at: datetime
    contact_id: int
    conversation_id: int | None
    #: ``True``: the presented token was accepted and this is the same visitor; ``False``: a
    #: new visitor (no token, or one that was unknown, expired or of another inbox).
    resumed: bool


class VisitorMessages(BaseModel):
    items: list[MessageOut]


class OfflineMessageIn(StrictModel):
    """Left when nobody is online; answered later by email."""

    inbox_key: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr
    text: str = Field(min_length=1)
    client_msg_id: str = Field(min_length=1, max_length=64)
    visitor_token: str | None = Field(default=None, max_length=500)
    language: Literal["ru", "en"] | None = None


class EmailProofIn(StrictModel):
    """Ask for a code by mail, to see the history of the contact with this address."""

    email: EmailStr
    #: The language of the mail (the widget's).
    language: Literal["ru", "en"] = "en"


class EmailProofOut(BaseModel):
    #: Until when a code sent now works. The answer is the same whether or not the address
    #: is one we know (and only a known address gets a mail).
    expires_at: datetime


class EmailCodeIn(StrictModel):
    code: str = Field(min_length=1, max_length=20)
