"""Inbox changes produce no live events yet; settings are read when a widget loads.

The widgets of an inbox hear, live, whether someone answers it (``inbox_stream``)."""

from __future__ import annotations

from typing import Literal

from otklik.realtime.protocol import TransientFrame


class AgentsOnlineFrame(TransientFrame):
    """To the widgets of an inbox, live only: whether an operator who answers it is online
    (the offline form gives way to the chat, or the other way round)."""

    type: Literal["agents_online"] = "agents_online"
    online: bool
