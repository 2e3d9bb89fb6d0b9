"""Telegram updates become messages: queued as a job (webhook or long poll), then stored.

Queuing first means Telegram's update is durable before we confirm it (answer the webhook,
advance the poll offset), and the files it carries are downloaded by the job — outside any
database transaction — before a short write transaction stores the message.
"""

from __future__ import annotations

import hmac
import logging
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels import config as channel_config
from otklik.channels import inbound
from otklik.channels.base import InboundFile, InboundMessage, plugin_for
from otklik.channels.events import ButtonPressed
from otklik.channels.models import Inbox
from otklik.channels.telegram.botapi import BotApi, TelegramError
from otklik.channels.telegram.parse import ButtonPress, parse_callback, parse_update
from otklik.core import ssrf
from otklik.core.crypto import SecretBox
from otklik.core.errors import AppError, invalid, not_found
from otklik.core.events import bus
from otklik.jobs import registry as jobs
from otklik.jobs.registry import IOJobContext, RetryAfter, io_job

CHANNEL = "telegram"
UPDATE_JOB = "telegram.update"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
log = logging.getLogger(__name__)


def opened_config(inbox: Inbox, box: SecretBox) -> dict[str, Any]:
    plugin = plugin_for(CHANNEL)
    if plugin is None or inbox.channel != CHANNEL:
        raise not_found("Telegram inbox", inbox.id)
    return channel_config.open_(plugin, inbox.channel_config, box)


async def telegram_inboxes(session: AsyncSession) -> list[Inbox]:
    """Every Telegram inbox, those turned off too (the supervisor removes their webhooks)."""
    return list(await session.scalars(select(Inbox).where(Inbox.channel == CHANNEL)))


async def enqueue_update(session: AsyncSession, *, inbox_id: int, update: dict[str, Any]) -> None:
    update_id = update.get("update_id")
    if not isinstance(update_id, int):
        raise invalid("update_id: an integer is required")
    await jobs.enqueue(
        session,
        name=UPDATE_JOB,
        payload={"inbox_id": inbox_id, "update": update},
        dedupe_key=f"tg:{inbox_id}:{update_id}",
        max_attempts=6,
    )


async def check_webhook_secret(
    session: AsyncSession, *, inbox_id: int, secret: str | None, box: SecretBox
) -> Inbox:
    """Telegram's ``X-Telegram-Bot-Api-Secret-Token`` must match, compared in constant time."""
    inbox = await session.get(Inbox, inbox_id)
    if inbox is None or inbox.channel != CHANNEL:
        raise not_found("Telegram inbox", inbox_id)
    expected = str(opened_config(inbox, box).get("webhook_secret") or "")
    if not secret or not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise AppError(401, "unauthorized", f"The {SECRET_HEADER} header is missing or wrong.")
    return inbox


async def _button_pressed(ctx: IOJobContext, inbox_id: int, press: ButtonPress) -> None:
    """Tell whoever made the button (typed event, in a write transaction), then stop the
    button's spinner in the customer's app (best effort: the press is recorded already)."""
    async with ctx.db.session(write=True) as session:
        inbox = await session.get(Inbox, inbox_id)
        if inbox is None or inbox.channel != CHANNEL:
            return
        config = opened_config(inbox, SecretBox(ctx.settings.resolved_secret_key()))
        event = ButtonPressed(
            inbox_id=inbox_id, channel=CHANNEL, sender_id=str(press.chat_id), data=press.data
        )
        await bus.emit(session, event)
    policy = ssrf.Policy.from_settings(ctx.settings)
    try:
        async with BotApi(config["bot_token"], api_base=config["api_base"], policy=policy) as bot:
            await bot.answer_callback_query(callback_query_id=press.callback_query_id)
    except (TelegramError, OSError, ssrf.RefusedRequest) as exc:
        log.info("telegram callback %s not answered: %s", press.callback_query_id, exc)


@io_job(UPDATE_JOB)
async def ingest(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    update = payload.get("update") or {}
    press = parse_callback(update)
    if press is not None:
        await _button_pressed(ctx, int(payload["inbox_id"]), press)
        return
    parsed = parse_update(update)
    if parsed is None:
        return
    inbox_id = int(payload["inbox_id"])
    box = SecretBox(ctx.settings.resolved_secret_key())
    async with ctx.db.session(write=False) as session:
        inbox = await session.get(Inbox, inbox_id)
        if inbox is None or inbox.channel != CHANNEL:
            return  # the inbox was deleted meanwhile
        config = opened_config(inbox, box)
    files: list[InboundFile] = []
    failed: list[str] = []
    if parsed.files:
        policy = ssrf.Policy.from_settings(ctx.settings)
        async with BotApi(config["bot_token"], api_base=config["api_base"], policy=policy) as bot:
            for ref in parsed.files:
                try:
                    path, data = await bot.download(ref.file_id)
                except TelegramError as exc:
                    if exc.retry_after is not None:
                        raise RetryAfter(exc.retry_after, exc.description) from exc
                    if exc.code >= 500:
                        raise
                    log.warning("telegram file %s not downloaded: %s", ref.file_id, exc)
                    failed.append(ref.filename or ref.kind)
                    continue
                files.append(
                    InboundFile(filename=ref.filename or PurePosixPath(path).name, data=data)
                )
    text = parsed.text
    channel_data = dict(parsed.channel_data)
    if failed:
        channel_data["telegram"] = {**channel_data["telegram"], "failed_files": failed}
        if not text and not files:
            text = "\n".join(f"[{name}]" for name in failed)
    async with ctx.db.session(write=True) as session:
        inbox = await session.get_one(Inbox, inbox_id)
        await inbound.receive(
            session,
            inbox=inbox,
            message=InboundMessage(
                external_id=parsed.external_id,
                sender_id=str(parsed.chat_id),
                text=text,
                sender_name=parsed.sender_name,
                channel_data=channel_data,
                files=tuple(files),
            ),
            max_chars=ctx.settings.max_message_chars,
            settings=ctx.settings,
        )
