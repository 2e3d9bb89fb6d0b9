"""The email channel: a mailbox read over IMAP (or mail forwarded over SMTP), replies by SMTP.

Registered under the ``otklik.channels`` entry point as ``email``. See ``docs/channels.md``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from dataclasses import dataclass, field

from fastapi import APIRouter
from sqlalchemy import select

from otklik.channels.base import DeliveryResult, OutboundMessage
from otklik.channels.email import ingress
from otklik.channels.email.config import EmailConfig
from otklik.channels.email.imap import ImapPoller, opened_config
from otklik.channels.email.send import send as send_mail
from otklik.channels.email.tokens import ReplyTokens
from otklik.channels.models import Inbox
from otklik.channels.rescan import Rescan
from otklik.config import Settings
from otklik.core import ssrf
from otklik.core.db import Database

log = logging.getLogger(__name__)

__all__ = ["EmailChannel", "EmailConfig", "plugin"]


async def _cancel_until_done(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel ``tasks`` and wait until each has ended.

    One cancel is not always enough: aioimaplib awaits with ``asyncio.wait_for``, which on
    Python 3.11 drops a cancellation that arrives as its inner await completes, and the poller
    then runs on (a stop hung the test suite for half an hour that way). Cancelling again
    each second until the task ends makes the stop certain."""
    pending: set[asyncio.Task[None]] = set(tasks)
    while pending:
        for task in pending:
            task.cancel()
        done, pending = await asyncio.wait(pending, timeout=1.0)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("email: a poller failed as it stopped", exc_info=task.exception())


@dataclass
class _Running:
    fingerprint: str
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    servers: list[asyncio.Server] = field(default_factory=list)

    async def stop(self, loop: asyncio.AbstractEventLoop) -> None:
        # Tasks of another (finished) event loop cannot be awaited here: they are dropped.
        await _cancel_until_done([task for task in self.tasks if task.get_loop() is loop])
        for server in [server for server in self.servers if server.get_loop() is loop]:
            server.close()
            await server.wait_closed()


class EmailChannel:
    name = "email"
    config_model = EmailConfig
    secret_fields = frozenset({"imap_password", "smtp_password"})
    #: Each password goes to its server, as its user, over its kind of connection.
    secret_destinations = {
        "imap_password": frozenset({"imap_host", "imap_port", "imap_username", "imap_ssl"}),
        "smtp_password": frozenset({"smtp_host", "smtp_port", "smtp_username", "smtp_security"}),
    }
    #: How often the running pollers are matched against the inboxes (new, changed, removed).
    rescan_seconds = 30.0

    def __init__(self) -> None:
        self._db: Database | None = None
        self._settings: Settings | None = None
        self._tokens: ReplyTokens | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._running: dict[int, _Running] = {}
        self._refreshing = asyncio.Lock()
        self._rescan = Rescan()
        #: ``(inbox_id, uid)`` of the mails fetched over IMAP, latest last (diagnostics).
        self.fetched: deque[tuple[int, int]] = deque(maxlen=10_000)

    def routers(self) -> list[APIRouter]:
        return []

    def tokens(self) -> ReplyTokens:
        if self._tokens is None:
            raise RuntimeError("the email channel is not started in this process")
        return self._tokens

    async def send(self, message: OutboundMessage) -> DeliveryResult:
        if self._settings is None:
            raise RuntimeError("the email channel is not started in this process")
        return await send_mail(message, self.tokens(), ssrf.Policy.from_settings(self._settings))

    async def start(self, *, db: Database, settings: Settings) -> None:
        await self.stop()  # a second start restarts (one process, one set of pollers)
        self._db, self._settings = db, settings
        self._tokens = ReplyTokens(settings.resolved_secret_key())
        # Made here, in the loop that uses it (an asyncio lock binds to its first loop).
        self._refreshing = asyncio.Lock()
        self._rescan = Rescan()
        self._supervisor = asyncio.create_task(self._supervise(), name="email-supervisor")

    async def stop(self) -> None:
        supervisor, self._supervisor = self._supervisor, None
        running, self._running = self._running, {}
        loop = asyncio.get_running_loop()
        if supervisor is not None and supervisor.get_loop() is loop:
            await _cancel_until_done([supervisor])
        for item in running.values():
            await item.stop(loop)

    async def _supervise(self) -> None:
        while True:
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("email: looking for inboxes failed")
            await self._rescan.pause(self.rescan_seconds)

    def wake(self) -> None:
        """An inbox was created or changed here: match the pollers to the inboxes now."""
        self._rescan.wake()

    async def refresh(self) -> None:
        """Start, restart or stop pollers and listeners to match the email inboxes now."""
        async with self._refreshing:
            await self._refresh()

    async def _refresh(self) -> None:
        db, settings, tokens = self._db, self._settings, self._tokens
        if db is None or settings is None or tokens is None:
            return
        async with db.session(write=False) as session:
            inboxes = list(
                (
                    await session.execute(
                        select(Inbox).where(Inbox.channel == self.name, Inbox.active.is_(True))
                    )
                )
                .scalars()
                .all()
            )
        wanted: dict[int, tuple[str, EmailConfig]] = {}
        for inbox in inboxes:
            try:
                config = opened_config(inbox, settings)
            except ValueError as exc:
                log.warning("email inbox %s: unusable config (%s)", inbox.id, exc)
                continue
            fingerprint = json.dumps(
                config.model_dump(mode="json", exclude={"imap_state"}), sort_keys=True
            )
            wanted[inbox.id] = (fingerprint, config)
        for inbox_id in list(self._running):
            if inbox_id not in wanted or wanted[inbox_id][0] != self._running[inbox_id].fingerprint:
                await self._running.pop(inbox_id).stop(asyncio.get_running_loop())
        for inbox_id, (fingerprint, config) in wanted.items():
            if inbox_id in self._running:
                continue
            running = _Running(fingerprint)
            if config.imap_enabled:
                poller = ImapPoller(
                    db=db,
                    settings=settings,
                    inbox_id=inbox_id,
                    config=config,
                    tokens=tokens,
                    fetched=self.fetched,
                )
                running.tasks.append(asyncio.create_task(poller.run(), name=f"imap-{inbox_id}"))
            if config.ingress_enabled:
                try:
                    running.servers.append(
                        await ingress.serve(
                            db=db,
                            settings=settings,
                            inbox_id=inbox_id,
                            tokens=tokens,
                            host=config.ingress_host,
                            port=config.ingress_port,
                        )
                    )
                except OSError as exc:
                    log.error("email inbox %s: SMTP ingress not started: %s", inbox_id, exc)
            self._running[inbox_id] = running


plugin = EmailChannel()
