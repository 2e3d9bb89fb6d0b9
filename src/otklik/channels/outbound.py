"""Delivering operators' replies through the customer's channel, as a network job."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
from sqlalchemy import select

from otklik.attachments import service as attachments
from otklik.attachments.models import Attachment
from otklik.channels import config as channel_config
from otklik.channels import health
from otklik.channels.base import (
    Button,
    ChannelFailure,
    DeliveryError,
    OutboundFile,
    OutboundMessage,
    plugin_for,
)
from otklik.channels.models import Inbox
from otklik.contacts.models import Contact, ContactIdentity
from otklik.conversations import service as conversations
from otklik.conversations.models import Conversation, Message
from otklik.core.crypto import SecretBox
from otklik.jobs.registry import IOJobContext, RetryAfter, RetryLater, io_job

THREAD_DEPTH = 20


async def _outbound(ctx: IOJobContext, message_id: int) -> tuple[int, str, OutboundMessage] | None:
    async with ctx.db.session(write=False) as session:
        row = (
            await session.execute(
                select(Message, Conversation, Inbox, Contact)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Inbox, Inbox.id == Conversation.inbox_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(Message.id == message_id)
            )
        ).first()
        if row is None:
            return None
        message, conversation, inbox, contact = row
        identity = await session.scalar(
            select(ContactIdentity.external_id).where(
                ContactIdentity.contact_id == contact.id, ContactIdentity.inbox_id == inbox.id
            )
        )
        thread = (
            (
                await session.execute(
                    select(Message.channel_data)
                    .where(Message.conversation_id == conversation.id, Message.id < message.id)
                    .order_by(Message.id.desc())
                    .limit(THREAD_DEPTH)
                )
            )
            .scalars()
            .all()
        )
        files = (
            await session.scalars(
                select(Attachment)
                .where(Attachment.message_id == message.id)
                .order_by(Attachment.id)
            )
        ).all()
    plugin = plugin_for(inbox.channel)
    box = SecretBox(ctx.settings.resolved_secret_key())
    config: dict[str, Any] = (
        channel_config.open_(plugin, inbox.channel_config, box) if plugin else {}
    )
    return (
        inbox.id,
        inbox.channel,
        OutboundMessage(
            message_id=message.id,
            conversation_id=conversation.id,
            text=message.text,
            recipient_id=identity or (contact.email or ""),
            recipient_name=contact.name,
            recipient_email=contact.email,
            author_name=message.author_name,
            config=config,
            thread=[data for data in reversed(thread) if data],
            automatic=message.author_type != "agent",
            subject=_subject(message.channel_data),
            buttons=_buttons(message.channel_data, ctx.settings.public_url),
            files=tuple(
                OutboundFile(
                    filename=f.filename,
                    content_type=f.content_type,
                    size=f.size,
                    path=attachments.file_path(ctx.settings, f),
                )
                for f in files
            ),
        ),
    )


def _buttons(data: dict[str, Any] | None, public_url: str) -> tuple[Button, ...]:
    """The message's buttons; their links, stored as paths, made absolute with the server's
    ``public_url`` (empty: no links, mails then carry none)."""
    raw = (data or {}).get("buttons")
    if not isinstance(raw, list):
        return ()
    buttons = [b for b in (Button.parse(item) for item in raw) if b is not None]
    base = public_url.rstrip("/")
    return tuple(
        replace(b, url=f"{base}{b.url}" if base else "") if b.url.startswith("/") else b
        for b in buttons
    )


def _subject(data: dict[str, Any] | None) -> str | None:
    subject = (data or {}).get("subject")
    return subject if isinstance(subject, str) and subject.strip() else None


async def _record(ctx: IOJobContext, message_id: int, **result: Any) -> None:
    async with ctx.db.session(write=True) as session:
        await conversations.record_delivery(session, message_id=message_id, **result)


@io_job(conversations.DELIVER_JOB)
async def deliver(ctx: IOJobContext, payload: dict[str, Any]) -> None:
    message_id = int(payload["message_id"])
    loaded = await _outbound(ctx, message_id)
    if loaded is None:
        return  # the conversation was deleted meanwhile
    inbox_id, channel, outbound = loaded
    plugin = plugin_for(channel)
    if plugin is None:
        await _record(ctx, message_id, status="failed", error=f"No {channel!r} channel installed.")
        return
    try:
        result = await plugin.send(outbound)
    except DeliveryError as exc:
        await _record(ctx, message_id, status="failed", error=str(exc)[:2000])
        return
    except RetryAfter:
        raise
    except (ChannelFailure, OSError, TimeoutError, httpx.HTTPError) as exc:
        # The channel fails, not this message: the inbox shows it, the job tries again.
        error = str(exc) if isinstance(exc, ChannelFailure) else f"{type(exc).__name__}: {exc}"
        await health.report(ctx.db, inbox_id=inbox_id, error=error)
        if ctx.last_attempt:
            await _record(ctx, message_id, status="failed", error=error[:2000])
        raise RetryLater(error) from exc
    except Exception as exc:
        if ctx.last_attempt:
            await _record(
                ctx, message_id, status="failed", error=f"{type(exc).__name__}: {exc}"[:2000]
            )
        raise
    await health.report(ctx.db, inbox_id=inbox_id, error=None)
    await _record(
        ctx,
        message_id,
        status="sent",
        external_id=result.external_id,
        channel_data=result.channel_data,
    )
