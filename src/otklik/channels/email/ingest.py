"""Storing one fetched mail: find its conversation, then ``inbound.receive`` — one short write.

Where a mail goes:

* its ``In-Reply-To``/``References`` carry a valid reply token (one of our own Message-IDs) of
  a conversation of this inbox, and the sender is that conversation's customer → there;
* a valid token but another sender (a colleague answering from their own mailbox) → a new
  conversation of that sender: nobody joins someone else's conversation by address alone;
* no valid token (a forged one counts as none), but it answers a mail already stored for this
  sender in this inbox → that mail's conversation;
* otherwise → a new conversation.

Automatic mail (auto-replies, bounces) is never answered: with a valid token it becomes a
private system note in that conversation, without one it is dropped (and logged). A bounce is
matched by the Message-IDs it returns (in its text or a ``message/rfc822-headers`` part), not
only by ``In-Reply-To``: the reply it returns is marked "not delivered: <reason>".

Parsing runs in a worker thread (``parse_off_loop``), before any transaction is open.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels.base import InboundMessage
from otklik.channels.email.parse import ParsedMail, channel_data, parse_off_loop
from otklik.channels.email.tokens import ReplyTokens, external_id_for
from otklik.channels.inbound import receive
from otklik.channels.models import Inbox
from otklik.config import Settings
from otklik.contacts.models import ContactIdentity
from otklik.conversations import service as conversations
from otklik.conversations.models import Conversation, Message
from otklik.core.db import Database

log = logging.getLogger(__name__)

NOTE_CHARS = 2000

#: Extra work in the same transaction (the IMAP poller moves its UID mark there).
AlsoInSession = Callable[[AsyncSession, Inbox], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Stored:
    #: ``message``: a customer's message; ``note``: automatic mail kept as a note;
    #: ``skipped``: automatic mail with no conversation; ``repeat``: seen before.
    outcome: str
    conversation_id: int | None = None
    message_id: int | None = None


def _returned_ids(parsed: ParsedMail) -> list[str]:
    """Where a bounce names our reply: its threading headers, then the returned headers."""
    ids = list(parsed.thread_ids)
    if parsed.bounce is not None:
        ids.extend(i for i in parsed.bounce.returned_ids if i not in ids)
    return ids


async def _token_conversation(
    session: AsyncSession, inbox: Inbox, parsed: ParsedMail, tokens: ReplyTokens
) -> Conversation | None:
    conversation_id = tokens.find(_returned_ids(parsed))
    if conversation_id is None:
        forged = [i for i in parsed.thread_ids if tokens.is_token(i)]
        if forged:
            log.warning("mail %s carries an invalid reply token; ignored", parsed.message_id)
        return None
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.inbox_id != inbox.id:
        return None
    return conversation


async def _sender_contact_id(session: AsyncSession, inbox: Inbox, address: str) -> int | None:
    return await session.scalar(
        select(ContactIdentity.contact_id).where(
            ContactIdentity.inbox_id == inbox.id, ContactIdentity.external_id == address
        )
    )


async def _answered_conversation(
    session: AsyncSession, inbox: Inbox, contact_id: int, parsed: ParsedMail, tokens: ReplyTokens
) -> int | None:
    """The conversation of a stored mail this one answers (the sender's own thread)."""
    ids = [external_id_for(i) for i in parsed.thread_ids if not tokens.is_token(i)][:50]
    if not ids:
        return None
    return await session.scalar(
        select(Message.conversation_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Conversation.inbox_id == inbox.id,
            Conversation.contact_id == contact_id,
            Message.external_id.in_(ids),
        )
        .order_by(Message.id.desc())
        .limit(1)
    )


async def _mark_bounced(
    session: AsyncSession, conversation: Conversation, parsed: ParsedMail, tokens: ReplyTokens
) -> bool:
    """Mark the reply a bounce returns as not delivered (a "still trying" report marks none)."""
    if parsed.bounce is None or not parsed.bounce.failed:
        return False
    for value in _returned_ids(parsed):
        found = tokens.reply_of(value)
        if found is None or found[0] != conversation.id:
            continue
        if await conversations.mark_not_delivered(
            session, conversation_id=found[0], message_id=found[1], reason=parsed.bounce.reason
        ):
            return True
    return False


def _note(parsed: ParsedMail, marked: bool) -> dict[str, str]:
    """What the note's heading says, kept as data: the operator's app words it in their
    language (``mail.automatic.*``); the note's text is the mail's own."""
    if marked and parsed.bounce is not None:
        return {"kind": "bounce", "sender": parsed.from_address, "reason": parsed.bounce.reason}
    return {
        "kind": "automatic",
        "sender": parsed.from_address,
        "reason": parsed.automatic or "",
        "subject": parsed.subject,
    }


def _note_text(parsed: ParsedMail) -> str:
    return parsed.text[:NOTE_CHARS].strip() or parsed.subject


def _visible_text(parsed: ParsedMail) -> str:
    if parsed.text:
        return parsed.text
    if parsed.over_limit:
        # Not read (the workspace says why); the subject keeps it findable in the list.
        return parsed.subject or "(a mail too large to show)"
    if parsed.files:
        return ""  # the files speak for themselves
    if parsed.attachments:
        return "\n".join(f"[{a['filename']}]" for a in parsed.attachments)
    return parsed.subject or "(empty mail)"


async def store_mail(
    session: AsyncSession,
    *,
    inbox: Inbox,
    parsed: ParsedMail,
    tokens: ReplyTokens,
    settings: Settings,
) -> Stored:
    if not parsed.from_address or "@" not in parsed.from_address:
        log.warning("mail %s has no sender address; dropped", parsed.message_id)
        return Stored("skipped")
    own_address = str(inbox.channel_config.get("address", "")).lower()
    if parsed.from_address == own_address or tokens.is_token(parsed.message_id):
        # A copy of our own mail (a server that files sent mail in the inbox): not a customer.
        log.info("mail %s is our own; dropped", parsed.message_id)
        return Stored("skipped")
    by_token = await _token_conversation(session, inbox, parsed, tokens)
    if parsed.automatic is not None:
        if by_token is None:
            log.info("automatic mail %s (%s) dropped", parsed.message_id, parsed.automatic)
            return Stored("skipped")
        marked = await _mark_bounced(session, by_token, parsed, tokens)
        note = await conversations.post_automatic_message(
            session,
            conversation_id=by_token.id,
            text=_note_text(parsed),
            author_type="system",
            private=True,
            # Given here, not set afterwards: the live frame of the note carries it too.
            channel_data={**channel_data(parsed), "automatic_note": _note(parsed, marked)},
        )
        note.external_id = external_id_for(parsed.message_id)
        return Stored("note", conversation_id=by_token.id, message_id=note.id)

    contact_id = await _sender_contact_id(session, inbox, parsed.from_address)
    conversation_id: int | None = None
    if by_token is not None and contact_id is not None and by_token.contact_id == contact_id:
        conversation_id = by_token.id
    elif by_token is None and contact_id is not None:
        conversation_id = await _answered_conversation(session, inbox, contact_id, parsed, tokens)
    data = channel_data(parsed)
    if by_token is not None and conversation_id is None:
        data["thread_refused"] = "the sender is not the conversation's customer"
    posted = await receive(
        session,
        inbox=inbox,
        message=InboundMessage(
            external_id=external_id_for(parsed.message_id),
            sender_id=parsed.from_address,
            sender_name=parsed.from_name,
            sender_email=parsed.from_address,
            text=_visible_text(parsed),
            conversation_id=conversation_id,
            new_conversation=conversation_id is None,
            channel_data=data,
            files=parsed.files,
        ),
        max_chars=settings.max_message_chars,
        settings=settings,
    )
    return Stored(
        "message" if posted.created else "repeat",
        conversation_id=posted.message.conversation_id,
        message_id=posted.message.id,
    )


async def ingest(
    db: Database,
    *,
    inbox_id: int,
    raw: bytes,
    tokens: ReplyTokens,
    settings: Settings,
    also: AlsoInSession | None = None,
) -> Stored:
    """Parse ``raw`` (no transaction open), then store it in its own short write session."""
    parsed = await parse_off_loop(raw)
    async with db.session(write=True) as session:
        inbox = await session.get(Inbox, inbox_id, with_for_update=True)
        if inbox is None:
            return Stored("skipped")
        # A repeat (two pollers, a restart between fetch and mark) is answered by receive();
        # an automatic mail's note is deduplicated here.
        seen = await session.scalar(
            select(Message.id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Conversation.inbox_id == inbox.id,
                Message.external_id == external_id_for(parsed.message_id),
                Message.author_type == "system",
            )
            .limit(1)
        )
        if seen is not None:
            stored = Stored("repeat", message_id=seen)
        else:
            stored = await store_mail(
                session, inbox=inbox, parsed=parsed, tokens=tokens, settings=settings
            )
        if also is not None:
            await also(session, inbox)
    return stored
