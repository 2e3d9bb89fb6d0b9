"""The ``telegram`` channel plugin: one bot per inbox, webhook or long polling."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import httpx
from fastapi import APIRouter

from otklik.channels import health
from otklik.channels.base import (
    Button,
    ChannelFailure,
    DeliveryError,
    DeliveryResult,
    OutboundFile,
    OutboundMessage,
)
from otklik.channels.rescan import Rescan
from otklik.channels.telegram import service
from otklik.channels.telegram.api import router
from otklik.channels.telegram.botapi import (
    CAPTION_LIMIT,
    DEFAULT_API_BASE,
    MAX_UPLOAD_BYTES,
    BotApi,
    TelegramError,
    describe,
    split_text,
    telegram_length,
)
from otklik.channels.telegram.config import TelegramConfig
from otklik.channels.telegram.parse import ALLOWED_UPDATES
from otklik.config import Settings
from otklik.core import ssrf
from otklik.core.crypto import SecretBox
from otklik.core.db import Database
from otklik.jobs.registry import RetryAfter

log = logging.getLogger(__name__)
#: A 429 in the middle of a long reply is waited out here, up to this long, so the pieces
#: already sent are not sent again by a retried job.
INLINE_WAIT_SECONDS = 10.0


def webhook_url(config: dict[str, Any], inbox_id: int) -> str:
    return f"{config['public_url']}/api/v1/channels/telegram/{inbox_id}/webhook"


def _fingerprint(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


class TelegramChannel:
    name = "telegram"
    config_model = TelegramConfig
    secret_fields = frozenset({"bot_token", "webhook_secret"})
    #: The token (and the webhook secret, given to setWebhook) go to the Bot API server.
    secret_destinations = {
        "bot_token": frozenset({"api_base"}),
        "webhook_secret": frozenset({"api_base"}),
    }

    def __init__(self) -> None:
        #: How often the inboxes are re-read: new bots start polling, changed ones restart,
        #: webhook-mode bots get ``setWebhook``.
        self.rescan_seconds = 10.0
        #: Pause after a failed getUpdates (a 429 waits its ``retry_after`` instead).
        self.error_pause = 5.0
        self._db: Database | None = None
        self._settings: Settings | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._pollers: dict[int, tuple[str, asyncio.Task[None]]] = {}
        self._webhooks: dict[int, str] = {}
        #: Inboxes turned off whose webhook was removed (or that had none) in this process.
        self._turned_off: set[int] = set()
        self._rescan = Rescan()

    def routers(self) -> list[APIRouter]:
        return [router]

    # --- background: long polling and webhook registration ------------------------------

    async def start(self, *, db: Database, settings: Settings) -> None:
        self._db, self._settings = db, settings
        self._rescan = Rescan()  # in the loop that runs the supervisor
        self._supervisor = asyncio.create_task(self._supervise(), name="telegram-supervisor")

    async def stop(self) -> None:
        tasks = [task for _, task in self._pollers.values()]
        if self._supervisor is not None:
            tasks.append(self._supervisor)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._pollers.clear()
        self._webhooks.clear()
        self._turned_off.clear()
        self._supervisor = None

    async def _supervise(self) -> None:
        while True:
            try:
                await self.reconcile()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("telegram: reading the inboxes failed")
            await self._rescan.pause(self.rescan_seconds)

    def wake(self) -> None:
        """An inbox was created or changed here: reconcile the bots now."""
        self._rescan.wake()

    async def reconcile(self) -> None:
        assert self._db is not None and self._settings is not None
        box = SecretBox(self._settings.resolved_secret_key())
        async with self._db.session(write=False) as session:
            inboxes = await service.telegram_inboxes(session)
            configs = {i.id: service.opened_config(i, box) for i in inboxes if i.active}
            turned_off = {
                i.id: service.opened_config(i, box)
                for i in inboxes
                if not i.active and i.id not in self._turned_off
            }
        await self._remove_webhooks(turned_off)
        self._turned_off &= {i.id for i in inboxes if not i.active}
        polling = {i for i, c in configs.items() if c.get("mode") == "polling"}
        for inbox_id in set(self._pollers) - polling:
            self._pollers.pop(inbox_id)[1].cancel()
        for inbox_id, config in configs.items():
            fingerprint = _fingerprint(config)
            if inbox_id in polling:
                self._webhooks.pop(inbox_id, None)
                current = self._pollers.get(inbox_id)
                if current and current[0] == fingerprint and not current[1].done():
                    continue
                if current:
                    current[1].cancel()
                task = asyncio.create_task(
                    self._poll(inbox_id, config), name=f"telegram-{inbox_id}"
                )
                self._pollers[inbox_id] = (fingerprint, task)
            elif self._webhooks.get(inbox_id) != fingerprint:
                try:
                    async with self._bot(config) as bot:
                        await bot.set_webhook(
                            url=webhook_url(config, inbox_id),
                            secret_token=config["webhook_secret"],
                            allowed_updates=ALLOWED_UPDATES,
                        )
                except (TelegramError, httpx.HTTPError) as exc:
                    await self._report(inbox_id, f"setWebhook failed: {describe(exc)}")
                    continue  # tried again at the next scan
                await self._report(inbox_id, None)
                self._webhooks[inbox_id] = fingerprint
        for inbox_id in set(self._webhooks) - set(configs):
            self._webhooks.pop(inbox_id)

    async def _remove_webhooks(self, turned_off: dict[int, dict[str, Any]]) -> None:
        """An inbox turned off: Telegram should stop posting to us (once per process; the
        webhook endpoint drops what still arrives)."""
        for inbox_id, config in turned_off.items():
            self._webhooks.pop(inbox_id, None)
            if config.get("mode") == "webhook":
                try:
                    async with self._bot(config) as bot:
                        await bot.delete_webhook()
                except (TelegramError, httpx.HTTPError) as exc:
                    log.warning("telegram inbox %s: deleteWebhook failed: %s", inbox_id, exc)
                    continue  # tried again at the next scan
            self._turned_off.add(inbox_id)

    def _bot(self, config: dict[str, Any]) -> BotApi:
        policy = ssrf.Policy.from_settings(self._settings) if self._settings else ssrf.Policy()
        return BotApi(
            str(config["bot_token"]),
            api_base=str(config.get("api_base") or DEFAULT_API_BASE),
            policy=policy,
        )

    async def _poll(self, inbox_id: int, config: dict[str, Any]) -> None:
        assert self._db is not None
        offset: int | None = None
        timeout = int(config.get("poll_timeout", 25))
        async with self._bot(config) as bot:
            with contextlib.suppress(TelegramError, httpx.HTTPError):
                await bot.delete_webhook()  # getUpdates is refused while a webhook is set
            while True:
                try:
                    updates = await bot.get_updates(
                        offset=offset, wait_seconds=timeout, allowed_updates=ALLOWED_UPDATES
                    )
                    await self._report(inbox_id, None)
                    if updates:
                        # Stored as jobs first; only then is the offset advanced (confirmed).
                        async with self._db.session(write=True) as session:
                            for update in updates:
                                await service.enqueue_update(
                                    session, inbox_id=inbox_id, update=update
                                )
                        offset = max(int(u["update_id"]) for u in updates) + 1
                    elif timeout == 0:
                        await asyncio.sleep(1.0)
                except asyncio.CancelledError:
                    raise
                except TelegramError as exc:
                    await self._report(inbox_id, describe(exc))
                    await asyncio.sleep(exc.retry_after or self.error_pause)
                except Exception as exc:
                    await self._report(inbox_id, describe(exc))
                    await asyncio.sleep(self.error_pause)

    async def _report(self, inbox_id: int, error: str | None) -> None:
        """Tell channel health how the bot's last call went (logs a failure in one line)."""
        if self._db is None:
            return
        try:
            await health.report(self._db, inbox_id=inbox_id, error=error)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the poller must outlive a failed write
            log.warning("telegram inbox %s: health not recorded: %r", inbox_id, exc)

    # --- replies ------------------------------------------------------------------------

    async def send(self, message: OutboundMessage) -> DeliveryResult:
        chat_id = message.recipient_id
        if not chat_id.lstrip("-").isdigit():
            raise DeliveryError("This customer has no Telegram chat with the bot.")
        files = await _read_files(message.files)
        text = message.text.strip()
        # A short text rides on the first file as its caption (as a person would send it);
        # a long one goes first, split at Telegram's limit.
        caption = text if files and telegram_length(text) <= CAPTION_LIMIT else None
        pieces = split_text(text) if text and caption is None else []
        if not pieces and not files:
            raise DeliveryError("The reply has neither text nor files to send.")
        sent: list[int] = []
        try:
            async with self._bot(message.config) as bot:
                for index, piece in enumerate(pieces):
                    # The buttons go under the last piece of text (a survey's scale).
                    last = index == len(pieces) - 1 and not files
                    sent.append(
                        await self._send_piece(
                            partial(
                                bot.send_message,
                                chat_id=int(chat_id),
                                text=piece,
                                reply_markup=_keyboard(message.buttons) if last else None,
                            ),
                            started=bool(sent),
                        )
                    )
                for index, (file, data) in enumerate(files):
                    sent.append(
                        await self._send_piece(
                            partial(
                                bot.send_file,
                                chat_id=int(chat_id),
                                filename=file.filename,
                                content_type=file.content_type,
                                data=data,
                                caption=caption if index == 0 else None,
                            ),
                            started=bool(sent),
                        )
                    )
        except ssrf.RefusedRequest as exc:
            raise DeliveryError(f"Refused: {exc}") from exc
        return DeliveryResult(
            external_id=f"{chat_id}:{sent[0]}",
            channel_data={"telegram": {"chat_id": int(chat_id), "message_ids": sent}},
        )

    async def _send_piece(
        self, call: Callable[[], Awaitable[dict[str, Any]]], *, started: bool
    ) -> int:
        """One Bot API send; a short 429 after earlier pieces went out is waited out here,
        so a retried job does not send those pieces twice."""
        for attempt in range(2):
            try:
                result = await call()
                return int(result["message_id"])
            except TelegramError as exc:
                if exc.retry_after is not None:
                    if started and attempt == 0 and exc.retry_after <= INLINE_WAIT_SECONDS:
                        await asyncio.sleep(exc.retry_after)
                        continue
                    raise RetryAfter(exc.retry_after, exc.description) from exc
                if exc.code == 401:  # the bot's token, not this message: the channel fails
                    raise ChannelFailure(describe(exc)) from exc
                if exc.code in (400, 403, 404):
                    raise DeliveryError(exc.description) from exc
                raise
        raise RetryAfter(INLINE_WAIT_SECONDS, "Telegram asked to wait twice")


#: Telegram shows up to 8 buttons in a row; an NPS scale (11) is cut in two rows.
ROW = 6


def _keyboard(buttons: tuple[Button, ...]) -> dict[str, Any] | None:
    if not buttons:
        return None
    row = [{"text": b.label, "callback_data": b.callback_data} for b in buttons]
    return {"inline_keyboard": [row[i : i + ROW] for i in range(0, len(row), ROW)]}


async def _read_files(files: tuple[OutboundFile, ...]) -> list[tuple[OutboundFile, bytes]]:
    for file in files:
        if file.size > MAX_UPLOAD_BYTES:
            raise DeliveryError(
                f"{file.filename} is {file.size // (1024 * 1024)} MB; bots may send files"
                f" up to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
            )
    try:
        return await asyncio.to_thread(lambda: [(f, f.path.read_bytes()) for f in files])
    except OSError as exc:
        raise DeliveryError(f"An attachment is missing from storage: {exc}") from exc
