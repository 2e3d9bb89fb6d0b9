"""API shapes of conversations and messages, built from rows (no queries here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from otklik.attachments.schemas import AttachmentOut
from otklik.contacts.models import Contact
from otklik.conversations.models import (
    Conversation,
    Message,
)
from otklik.conversations.schemas import (
    AutomaticMail,
    ContactBrief,
    ConversationOut,
    ForwardedMail,
    LastMessage,
    MailView,
    MessageOut,
)

PREVIEW_CHARS = 200


def message_out(message: Message, files: Sequence[AttachmentOut] = ()) -> MessageOut:
    out = MessageOut.model_validate(message, from_attributes=True)
    out.attachments = list(files)
    out.mail = mail_view(message.channel_data or {})
    return out


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def mail_view(data: dict[str, Any]) -> MailView | None:
    """The operator's extra view of a mail, from what the email channel kept on the message."""
    forwarded = [
        ForwardedMail(
            sender=_str(f.get("from")) or "",
            subject=_str(f.get("subject")) or "",
            date=_str(f.get("date")),
            text=_str(f.get("text")) or "",
        )
        for f in data.get("forwarded") or []
        if isinstance(f, dict)
    ]
    notes = [n for n in data.get("notes") or [] if isinstance(n, str)]
    found = data.get("automatic_note")
    automatic = None
    if isinstance(found, dict) and found.get("kind") in ("bounce", "automatic"):
        automatic = AutomaticMail(
            kind=found["kind"],
            sender=_str(found.get("sender")) or "",
            reason=_str(found.get("reason")) or "",
            subject=_str(found.get("subject")) or "",
        )
    view = MailView(
        original=_str(data.get("full_text")),
        forwarded=forwarded,
        notes=notes,
        not_delivered=_str(data.get("not_delivered")),
        automatic=automatic,
    )
    if view == MailView():
        return None
    return view


def visitor_message_out(message: Message, files: Sequence[AttachmentOut] = ()) -> MessageOut:
    return visitor_view(message_out(message, files))


def visitor_view(out: MessageOut) -> MessageOut:
    """What a visitor may see: agent ids and other people's client ids are not theirs."""
    if out.author_type != "contact":
        out = out.model_copy(update={"author_id": None, "client_msg_id": None})
    if out.mail is not None:
        out = out.model_copy(update={"mail": None})
    return out


def conversation_out(
    conversation: Conversation, contact: Contact, last_message: Message | None
) -> ConversationOut:
    last = None
    if last_message is not None:
        last = LastMessage(
            id=last_message.id,
            text=last_message.text[:PREVIEW_CHARS],
            author_type=last_message.author_type,
            private=last_message.private,
            created_at=last_message.created_at,
        )
    return ConversationOut(
        id=conversation.id,
        inbox_id=conversation.inbox_id,
        channel=conversation.channel,
        contact=ContactBrief(id=contact.id, name=contact.name, email=contact.email),
        status=conversation.status,
        snooze_until=conversation.snooze_until,
        assignee_id=conversation.assignee_id,
        team_id=conversation.team_id,
        priority=conversation.priority,
        unread_count=conversation.unread_count,
        waiting_since=conversation.waiting_since,
        last_activity_at=conversation.last_activity_at,
        created_at=conversation.created_at,
        last_message=last,
        tags=list(conversation.tags),
        language=conversation.language,
        attributes=dict(conversation.attributes),
        queued_at=conversation.queued_at,
        merged_into_id=conversation.merged_into_id,
        subject=conversation.subject,
    )


def with_contact_and_last() -> Select[Conversation, Contact, Message]:
    return (
        select(Conversation, Contact, Message)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(Message, Message.id == Conversation.last_message_id)
    )


@dataclass(frozen=True, slots=True)
class Posted:
    """A stored message as the API shows it (attachments included), and whether this call
    created it (False: an idempotent repeat)."""

    message: MessageOut
    created: bool
