"""API shapes of the visitor-facing widget endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from otklik.conversations.schemas import MessageOut
from otklik.core.schemas import StrictModel


class SiteIdentity(StrictModel):
    """Who the customer's site says the visitor is (its signed-in user), as the site put it
    into the page: ``hmac`` = hex ``HMAC-SHA256(identity secret, user_id + timestamp)``,
    made by the site's server at most 10 minutes earlier (ADR 27). Only ``user_id`` is
    signed; ``email`` and ``name`` come beside it."""

    # The signature covers the id exactly as the site sent it: no stripping here.
    model_config = ConfigDict(str_strip_whitespace=False)

    #: The site's own id of its user (any text without control characters).
    user_id: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    email: EmailStr | None = None
    name: str | None = Field(default=None, max_length=200)
    #: Unix seconds when the site signed (``int(time.time())``).
    timestamp: int | None = Field(default=None, ge=0, le=2**40)
    #: 64 hex digits; with ``timestamp``, or both left out (an unsigned hint).
    hmac: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")

    @model_validator(mode="after")
    def _signed_together(self) -> Self:
        if (self.hmac is None) != (self.timestamp is None):
            raise ValueError("identity: hmac and timestamp go together (both, or neither)")
        return self


class SessionIn(StrictModel):
    inbox_key: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    visitor_token: str | None = Field(default=None, max_length=500)
    #: The visitor's language (the widget sends the browser's); routing matches it.
    language: Literal["ru", "en"] | None = None
    #: The site's signed-in user, when the site passes one to the widget (ADR 27).
    identity: SiteIdentity | None = None


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
    identity: SiteIdentity | None = None


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


class IdentitySecretOut(BaseModel):
    """A widget inbox's identity secret, for the customer's server to sign user ids with
    (admins only). ``None``: the inbox has none yet (made before identity verification);
    ``POST`` makes one."""

    secret: str | None
