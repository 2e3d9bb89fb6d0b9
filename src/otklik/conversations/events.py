"""Typed events of conversations and messages, and what each audience hears of them.

Operators hear them on the ``agents`` stream, each frame marked with its conversation's reach
(inbox, team, assignee) so that an operator's socket gets only what their scope sees
(``accounts/access.py``, ADR 0017); a visitor hears only public messages and
status changes of their own conversations on ``contact:<id>``. What each frame carries is a
model below (``otklik.frames`` publishes their JSON Schema to the front ends).
"""

from __future__ import annotations

from typing import ClassVar

from otklik.conversations.schemas import (
    ConversationOut,
    MentionOut,
    MessageOut,
    VisitorConversation,
)
from otklik.core.events import DomainEvent, FeedEntry, FrameData, FrameKind, Reach
from otklik.realtime.protocol import STREAM_AGENTS, contact_stream

CONVERSATION_CREATED = "conversation.created"
CONVERSATION_UPDATED = "conversation.updated"
MESSAGE_CREATED = "message.created"
CONVERSATION_MERGED = "conversation.merged"
MESSAGE_UPDATED = "message.updated"
MENTION_CREATED = "mention.created"
MENTIONS_READ = "mentions.read"


class ConversationData(FrameData):
    """``conversation.created`` / ``conversation.updated`` for operators."""

    conversation: ConversationOut


class VisitorConversationData(FrameData):
    """``conversation.updated`` for the visitor: only the id and the status."""

    conversation: VisitorConversation


class MessageCreatedData(FrameData):
    """``message.created`` for operators: the message and its conversation after it."""

    message: MessageOut
    conversation: ConversationOut


class VisitorMessageData(FrameData):
    """``message.created`` for the visitor (never a private note)."""

    message: MessageOut


class MessageData(FrameData):
    """``message.updated`` for operators."""

    message: MessageOut


class ConversationMergedData(FrameData):
    from_id: int
    into_id: int


class MentionData(FrameData):
    """``mention.created``: a note names ``mention.agent_id`` (their client notifies them)."""

    mention: MentionOut


class MentionsReadData(FrameData):
    """``mentions.read``: the operator read these mentions (in another tab, say)."""

    agent_id: int
    ids: list[int]


CONVERSATION_CREATED_FRAME = FrameKind("agents", CONVERSATION_CREATED, ConversationData)
CONVERSATION_UPDATED_FRAME = FrameKind("agents", CONVERSATION_UPDATED, ConversationData)
VISITOR_CONVERSATION_UPDATED_FRAME = FrameKind(
    "visitor", CONVERSATION_UPDATED, VisitorConversationData
)
MESSAGE_CREATED_FRAME = FrameKind("agents", MESSAGE_CREATED, MessageCreatedData)
VISITOR_MESSAGE_CREATED_FRAME = FrameKind("visitor", MESSAGE_CREATED, VisitorMessageData)
MESSAGE_UPDATED_FRAME = FrameKind("agents", MESSAGE_UPDATED, MessageData)
CONVERSATION_MERGED_FRAME = FrameKind("agents", CONVERSATION_MERGED, ConversationMergedData)
MENTION_CREATED_FRAME = FrameKind("agents", MENTION_CREATED, MentionData)
MENTIONS_READ_FRAME = FrameKind("agents", MENTIONS_READ, MentionsReadData)


def reach_of(conversation: ConversationOut) -> Reach:
    """Who among operators hears of ``conversation`` (``accounts/access.py`` decides)."""
    return Reach(conversation.inbox_id, conversation.team_id, conversation.assignee_id)


def _tell_visitor(conversation: ConversationOut) -> FeedEntry:
    visitor = VisitorConversation(id=conversation.id, status=conversation.status)
    return VISITOR_CONVERSATION_UPDATED_FRAME.entry(
        contact_stream(conversation.contact.id), VisitorConversationData(conversation=visitor)
    )


