"""Inboxes: one per channel account (a site widget, later a mailbox or a Telegram bot)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId

CHANNELS = ("widget",)


class Inbox(Base):
    __tablename__ = "inboxes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(30))
    #: Shown in the embed snippet; identifies the inbox to visitors, grants nothing else.
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    #: Channel credentials and connection settings (mailbox, bot token); secrets inside are
    #: encrypted with the server's key (``core/crypto.py``) and never sent to browsers.
    channel_config: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: Turned off: the channel takes nothing new (no polling, the widget and API refuse);
    #: operators can still answer its conversations and read their history.
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: Round robin's position: the agent who got the previous conversation.
    round_robin_last_agent_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Channel health (``channels/health.py``): when the channel started failing (``None``:
    #: it works), and the last failure in plain words with its time.
    failing_since: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_error_at: Mapped[datetime | None]
