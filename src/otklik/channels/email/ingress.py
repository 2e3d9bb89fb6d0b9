"""SMTP ingress: a mail server forwards the inbox's mail to Otklik instead of Otklik polling.

One ``aiosmtpd`` listener per inbox that enables it, in the event loop of the process that runs
the pollers. Every accepted mail is stored before ``250`` is answered; a storing error answers
``451`` so the forwarding server tries again later. Bind it to an address only your mail
server reaches: whoever can connect can deliver mail into the inbox.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from otklik.channels.email.ingest import ingest
from otklik.channels.email.tokens import ReplyTokens
from otklik.config import Settings
from otklik.core.db import Database

log = logging.getLogger(__name__)

MAX_MAIL_BYTES = 30 * 1024 * 1024


class _Handler:
    def __init__(
        self, *, db: Database, settings: Settings, inbox_id: int, tokens: ReplyTokens
    ) -> None:
        self.db = db
        self.settings = settings
        self.inbox_id = inbox_id
        self.tokens = tokens

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw or "").encode()
        try:
            stored = await ingest(
                self.db,
                inbox_id=self.inbox_id,
                raw=raw,
                tokens=self.tokens,
                settings=self.settings,
            )
        except Exception:
            log.exception("inbox %s: storing a forwarded mail failed", self.inbox_id)
            return "451 4.3.0 Could not store the mail; try again later"
        log.info("inbox %s: forwarded mail → %s", self.inbox_id, stored.outcome)
        return "250 2.0.0 OK"


async def serve(
    *,
    db: Database,
    settings: Settings,
    inbox_id: int,
    tokens: ReplyTokens,
    host: str,
    port: int,
) -> asyncio.Server:
    handler = _Handler(db=db, settings=settings, inbox_id=inbox_id, tokens=tokens)

    def factory() -> Any:
        return SMTP(handler, data_size_limit=MAX_MAIL_BYTES, hostname="otklik")

    loop = asyncio.get_running_loop()
    return await loop.create_server(factory, host=host, port=port)
