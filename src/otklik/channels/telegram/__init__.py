"""Telegram: one bot per inbox, updates by webhook or long polling, replies by sendMessage.

Registered under the ``otklik.channels`` entry point as ``telegram``; see ``docs/channels.md``.
The Bot API is called over plain HTTPS with httpx (``botapi.py``) — see the note there and
in ``docs/channels.md`` on why not aiogram.
"""

from __future__ import annotations

from otklik.channels.telegram import service as _service  # noqa: F401  (registers the job)
from otklik.channels.telegram.plugin import TelegramChannel

plugin = TelegramChannel()

__all__ = ["TelegramChannel", "plugin"]
