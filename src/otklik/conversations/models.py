"""Conversations and their messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from otklik.core.clock import utcnow
from otklik.core.db import Base, BigId, Json
from otklik.core.fulltext import analyze

STATUSES = ("open", "pending", "snoozed", "resolved")
PRIORITIES = ("low", "normal", "high", "urgent")
AUTHOR_TYPES = ("contact", "agent", "bot", "system")


def _message_terms(context: DefaultExecutionContext) -> str:
    return analyze(context.get_current_parameters().get("text"))  # type: ignore[no-untyped-call]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_msg_id", name="uq_messages_client_msg"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_type: Mapped[str] = mapped_column(String(10))
    author_id: Mapped[int | None]
    #: The author's display name when the message was written (agents are renamed rarely,
    #: messages are listed constantly: no join per list).
    author_name: Mapped[str | None] = mapped_column(String(200))
    private: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str] = mapped_column(Text)
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The channel's own id of this message (a mail's Message-ID, a Telegram message id).
    external_id: Mapped[str | None] = mapped_column(String(255))
    #: For replies sent through a channel: pending → sent, or failed (with the reason).
    delivery_status: Mapped[str | None] = mapped_column(String(10))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    #: What the channel told us about the message (mail headers, the raw original, …).
    channel_data: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: The text's search terms (``core/fulltext.py``), computed by the app with every insert
    #: (a column default, so no writer can forget it); the full-text index is built from it
    #: in the same transaction (ADR 23). Messages are never edited. Deferred: message pages
    #: never need it.
    search_terms: Mapped[str | None] = mapped_column(Text, default=_message_terms, deferred=True)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_status_activity", "status", "last_activity_at", "id"),
        Index(
            "ix_conversations_assignee_status_activity",
            "assignee_id",
            "status",
            "last_activity_at",
            "id",
        ),
        Index("ix_conversations_contact_inbox", "contact_id", "inbox_id", "id"),
        # The queues, oldest unanswered customer message first (unassigned; a team's).
        Index(
            "ix_conversations_assignee_status_waiting",
            "assignee_id",
            "status",
            "waiting_since",
            "id",
        ),
        Index("ix_conversations_team_status_waiting", "team_id", "status", "waiting_since", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10), default="open")
    snooze_until: Mapped[datetime | None]
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    #: Customer messages no operator has read yet.
    unread_count: Mapped[int] = mapped_column(default=0)
    #: The oldest customer message that no operator has answered yet.
    waiting_since: Mapped[datetime | None]
    #: No database FK: the message table points here already, and SQLite batch
    #: migrations handle circular constraints poorly. Kept consistent by the service.
    last_message_id: Mapped[int | None]
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    #: Detected or given language (``ru``/``en``); routing matches it to agents' languages.
    language: Mapped[str | None] = mapped_column(String(10))
    #: Skill tags an agent must have to be auto-assigned this conversation.
    required_skills: Mapped[list[str]] = mapped_column(Json, default=list, server_default="[]")
    #: The tags, denormalised for display; ``conversation_tags`` indexes them for filters.
    tags: Mapped[list[str]] = mapped_column(Json, default=list, server_default="[]")
    #: Values of admin-defined custom attributes, by key.
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    #: Set while the conversation waits in its team's queue for a free agent (arrival order).
    queued_at: Mapped[datetime | None] = mapped_column(index=True)
    #: When merged into another conversation, that one's id (this one is then resolved).
    merged_into_id: Mapped[int | None]
    #: The subject of an email conversation (its title): the first mail's, then the last one
    #: an operator replied with. ``None`` for channels without subjects.
    subject: Mapped[str | None] = mapped_column(String(300))


class Mention(Base):
    """An operator named in a private note (``@Name``): their notification, read or not.
    Who may read it is decided by the note's conversation (``accounts/access.py``)."""

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("message_id", "agent_id", name="uq_mentions_message_agent"),
        Index("ix_mentions_agent_id_id", "agent_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class ConversationTag(Base):
    __tablename__ = "conversation_tags"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)


class ConversationCount(Base):
    """How many conversations have each (status, inbox, team, assignee); ``team_key`` and
    ``assignee_key`` 0 = none. Maintained by ``otklik.conversations.counts``; the inbox and
    team let each operator's counts cover only what they may see (``accounts/access.py``)."""

    __tablename__ = "conversation_counts"

    status: Mapped[str] = mapped_column(String(10), primary_key=True)
    inbox_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    team_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    assignee_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Several rows may count one key (their ``n`` add up): on PostgreSQL each write lane
    #: bumps its own shard, so lanes never wait for each other's row locks
    #: (``core/write_shard.py``); SQLite writes shard 0.
    shard: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, autoincrement=False, default=0, server_default="0"
    )
    n: Mapped[int] = mapped_column(default=0)
