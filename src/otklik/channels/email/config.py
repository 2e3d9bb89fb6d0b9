"""An email inbox's settings: the mailbox to read (IMAP, or SMTP ingress) and the server to send."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

SmtpSecurity = Literal["starttls", "ssl", "none"]


class ImapState(BaseModel):
    """Where the poller is in the mailbox; written by Otklik, not by admins."""

    model_config = ConfigDict(extra="forbid")

    #: ``user@host/folder``: a state from another mailbox (settings changed) is not used.
    account: str
    uidvalidity: int
    #: The highest UID stored; the next poll asks for ``last_uid + 1:*``.
    last_uid: int = Field(ge=0)
    #: When this state was written (UTC date), to backfill from after a UIDVALIDITY change.
    checked_on: date | None = None
    #: The inbox's ``imap_since`` when this state began: another date in the settings means
    #: the admin asked for an import from that date.
    since: date | None = None


class EmailConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: The inbox's address: the ``From`` and ``Reply-To`` of replies, the host of reply tokens.
    address: EmailStr
    #: Shown as the sender's name (``Support <help@example.com>``); empty: the operator's name.
    from_name: str = Field(default="", max_length=200)

    imap_enabled: bool = True
    imap_host: str = Field(default="", max_length=255)
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_ssl: bool = True
    imap_username: str = Field(default="", max_length=255)
    imap_password: str = Field(default="", max_length=1000)
    imap_folder: str = Field(default="INBOX", min_length=1, max_length=255)
    #: Import mail received since this date — on the first connection, and again whenever
    #: the date is changed (mail stored already is recognised by its Message-ID);
    #: ``None``: only new mail.
    imap_since: date | None = None
    #: Seconds between checks when the server has no IDLE (and the longest IDLE wait).
    poll_seconds: int = Field(default=60, ge=1, le=1800)

    smtp_host: str = Field(default="", max_length=255)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: SmtpSecurity = "starttls"
    smtp_username: str = Field(default="", max_length=255)
    smtp_password: str = Field(default="", max_length=1000)

    #: Also accept mail forwarded to Otklik over SMTP (``ingress_host:ingress_port``).
    ingress_enabled: bool = False
    ingress_host: str = Field(default="127.0.0.1", max_length=255)
    ingress_port: int = Field(default=2525, ge=1, le=65535)

    #: Maintained by the IMAP poller.
    imap_state: ImapState | None = None

    @model_validator(mode="after")
    def _complete(self) -> EmailConfig:
        if self.imap_enabled and not (self.imap_host and self.imap_username):
            raise ValueError("imap_host and imap_username are needed (or imap_enabled: false)")
        if not self.smtp_host:
            raise ValueError("smtp_host is needed to send replies")
        return self

    @property
    def imap_account(self) -> str:
        return f"{self.imap_username}@{self.imap_host}:{self.imap_port}/{self.imap_folder}"
