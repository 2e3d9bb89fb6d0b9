"""Otklik's own mail (an email proof, a scheduled report): sent by the SMTP server of the
first active email inbox, the one outgoing mail server an admin has configured."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels import config as channel_config
from otklik.channels.base import plugin_for
from otklik.channels.email.config import EmailConfig
from otklik.channels.email.send import transmit
from otklik.channels.models import Inbox
from otklik.config import Settings
from otklik.core import ssrf
from otklik.core.crypto import SecretBox


async def mail_inbox_id(session: AsyncSession) -> int | None:
    """The inbox whose SMTP server sends Otklik's own mail: the first active email inbox."""
    return await session.scalar(
        select(Inbox.id)
        .where(Inbox.channel == "email", Inbox.active.is_(True))
        .order_by(Inbox.id)
        .limit(1)
    )


async def sender(session: AsyncSession, settings: Settings) -> EmailConfig | None:
    """That inbox's settings (secrets opened); ``None`` when there is no such inbox."""
    inbox_id = await mail_inbox_id(session)
    if inbox_id is None:
        return None
    stored = await session.scalar(select(Inbox.channel_config).where(Inbox.id == inbox_id))
    plugin = plugin_for("email")
    if stored is None or plugin is None:
        return None
    box = SecretBox(settings.resolved_secret_key())
    return EmailConfig.model_validate(channel_config.open_(plugin, stored, box))


async def send(mail: EmailMessage, config: EmailConfig, settings: Settings) -> None:
    """Hand ``mail`` to ``config``'s server (errors as :func:`send.transmit` raises them)."""
    await transmit(mail, config, ssrf.Policy.from_settings(settings))
