"""@mentions in private notes: who a note names, their notifications, read or not.

A note mentions an operator by ``@`` and their full name ("@Анна Петрова"), which is what
the workspace's picker inserts and what it shows as a link. The name, not an id in a markup
of our own, is what is stored: the note reads the same in an e-mail export, to an API client
and to a colleague, and the rule is one function on both sides (``find_mentioned`` here,
``mentionsIn`` in the workspace). An ``@`` right after a letter or digit (an address,
``name@example.com``) mentions nobody; when one name is the start of another ("Анна",
"Анна Петрова") the longest one that fits wins.

Mentions are recorded when the note is created (``on_message_created``, subscribed in
``wiring.py``), inside its transaction. Who may read one is decided by the note's
conversation (``accounts/access.py``): an operator named in a conversation they may not see
hears nothing of it and does not find it in their list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import service as accounts
from otklik.attachments import service as attachments
from otklik.conversations import events
from otklik.conversations.models import Conversation, Mention, Message
from otklik.conversations.queries import visible
from otklik.conversations.schemas import MentionOut, MentionPage, MentionsUnread
from otklik.conversations.shapes import message_out
from otklik.core.clock import utcnow
from otklik.core.errors import not_found
from otklik.core.events import Emitted, bus


def find_mentioned(text: str, people: Iterable[tuple[int, str]]) -> list[int]:
    """The ids of ``people`` (id, full name) that ``text`` mentions, in order, once each."""
    if "@" not in text:
        return []
    named = sorted(
        ((pid, name.casefold()) for pid, name in people if name.strip()),
        key=lambda p: -len(p[1]),
    )
    folded = text.casefold()
    found: list[int] = []
    at = folded.find("@")
    while at >= 0:
        after = at + 1
        if at == 0 or not folded[at - 1].isalnum():
            for pid, name in named:
                end = after + len(name)
                if folded.startswith(name, after) and (
                    end == len(folded) or not folded[end].isalnum()
                ):
                    if pid not in found:
                        found.append(pid)
                    after = end
                    break
        at = folded.find("@", after)
    return found


async def on_message_created(
    session: AsyncSession, emitted: Emitted[events.MessageCreated]
) -> None:
    """Record the operators a new private note mentions, and tell them."""
    message = emitted.event.message
    if not message.private or "@" not in message.text:
        return
    people = [
        (a.id, a.name)
        for a in await accounts.list_agents(session)
        if a.active and a.id != message.author_id
    ]
    mentioned = find_mentioned(message.text, people)
    if not mentioned:
        return
    rows = [Mention(message_id=message.id, agent_id=agent_id) for agent_id in mentioned]
    session.add_all(rows)
    await session.flush()
    where = events.reach_of(emitted.event.conversation)
    for row in rows:
        out = MentionOut(
            id=row.id,
            agent_id=row.agent_id,
            conversation_id=message.conversation_id,
            message=message,
            created_at=row.created_at,
            read_at=None,
        )
        await bus.emit(session, events.MentionCreated(mention=out, reach=where))


def quiet_for(_connection: object, event: events.MessageCreated) -> bool:
    """A write without a session (a visitor's message) never mentions anyone."""
    return not event.message.private or "@" not in event.message.text


def _theirs(agent_id: int, session: AsyncSession) -> list[ColumnElement[bool]]:
    """The operator's mentions, of notes in conversations they may see."""
    return [Mention.agent_id == agent_id, visible(session)]


async def _unread(session: AsyncSession, agent_id: int) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(Mention)
        .join(Message, Message.id == Mention.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(*_theirs(agent_id, session), Mention.read_at.is_(None))
    )
    return int(count or 0)


async def _shaped(
    session: AsyncSession, rows: Sequence[tuple[Mention, Message]]
) -> list[MentionOut]:
    files = await attachments.for_messages(session, [m.id for _, m in rows])
    return [
        MentionOut(
            id=mention.id,
            agent_id=mention.agent_id,
            conversation_id=message.conversation_id,
            message=message_out(message, files.get(message.id, ())),
            created_at=mention.created_at,
            read_at=mention.read_at,
        )
        for mention, message in rows
    ]


async def list_mentions(
    session: AsyncSession, *, agent_id: int, unread_only: bool, before: int | None, limit: int
) -> MentionPage:
    """The operator's mentions, newest first, and how many are unread."""
    query = (
        select(Mention, Message)
        .join(Message, Message.id == Mention.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(*_theirs(agent_id, session))
    )
    if unread_only:
        query = query.where(Mention.read_at.is_(None))
    if before is not None:
        query = query.where(Mention.id < before)
    rows = [
        (mention, message)
        for mention, message in await session.execute(
            query.order_by(Mention.id.desc()).limit(limit + 1)
        )
    ]
    page = rows[:limit]
    return MentionPage(
        items=await _shaped(session, page),
        next_before=page[-1][0].id if len(rows) > limit else None,
        unread=await _unread(session, agent_id),
    )


def _by_id(rows: Iterable[Any]) -> dict[int, datetime | None]:
    return {int(ident): read_at for ident, read_at in rows}


async def mark_read(
    session: AsyncSession, *, agent_id: int, ids: Sequence[int] | None
) -> MentionsUnread:
    """Mark the operator's mentions read (``ids``; ``None``: all of them). An id that is not
    theirs, or of a conversation they may not see, is a 404 and nothing is marked."""
    query = (
        select(Mention.id, Mention.read_at)
        .join(Message, Message.id == Mention.message_id)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(*_theirs(agent_id, session))
    )
    if ids is not None:
        wanted = set(ids)
        found = _by_id(await session.execute(query.where(Mention.id.in_(sorted(wanted)))))
        missing = sorted(wanted - set(found))
        if missing:
            raise not_found("Mention", missing[0])
    else:
        found = _by_id(await session.execute(query.where(Mention.read_at.is_(None))))
    fresh = sorted(i for i, read_at in found.items() if read_at is None)
    if fresh:
        await session.execute(update(Mention).where(Mention.id.in_(fresh)).values(read_at=utcnow()))
        await bus.emit(session, events.MentionsRead(agent_id=agent_id, ids=fresh))
    return MentionsUnread(unread=await _unread(session, agent_id))
