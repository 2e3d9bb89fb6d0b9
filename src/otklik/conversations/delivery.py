"""What happens to a reply after it is stored: the channel's verdict, and a retry by hand.

Replies through email, Telegram and other channels leave in a ``channels.deliver`` job
(``otklik.channels.outbound``); operators see ``pending`` → ``sent`` or ``failed`` on the
message live (``message.updated``) and may send a failed one again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.conversations.announce import announce_message_update
from otklik.conversations.models import Message
from otklik.conversations.queries import get_conversation
from otklik.conversations.schemas import MessageOut
from otklik.core.errors import AppError, not_found
from otklik.jobs import registry as jobs

#: The job that sends operators' replies through email, Telegram and other channels.
DELIVER_JOB = "channels.deliver"
#: Attempts of one delivery job (backoff between them) before the reply is marked failed.
DELIVER_ATTEMPTS = 6


async def enqueue_delivery(session: AsyncSession, message: Message) -> None:
    """Mark ``message`` pending and send it after this transaction commits."""
    message.delivery_status = "pending"
    message.delivery_error = None
    await jobs.enqueue(
        session,
        name=DELIVER_JOB,
        payload={"message_id": message.id},
        max_attempts=DELIVER_ATTEMPTS,
    )


async def record_delivery(
    session: AsyncSession,
    *,
    message_id: int,
    status: str,
    error: str | None = None,
    external_id: str | None = None,
    channel_data: dict[str, Any] | None = None,
) -> None:
    """What the channel said about a reply; operators see it on the message live."""
    message = await session.get(Message, message_id)
    if message is None:
        return
    message.delivery_status = status
    message.delivery_error = error
    if external_id is not None:
        message.external_id = external_id[:255]
    if channel_data:
        message.channel_data = {**message.channel_data, **channel_data}
    await announce_message_update(session, message)


async def mark_not_delivered(
    session: AsyncSession, *, conversation_id: int, message_id: int, reason: str
) -> bool:
    """A reply the recipient's server returned later (a bounce): failed, with the reason.

    Only a public reply sent through the channel in ``conversation_id`` is marked; ``False``
    when there is none (an old token, a message since deleted).
    """
    message = await session.get(Message, message_id, with_for_update=True)
    if (
        message is None
        or message.conversation_id != conversation_id
        or message.private
        or message.delivery_status is None
    ):
        return False
    message.delivery_status = "failed"
    message.delivery_error = f"not delivered: {reason}"
    message.channel_data = {**message.channel_data, "not_delivered": reason}
    await announce_message_update(session, message)
    return True


async def retry_delivery(
    session: AsyncSession, *, conversation_id: int, message_id: int
) -> MessageOut:
    """Send a failed reply again (after the admin fixed the mailbox, the bridge came back…)."""
    await get_conversation(session, conversation_id)  # 404 unless the operator may see it
    message = await session.get(Message, message_id, with_for_update=True)
    if message is None or message.conversation_id != conversation_id:
        raise not_found("Message", message_id)
    if message.delivery_status != "failed":
        raise AppError(
            409,
            "not_failed",
            "Only a reply whose delivery failed can be sent again"
            f" (this one is {message.delivery_status or 'not sent through a channel'}).",
        )
    message.channel_data = {k: v for k, v in message.channel_data.items() if k != "not_delivered"}
    await enqueue_delivery(session, message)
    return await announce_message_update(session, message)
