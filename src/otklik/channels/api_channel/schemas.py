"""Request and answer shapes of the API channel."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, EmailStr, Field

from otklik.core.schemas import StrictModel


class ContactIn(StrictModel):
    #: The bridge's id of the customer (a phone number, a VK user id…).
    sender_id: str = Field(min_length=1, max_length=255)
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None


class ContactOut(BaseModel):
    contact_id: int
    sender_id: str
    name: str | None
    email: str | None


class MessageIn(StrictModel):
    #: The bridge's id of the message: sending it again never makes a duplicate.
    external_id: str = Field(min_length=1, max_length=200)
    sender_id: str = Field(min_length=1, max_length=255)
    sender_name: str | None = Field(default=None, max_length=200)
    sender_email: EmailStr | None = None
    text: str = Field(min_length=1, max_length=100_000)
    #: Post into this conversation (it must be this customer's, in this inbox); when left
    #: out, the customer's latest conversation in the inbox (or a new one).
    conversation_id: int | None = None
    #: Kept on the message as ``channel_data`` (the bridge's own ids, say); at most 8 KB.
    data: dict[str, Any] = Field(default_factory=dict)


class ConversationIn(StrictModel):
    """A new conversation, opened by its first message."""

    external_id: str = Field(min_length=1, max_length=200)
    sender_id: str = Field(min_length=1, max_length=255)
    sender_name: str | None = Field(default=None, max_length=200)
    sender_email: EmailStr | None = None
    text: str = Field(min_length=1, max_length=100_000)
    data: dict[str, Any] = Field(default_factory=dict)


class PostedOut(BaseModel):
    message_id: int
    conversation_id: int
    contact_id: int
    #: ``False``: this ``external_id`` was sent before; the first message is returned.
    created: bool


class KeyOut(BaseModel):
    api_key: str
