"""Typed events of conversations and messages, and what each audience hears of them.

Operators hear everything on the ``agents`` stream; a visitor hears only public messages and
status changes of their own conversations on ``contact:<id>``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from otklik.conversations.schemas import (
    ConversationOut,
    MessageOut,
    VisitorConversation,
)
from otklik.core.events import DomainEvent, FeedEntry
from otklik.realtime.protocol import STREAM_AGENTS, contact_stream

CONVERSATION_CREATED = "conversation.created"
CONVERSATION_UPDATED = "conversation.updated"
MESSAGE_CREATED = "message.created"
CONVERSATION_MERGED = "conversation.merged"
MESSAGE_UPDATED = "message.updated"


def _json(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json")
    return data


def _tell_visitor(conversation: ConversationOut) -> FeedEntry:
    visitor = VisitorConversation(id=conversation.id, status=conversation.status)
    return FeedEntry(
        contact_stream(conversation.contact.id),
        CONVERSATION_UPDATED,
        {"conversation": _json(visitor)},
    )


class ConversationCreated(DomainEvent):
    name: ClassVar[str] = CONVERSATION_CREATED
    conversation: ConversationOut

    def feed(self) -> list[FeedEntry]:
        return [FeedEntry(STREAM_AGENTS, self.name, {"conversation": _json(self.conversation)})]


class ConversationUpdated(DomainEvent):
    """Status, assignment, team, tags, priority, attributes… changed."""

    name: ClassVar[str] = CONVERSATION_UPDATED
    conversation: ConversationOut
    #: The visitor's widget shows the status (resolved, reopened): tell them too.
    tell_visitor: bool = False

    def feed(self) -> list[FeedEntry]:
        entries = [FeedEntry(STREAM_AGENTS, self.name, {"conversation": _json(self.conversation)})]
        if self.tell_visitor:
            entries.append(_tell_visitor(self.conversation))
        return entries


class MessageCreated(DomainEvent):
    name: ClassVar[str] = MESSAGE_CREATED
    #: The conversation as it is after the message (its last message, unread count…).
    conversation: ConversationOut
    message: MessageOut
    #: What the visitor sees of it; ``None`` for a private note, which visitors never get.
    visitor_message: MessageOut | None
    #: The customer's message reopened a resolved, pending or snoozed conversation.
    reopened: bool = False

    def feed(self) -> list[FeedEntry]:
        entries = []
        if self.reopened:
            entries.append(_tell_visitor(self.conversation))
        entries.append(
            FeedEntry(
                STREAM_AGENTS,
                self.name,
                {"message": _json(self.message), "conversation": _json(self.conversation)},
            )
        )
        if self.visitor_message is not None:
            entries.append(
                FeedEntry(
                    contact_stream(self.conversation.contact.id),
                    self.name,
                    {"message": _json(self.visitor_message)},
                )
            )
        return entries


class MessageUpdated(DomainEvent):
    """A message changed (its delivery state); visitors are not told."""

    name: ClassVar[str] = MESSAGE_UPDATED
    message: MessageOut

    def feed(self) -> list[FeedEntry]:
        return [FeedEntry(STREAM_AGENTS, self.name, {"message": _json(self.message)})]


class ConversationMerged(DomainEvent):
    name: ClassVar[str] = CONVERSATION_MERGED
    from_id: int
    into_id: int

    def feed(self) -> list[FeedEntry]:
        return [
            FeedEntry(STREAM_AGENTS, self.name, {"from_id": self.from_id, "into_id": self.into_id})
        ]
