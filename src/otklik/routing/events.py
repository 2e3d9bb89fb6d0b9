"""Typed events of the routing domain: escalations between lines and hand-backs."""

from __future__ import annotations

from typing import ClassVar

from otklik.core.events import DomainEvent, FeedEntry, FrameData, FrameKind, Reach
from otklik.realtime.protocol import STREAM_AGENTS
from otklik.routing.schemas import EscalationOut

CONVERSATION_ESCALATED = "conversation.escalated"
CONVERSATION_HANDED_BACK = "conversation.handed_back"
#: What routing's own reactions are caused by (``core.events.EventBus.caused_by``).
CAUSE = "routing"


class EscalationData(FrameData):
    """What operators hear of an escalation or a hand-back."""

    escalation: EscalationOut


CONVERSATION_ESCALATED_FRAME = FrameKind("agents", CONVERSATION_ESCALATED, EscalationData)
CONVERSATION_HANDED_BACK_FRAME = FrameKind("agents", CONVERSATION_HANDED_BACK, EscalationData)


class ConversationEscalated(DomainEvent):
    name: ClassVar[str] = CONVERSATION_ESCALATED
    frames = (CONVERSATION_ESCALATED_FRAME,)
    escalation: EscalationOut
    #: The conversation, as access decides who hears of it.
    reach: Reach

    def feed(self) -> list[FeedEntry]:
        data = EscalationData(escalation=self.escalation)
        return [CONVERSATION_ESCALATED_FRAME.entry(STREAM_AGENTS, data, self.reach)]


class ConversationHandedBack(DomainEvent):
    name: ClassVar[str] = CONVERSATION_HANDED_BACK
    frames = (CONVERSATION_HANDED_BACK_FRAME,)
    escalation: EscalationOut
    #: The conversation, as access decides who hears of it.
    reach: Reach

    def feed(self) -> list[FeedEntry]:
        data = EscalationData(escalation=self.escalation)
        return [CONVERSATION_HANDED_BACK_FRAME.entry(STREAM_AGENTS, data, self.reach)]
