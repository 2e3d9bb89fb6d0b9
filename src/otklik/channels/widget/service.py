"""Visitor sessions: a signed token per (inbox, contact), resumed when presented again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels import service as inboxes
from otklik.channels.service import InboxInfo
from otklik.channels.schemas import InboxSettings
from otklik.channels.widget.schemas import OfflineMessageIn, SessionIn, SessionOut
from otklik.contacts import service as contacts
from otklik.contacts.models import Contact
from otklik.conversations import service as conversations
from otklik.conversations.models import Conversation, Message
from otklik.core.errors import AppError, invalid
from otklik.core.security import VisitorIdentity, VisitorTokens
from otklik.routing import assignment


@dataclass(frozen=True, slots=True)
class Visitor:
    inbox: InboxInfo
    contact_id: int


def _check_prechat(settings: InboxSettings, data: SessionIn, resuming: bool) -> None:
    if resuming:
        return
    if settings.prechat.name == "required" and not data.name:
        raise invalid("Please give your name.")
    if settings.prechat.email == "required" and not data.email:
        raise invalid("Please give your email.")


async def start_session(
    session: AsyncSession, *, data: SessionIn, tokens: VisitorTokens
) -> SessionOut:
    inbox = await inboxes.inbox_by_key(session, data.inbox_key)
    contact: Contact | None = None
    if data.visitor_token:
        identity = tokens.read(data.visitor_token)
        if identity is not None and identity.inbox_id == inbox.id:
            contact = await session.get(Contact, identity.contact_id)
        # An unknown or foreign token is not an error: the visitor simply starts afresh.
    _check_prechat(inboxes.inbox_settings(inbox), data, resuming=contact is not None)
    email = str(data.email).lower() if data.email else None
    if contact is None:
        attributes = {"source": "widget"}
        if data.language:
            attributes["language"] = data.language
        contact = await contacts.create_contact(
            session, name=data.name or None, email=email, attributes=attributes
        )
    else:
        await contacts.update_identity(session, contact=contact, name=data.name, email=email)
        if data.language and contact.attributes.get("language") != data.language:
            contact.attributes = {**contact.attributes, "language": data.language}
    conversation_id = await session.scalar(
        select(Conversation.id)
        .where(Conversation.contact_id == contact.id, Conversation.inbox_id == inbox.id)
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    token = tokens.issue(VisitorIdentity(inbox_id=inbox.id, contact_id=contact.id))
    return SessionOut(visitor_token=token, contact_id=contact.id, conversation_id=conversation_id)


async def visitor_for_token(
    session: AsyncSession, *, token: str, tokens: VisitorTokens
) -> Visitor:
    identity = tokens.read(token)
    if identity is None:
        raise AppError(401, "unauthorized", "The visitor token is not valid.")
    # From the per-process configuration cache: no query for the inbox on the hot path.
    inbox = await inboxes.inbox_by_id(session, identity.inbox_id)
    if inbox is None:
        raise AppError(401, "unauthorized", "The visitor token is not valid.")
    inboxes.ensure_active(inbox)
    return Visitor(inbox=inbox, contact_id=identity.contact_id)


async def leave_offline_message(
    session: AsyncSession, *, data: OfflineMessageIn, tokens: VisitorTokens, max_chars: int
) -> SessionOut:
    """The offline form: a contact with an email, and a conversation answered later by mail.

    A retry without a token (the first answer was lost) finds the first attempt by its
    client id and email instead of creating a second contact."""
    if data.visitor_token is None:
        repeat = await _offline_repeat(session, data=data, tokens=tokens)
        if repeat is not None:
            return repeat
    started = await start_session(
        session,
        data=SessionIn(
            inbox_key=data.inbox_key,
            name=data.name,
            email=data.email,
            visitor_token=data.visitor_token,
            language=data.language,
        ),
        tokens=tokens,
    )
    inbox = await inboxes.inbox_by_key(session, data.inbox_key)
    posted = await conversations.post_visitor_message(
        session,
        inbox=inbox,
        contact_id=started.contact_id,
        client_msg_id=data.client_msg_id,
        text=data.text,
        max_chars=max_chars,
    )
    conversation = await session.get_one(Conversation, posted.message.conversation_id)
    conversation.attributes = {**conversation.attributes, "left_offline": True}
    return started.model_copy(update={"conversation_id": conversation.id})


async def _offline_repeat(
    session: AsyncSession, *, data: OfflineMessageIn, tokens: VisitorTokens
) -> SessionOut | None:
    inbox = await inboxes.inbox_by_key(session, data.inbox_key)
    row = (
        await session.execute(
            select(Conversation.id, Conversation.contact_id)
            .join(Message, Message.conversation_id == Conversation.id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(
                Conversation.inbox_id == inbox.id,
                Message.client_msg_id == data.client_msg_id,
                Contact.email == str(data.email).lower(),
            )
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    conversation_id, contact_id = row
    token = tokens.issue(VisitorIdentity(inbox_id=inbox.id, contact_id=contact_id))
    return SessionOut(visitor_token=token, contact_id=contact_id, conversation_id=conversation_id)


async def queue_position(session: AsyncSession, *, visitor: Visitor) -> int | None:
    conversation = await session.scalar(
        select(Conversation)
        .where(
            Conversation.contact_id == visitor.contact_id,
            Conversation.inbox_id == visitor.inbox.id,
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    if conversation is None:
        return None
    return await assignment.queue_position(session, conversation)
