"""The API channel: an integrator's bridge (WhatsApp, VK, a shop's own chat) talks to Otklik.

Inbound: the bridge creates contacts, conversations and messages over HTTP with the inbox's
API key (``X-Otklik-Inbox-Key``). Outbound: operators' replies are POSTed to the inbox's
``webhook_url``, signed like every Otklik webhook. Registered under the ``otklik.channels``
entry point as ``api``; see ``docs/channels.md``.
"""

from __future__ import annotations

from otklik.channels.api_channel.plugin import ApiChannel

plugin = ApiChannel()

__all__ = ["ApiChannel", "plugin"]
