"""Typed events of the channels domain: an inbox's channel started or stopped failing; and,
live only, whether someone answers an inbox (to its widgets, ``inbox_stream``).

Only admins hear them live: the error may name mail hosts and accounts, which only admins
see in the settings. The frame's reach is :data:`ADMINS`, an inbox id no inbox has (ids start
at 1): an admin's scope sees everything, every other operator's scope sees no inbox ``0``,
and the catch-up's SQL filter (``accounts.access.visible``) says the same.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from otklik.channels.schemas import InboxHealth
from otklik.core.events import DomainEvent, FeedEntry, FrameData, FrameKind, Reach
from otklik.realtime.protocol import STREAM_AGENTS, TransientFrame

CHANNEL_HEALTH_CHANGED = "channel.health_changed"
#: The reach of frames for admins only (see the module's docstring).
ADMINS = Reach(inbox_id=0, team_id=None, assignee_id=None)


class ChannelHealthData(FrameData):
    """``channel.health_changed`` for admins: the inbox's new state."""

    health: InboxHealth


CHANNEL_HEALTH_FRAME = FrameKind("agents", CHANNEL_HEALTH_CHANGED, ChannelHealthData)


class ChannelHealthChanged(DomainEvent):
    """An inbox's channel started failing, failed differently, or works again."""

    name: ClassVar[str] = CHANNEL_HEALTH_CHANGED
    frames = (CHANNEL_HEALTH_FRAME,)
    health: InboxHealth
    previous_state: str

    def feed(self) -> list[FeedEntry]:
        data = ChannelHealthData(health=self.health)
        return [CHANNEL_HEALTH_FRAME.entry(STREAM_AGENTS, data, ADMINS)]


class ButtonPressed(DomainEvent):
    """A customer pressed a button under an automatic message (Telegram's inline keyboard):
    whoever made the button reads its ``data`` (surveys: ``survey:<token>:<score>``). Nobody
    hears it live."""

    name: ClassVar[str] = "channel.button_pressed"
    inbox_id: int
    channel: str
    #: The customer's id on the channel (a Telegram chat id).
    sender_id: str
    data: str


class AgentsOnlineFrame(TransientFrame):
    """To the widgets of an inbox, live only: whether an operator who answers it is online
    (the offline form gives way to the chat, or the other way round)."""

    type: Literal["agents_online"] = "agents_online"
    online: bool
