"""The API channel's writes: find the inbox by its key, store what the bridge sends."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.audit import service as audit
from otklik.channels import config as channel_config
from otklik.channels import inbound
from otklik.channels.api_channel.config import key_hash, new_api_key
from otklik.channels.api_channel.schemas import (
    ContactIn,
    ContactOut,
    ConversationIn,
    MessageIn,
    PostedOut,
)
from otklik.channels.base import InboundMessage, plugin_for
from otklik.channels.models import Inbox
from otklik.channels.service import (
    INBOXES,
    AnyInbox,
    InboxInfo,
    ensure_active,
    inbox_by_key_hash_in,
)
from otklik.contacts.models import ContactIdentity
from otklik.conversations.models import Conversation
from otklik.core import config_cache
from otklik.core.crypto import SecretBox
from otklik.core.db import Database
from otklik.core.errors import invalid, not_found, unauthorized
from otklik.core.unit import WriteUnit

CHANNEL = "api"
KEY_HEADER = "X-Otklik-Inbox-Key"
MAX_DATA_BYTES = 8192


async def inbox_for_key(db: Database, *, api_key: str | None) -> InboxInfo:
    """The API inbox of a bridge's key, from the cached inbox directory (no query).

    Found by the key's SHA-256, which only that key has: the stored (encrypted) key need not
    be opened and compared on every request."""
    if not api_key:
        raise unauthorized(f"Send the inbox's API key in the {KEY_HEADER} header.")
    inbox = await inbox_by_key_hash_in(db, key_hash(api_key))
    if inbox is None or inbox.channel != CHANNEL or plugin_for(CHANNEL) is None:
        raise unauthorized("The inbox key is wrong.")
    ensure_active(inbox)
    return inbox


async def upsert_contact(session: AsyncSession, *, inbox: AnyInbox, data: ContactIn) -> ContactOut:
    contact = await inbound.contact_for(
        session,
        inbox=inbox,
        message=InboundMessage(
            external_id="",
            sender_id=data.sender_id,
            text="",
            sender_name=data.name,
            sender_email=str(data.email) if data.email else None,
        ),
    )
    return ContactOut(
        contact_id=contact.id, sender_id=data.sender_id, name=contact.name, email=contact.email
    )


async def is_new_contact(session: AsyncSession, *, inbox: AnyInbox, sender_id: str) -> bool:
    found = await session.scalar(
        select(ContactIdentity.id).where(
            ContactIdentity.inbox_id == inbox.id, ContactIdentity.external_id == sender_id
        )
    )
    return found is None


async def _check_conversation(
    session: AsyncSession, *, inbox: AnyInbox, sender_id: str, conversation_id: int
) -> None:
    """A bridge may only post into its customer's conversations of this inbox."""
    found = await session.scalar(
        select(Conversation.id)
        .join(ContactIdentity, ContactIdentity.contact_id == Conversation.contact_id)
        .where(
            Conversation.id == conversation_id,
            Conversation.inbox_id == inbox.id,
            ContactIdentity.inbox_id == inbox.id,
            ContactIdentity.external_id == sender_id,
        )
    )
    if found is None:
        raise not_found(f"Conversation of {sender_id!r} in this inbox:", conversation_id)


def _inbound(data: MessageIn | ConversationIn, *, new_conversation: bool) -> InboundMessage:
    if len(json.dumps(data.data)) > MAX_DATA_BYTES:
        raise invalid(f"data: at most {MAX_DATA_BYTES} bytes of JSON.")
    return InboundMessage(
        external_id=data.external_id,
        sender_id=data.sender_id,
        text=data.text,
        sender_name=data.sender_name,
        sender_email=str(data.sender_email) if data.sender_email else None,
        conversation_id=data.conversation_id if isinstance(data, MessageIn) else None,
        new_conversation=new_conversation,
        channel_data={"api": data.data} if data.data else {},
    )


async def post_message_in_unit(
    unit: WriteUnit,
    *,
    inbox: AnyInbox,
    data: MessageIn | ConversationIn,
    max_chars: int,
    new_conversation: bool = False,
) -> PostedOut:
    """:func:`post_message` in a write without a session (``core/unit.py``): a message that
    opens a conversation by Core statements in one hop, every other case in a session of
    the same unit."""
    opened = await inbound.open_conversation_in_unit(
        unit,
        inbox=inbox,
        message=_inbound(data, new_conversation=new_conversation),
        max_chars=max_chars,
    )
    if opened is not None:
        return PostedOut(
            message_id=opened.message.id,
            conversation_id=opened.conversation_id,
            contact_id=opened.contact_id,
            created=True,
        )
    return await post_message(
        await unit.session(),
        inbox=inbox,
        data=data,
        max_chars=max_chars,
        new_conversation=new_conversation,
    )


async def post_message(
    session: AsyncSession,
    *,
    inbox: AnyInbox,
    data: MessageIn | ConversationIn,
    max_chars: int,
    new_conversation: bool = False,
) -> PostedOut:
    inbound_message = _inbound(data, new_conversation=new_conversation)
    if inbound_message.conversation_id is not None:
        await _check_conversation(
            session,
            inbox=inbox,
            sender_id=data.sender_id,
            conversation_id=inbound_message.conversation_id,
        )
    posted = await inbound.receive(
        session, inbox=inbox, message=inbound_message, max_chars=max_chars
    )
    message = posted.message
    conversation = await session.get_one(Conversation, message.conversation_id)
    return PostedOut(
        message_id=message.id,
        conversation_id=message.conversation_id,
        contact_id=conversation.contact_id,
        created=posted.created,
    )


async def _api_inbox(session: AsyncSession, inbox_id: int, *, lock: bool = False) -> Inbox:
    inbox = await session.get(Inbox, inbox_id, with_for_update=lock)
    if inbox is None or inbox.channel != CHANNEL or plugin_for(CHANNEL) is None:
        raise not_found("API inbox", inbox_id)
    return inbox


async def reveal_key(session: AsyncSession, *, inbox_id: int, box: SecretBox) -> str:
    inbox = await _api_inbox(session, inbox_id)
    plugin = plugin_for(CHANNEL)
    assert plugin is not None
    return str(channel_config.open_(plugin, inbox.channel_config, box)["api_key"])


async def rotate_key(session: AsyncSession, *, inbox_id: int, actor_id: int, box: SecretBox) -> str:
    """A new key for the inbox (the old one stops working at once); returns it in clear."""
    inbox = await _api_inbox(session, inbox_id, lock=True)
    plugin = plugin_for(CHANNEL)
    assert plugin is not None
    api_key = new_api_key()
    inbox.channel_config = channel_config.seal(
        plugin, {"api_key": api_key}, box, previous=inbox.channel_config
    )
    # Requests find their inbox by the key's hash in the cached directory: every process
    # drops it with this commit, so the old key stops working at once.
    await config_cache.changed(session, INBOXES)
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="inbox.api_key_rotated",
        target_type="inbox",
        target_id=inbox.id,
        data={},
    )
    return api_key