class ConversationCreated(DomainEvent):
    name: ClassVar[str] = CONVERSATION_CREATED
    frames = (CONVERSATION_CREATED_FRAME,)
    conversation: ConversationOut

    def feed(self) -> list[FeedEntry]:
        data = ConversationData(conversation=self.conversation)
        return [CONVERSATION_CREATED_FRAME.entry(STREAM_AGENTS, data, reach_of(self.conversation))]


class ConversationUpdated(DomainEvent):
    """Status, assignment, team, tags, priority, attributes… changed."""

    name: ClassVar[str] = CONVERSATION_UPDATED
    frames = (CONVERSATION_UPDATED_FRAME, VISITOR_CONVERSATION_UPDATED_FRAME)
    conversation: ConversationOut
    #: The visitor's widget shows the status (resolved, reopened): tell them too.
    tell_visitor: bool = False

    def feed(self) -> list[FeedEntry]:
        data = ConversationData(conversation=self.conversation)
        entries = [
            CONVERSATION_UPDATED_FRAME.entry(STREAM_AGENTS, data, reach_of(self.conversation))
        ]
        if self.tell_visitor:
            entries.append(_tell_visitor(self.conversation))
        return entries


class MessageCreated(DomainEvent):
    name: ClassVar[str] = MESSAGE_CREATED
    frames = (
        VISITOR_CONVERSATION_UPDATED_FRAME,
        MESSAGE_CREATED_FRAME,
        VISITOR_MESSAGE_CREATED_FRAME,
    )
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
        data = MessageCreatedData(message=self.message, conversation=self.conversation)
        entries.append(
            MESSAGE_CREATED_FRAME.entry(STREAM_AGENTS, data, reach_of(self.conversation))
        )
        if self.visitor_message is not None:
            entries.append(
                VISITOR_MESSAGE_CREATED_FRAME.entry(
                    contact_stream(self.conversation.contact.id),
                    VisitorMessageData(message=self.visitor_message),
                )
            )
        return entries


class MessageUpdated(DomainEvent):
    """A message changed (its delivery state); visitors are not told."""

    name: ClassVar[str] = MESSAGE_UPDATED
    frames = (MESSAGE_UPDATED_FRAME,)
    message: MessageOut
    #: The message's conversation, as access decides who hears of it.
    reach: Reach

    def feed(self) -> list[FeedEntry]:
        data = MessageData(message=self.message)
        return [MESSAGE_UPDATED_FRAME.entry(STREAM_AGENTS, data, self.reach)]


class ConversationMerged(DomainEvent):
    name: ClassVar[str] = CONVERSATION_MERGED
    frames = (CONVERSATION_MERGED_FRAME,)
    from_id: int
    into_id: int
    #: The conversation merged into, as access decides who hears of it.
    reach: Reach

    def feed(self) -> list[FeedEntry]:
        data = ConversationMergedData(from_id=self.from_id, into_id=self.into_id)
        return [CONVERSATION_MERGED_FRAME.entry(STREAM_AGENTS, data, self.reach)]


class MentionCreated(DomainEvent):
    """A private note named an operator. Heard by whoever sees the note's conversation (the
    note itself says as much); only the named operator's client makes a notification of it."""

    name: ClassVar[str] = MENTION_CREATED
    frames = (MENTION_CREATED_FRAME,)
    mention: MentionOut
    #: The note's conversation, as access decides who hears of it.
    reach: Reach

    def feed(self) -> list[FeedEntry]:
        data = MentionData(mention=self.mention)
        return [MENTION_CREATED_FRAME.entry(STREAM_AGENTS, data, self.reach)]


class MentionsRead(DomainEvent):
    """An operator marked mentions read; their other tabs update their badge."""

    name: ClassVar[str] = MENTIONS_READ
    frames = (MENTIONS_READ_FRAME,)
    agent_id: int
    ids: list[int]

    def feed(self) -> list[FeedEntry]:
        data = MentionsReadData(agent_id=self.agent_id, ids=self.ids)
        # Addressed to the operator: a reach of no inbox "assigned" to them, which only they
        # (and admins, who hear everything) see, live and in a replay alike.
        to_them = Reach(inbox_id=0, team_id=None, assignee_id=self.agent_id)
        return [MENTIONS_READ_FRAME.entry(STREAM_AGENTS, data, to_them)]
