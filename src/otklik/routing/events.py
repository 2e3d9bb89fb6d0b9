"""Typed events of the routing domain: escalations between lines and hand-backs."""

from __future__ import annotations

from typing import ClassVar

from otklik.core.events import DomainEvent, FeedEntry
from otklik.realtime.protocol import STREAM_AGENTS
from otklik.routing.schemas import EscalationOut

CONVERSATION_ESCALATED = "conversation.escalated"
CONVERSATION_HANDED_BACK = "conversation.handed_back"
#: What routing's own reactions are caused by (``core.events.EventBus.caused_by``).
CAUSE = "routing"


class ConversationEscalated(DomainEvent):
    name: ClassVar[str] = CONVERSATION_ESCALATED
    escalation: EscalationOut

    def feed(self) -> list[FeedEntry]:
        return [
            FeedEntry(
                STREAM_AGENTS, self.name, {"escalation": self.escalation.model_dump(mode="json")}
            )
        ]


class ConversationHandedBack(DomainEvent):
    name: ClassVar[str] = CONVERSATION_HANDED_BACK
    escalation: EscalationOut

    def feed(self) -> list[FeedEntry]:
        return [
            FeedEntry(
                STREAM_AGENTS, self.name, {"escalation": self.escalation.model_dump(mode="json")}
            )
        ]
