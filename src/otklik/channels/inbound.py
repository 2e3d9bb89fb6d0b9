"""Receiving: a normalised inbound message becomes a contact, a conversation and a message."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.attachments import service as attachments
from otklik.attachments.models import Attachment
from otklik.channels.base import InboundMessage
from otklik.channels.service import AnyInbox
from otklik.config import Settings
from otklik.contacts import service as contacts
from otklik.contacts.models import Contact, ContactIdentity
from otklik.conversations import service as conversations
from otklik.conversations.opening import FirstMessage, Opened, open_in_unit
from otklik.core.db import insert_for
from otklik.core.unit import WriteUnit

CHANNEL_TEXT_LIMIT = 100_000


#: ``client_msg_id`` of channel messages: the channel's id, prefixed so it can never collide
#: with the ids widget clients make up (64 characters at most, like every client id).
def client_msg_id_for(external_id: str) -> str:
    return f"ext:{external_id}"[:64]


async def contact_for(
    session: AsyncSession, *, inbox: AnyInbox, message: InboundMessage
) -> Contact:
    """The contact behind ``sender_id`` in this inbox, created on first contact."""
    found = await session.scalar(
        select(Contact)
        .join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
        .where(
            ContactIdentity.inbox_id == inbox.id, ContactIdentity.external_id == message.sender_id
        )
    )
    if found is not None:
        await contacts.update_identity(
            session, contact=found, name=message.sender_name, email=message.sender_email
        )
        return found
    contact = await contacts.create_contact(
        session,
        name=message.sender_name,
        email=message.sender_email.lower() if message.sender_email else None,
        attributes={"source": inbox.channel},
    )
    insert = insert_for(session.get_bind().dialect.name)
    await session.execute(
        insert(ContactIdentity)
        .values(inbox_id=inbox.id, external_id=message.sender_id, contact_id=contact.id)
        .on_conflict_do_nothing(index_elements=["inbox_id", "external_id"])
    )
    return contact


async def receive(
    session: AsyncSession,
    *,
    inbox: AnyInbox,
    message: InboundMessage,
    max_chars: int,
    settings: Settings | None = None,
) -> conversations.Posted:
    """Store ``message``; a repeat of the same ``external_id`` returns the first one.

    ``message.files`` are stored as attachments (``settings`` is required then)."""
    contact = await contact_for(session, inbox=inbox, message=message)
    # Channels bring what customers wrote elsewhere (long mails too): keep it, up to a bound.
    limit = max(max_chars, CHANNEL_TEXT_LIMIT)
    channel_data = dict(message.channel_data)
    if len(message.text) > limit:
        channel_data["truncated_from"] = len(message.text)
    stored: list[Attachment] = []
    skipped: list[str] = []
    if message.files:
        if settings is None:
            raise ValueError("inbound.receive needs settings= to store files")
        for file in message.files:
            bound = max(settings.max_attachment_bytes, file.max_bytes or 0)
            if len(file.data) > bound or not file.data:
                skipped.append(attachments.sanitise_filename(file.filename))
                continue
            stored.append(
                await attachments.store_bytes(
                    session,
                    settings=settings,
                    filename=file.filename,
                    data=file.data,
                    max_bytes=bound,
                    uploader_type="contact",
                    uploader_id=contact.id,
                )
            )
    if skipped:
        channel_data["skipped_files"] = skipped
    text = message.text[:limit]
    if not text.strip() and not stored and skipped:
        text = "\n".join(f"[{name}]" for name in skipped)
    posted = await conversations.post_visitor_message(
        session,
        inbox=inbox,
        contact_id=contact.id,
        client_msg_id=client_msg_id_for(message.external_id),
        text=text,
        max_chars=limit,
        conversation_id=message.conversation_id,
        new_conversation=message.new_conversation,
        attachment_ids=[a.id for a in stored],
        external_id=message.external_id[:255],
        channel_data=channel_data,
    )
    if stored and settings is not None and not posted.created:  # a repeat: keep the first
        await attachments.discard(session, settings=settings, attachments=stored)
    return posted


async def open_conversation_in_unit(
    unit: WriteUnit, *, inbox: AnyInbox, message: InboundMessage, max_chars: int
) -> Opened | None:
    """:func:`receive` for a message that opens a conversation, in a write without a
    session (``conversations.opening``); ``None`` (nothing written) when it is another case
    — files, a named conversation, a text over the limit, a known customer's next message or
    a repeat —, which :func:`receive` then takes in a session of the same unit."""
    limit = max(max_chars, CHANNEL_TEXT_LIMIT)
    if message.files or message.conversation_id is not None or len(message.text) > limit:
        return None
    return await open_in_unit(
        unit,
        FirstMessage(
            inbox_id=inbox.id,
            channel=inbox.channel,
            team_id=inbox.team_id,
            contact_id=None,
            sender_id=message.sender_id,
            sender_name=message.sender_name,
            sender_email=message.sender_email,
            client_msg_id=client_msg_id_for(message.external_id),
            text=message.text,
            external_id=message.external_id[:255],
            channel_data=dict(message.channel_data),
            new_conversation=message.new_conversation,
        ),
    )
