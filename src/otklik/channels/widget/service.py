"""Visitor sessions: a signed, expiring token per (inbox, contact), resumed when presented
again and traded for a fresh one each time (docs/security.md, "The widget")."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels import service as inboxes
from otklik.channels.service import InboxInfo
from otklik.channels.schemas import InboxSettings
from otklik.channels.widget import proof, signed_identity
from otklik.channels.widget.schemas import OfflineMessageIn, SessionIn, SessionOut
from otklik.contacts import service as contacts
from otklik.contacts import verified
from otklik.contacts import visitor as visitors
from otklik.contacts.verified import VerifiedUser
from otklik.contacts.schemas import VisitIn
from otklik.contacts.models import Contact
from otklik.conversations import service as conversations
from otklik.conversations.models import Conversation, Message
from otklik.core.clock import utcnow
from otklik.core.crypto import SecretBox
from otklik.core.db import Database
from otklik.core.errors import AppError, invalid
from otklik.core.security import VisitorIdentity, VisitorTokens
from otklik.routing import assignment


#: How long after the offline form's first attempt a retry without a token (the first answer
#: was lost) still finds it. Past this a retry is a new visitor, never an old contact.
OFFLINE_RETRY_WINDOW = timedelta(minutes=10)

INVALID_TOKEN = "The visitor token is not valid or has expired. Start a new session."
#: The contact attribute keeping a user id the site sent without a (checked) signature: what
#: the operator may ask about, never what the visitor is taken for.
UNVERIFIED_USER_ID = "unverified_user_id"


@dataclass(frozen=True, slots=True)
class Visitor:
    inbox: InboxInfo
    contact_id: int


def _check_prechat(
    settings: InboxSettings, *, name: str | None, email: str | None, resuming: bool
) -> None:
    if resuming:
        return
    if settings.prechat.name == "required" and not name:
        raise invalid("Please give your name.")
    if settings.prechat.email == "required" and not email:
        raise invalid("Please give your email.")


async def _held_contact(
    session: AsyncSession, *, inbox: InboxInfo, token: str | None, tokens: VisitorTokens
) -> Contact | None:
    """The contact a presented token names, if it is valid and of this inbox."""
    identity = tokens.read(token) if token else None
    if identity is None or identity.inbox_id != inbox.id:
        return None  # an unknown, expired or foreign token is no error: the visitor starts anew
    contact = await session.get(Contact, identity.contact_id)
    if contact is None:  # the visitor proved an email and was joined to its contact
        moved_to = await proof.merged_into(
            session, inbox_id=inbox.id, visitor_id=identity.contact_id
        )
        contact = await session.get(Contact, moved_to) if moved_to else None
    return contact


async def start_session(
    session: AsyncSession, *, data: SessionIn, tokens: VisitorTokens, box: SecretBox
) -> SessionOut:
    """A new visitor, or the returning one whose unexpired token this is (``resumed``).

    Either way the answer carries a freshly issued token: a visitor who comes back within
    the token's lifetime keeps their contact indefinitely, a token nobody uses runs out.

    With the site's identity (ADR 27, ``signed_identity.py``): a validly signed user is their
    own contact, whatever token came along; a contact the site vouched for is resumed only
    with a valid signature of its user (without one — the user signed out on the site, or an
    unsigned claim — the visitor starts anew), unless the inbox's verification is off."""
    inbox = await inboxes.widget_inbox_by_key(session, data.inbox_key)
    settings = inboxes.inbox_settings(inbox)
    claim = await signed_identity.claim_of(session, inbox=inbox, identity=data.identity, box=box)
    held = await _held_contact(session, inbox=inbox, token=data.visitor_token, tokens=tokens)
    if isinstance(claim, VerifiedUser):
        typed = str(data.email).lower() if data.email else None
        user = replace(claim, name=claim.name or data.name, email=claim.email or typed)
        contact = await verified.contact_for_user(
            session, user=user, attributes=_new_attributes(data)
        )
        resumed = held is not None and held.id == contact.id
    else:
        vouched = held is not None and held.verified_at is not None
        resumable = None if vouched and settings.identity_verification != "off" else held
        contact, resumed = await _visitor_contact(
            session, data=data, settings=settings, held=resumable, hint=claim
        )
    if data.language and contact.attributes.get("language") != data.language:
        contact.attributes = {**contact.attributes, "language": data.language}
    conversation_id = await session.scalar(
        select(Conversation.id)
        .where(Conversation.contact_id == contact.id, Conversation.inbox_id == inbox.id)
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    return _session_out(
        tokens,
        VisitorIdentity(inbox_id=inbox.id, contact_id=contact.id),
        conversation_id=conversation_id,
        resumed=resumed,
    )


def _new_attributes(data: SessionIn) -> dict[str, str]:
    attributes = {"source": "widget"}
    if data.language:
        attributes["language"] = data.language
    return attributes


async def _visitor_contact(
    session: AsyncSession,
    *,
    data: SessionIn,
    settings: InboxSettings,
    held: Contact | None,
    hint: signed_identity.Hint | None,
) -> tuple[Contact, bool]:
    """The contact of a visitor the site does not vouch for (``held``: the one their token
    names, if it may be resumed), made on their first session; what they or the site told
    (``hint``, never verified) is kept on it. Whether it is the held one (``resumed``)."""
    name = data.name or (hint.name if hint else None)
    email = str(data.email).lower() if data.email else (hint.email if hint else None)
    _check_prechat(settings, name=name, email=email, resuming=held is not None)
    if held is None:
        attributes = _new_attributes(data)
        if hint is not None:
            attributes[UNVERIFIED_USER_ID] = hint.user_id
        contact = await contacts.create_contact(
            session, name=name or None, email=email, attributes=attributes
        )
        return contact, False
    if hint is not None and held.attributes.get(UNVERIFIED_USER_ID) != hint.user_id:
        held.attributes = {**held.attributes, UNVERIFIED_USER_ID: hint.user_id}
    await contacts.update_identity(session, contact=held, name=name, email=email)
    return held, True


async def joined_session(
    session: AsyncSession, *, joined: proof.Joined, tokens: VisitorTokens
) -> SessionOut:
    """The session of a visitor who proved an email: a token for the contact they joined."""
    conversation_id = await session.scalar(
        select(Conversation.id)
        .where(
            Conversation.contact_id == joined.contact_id, Conversation.inbox_id == joined.inbox_id
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )
    return _session_out(
        tokens,
        VisitorIdentity(inbox_id=joined.inbox_id, contact_id=joined.contact_id),
        conversation_id=conversation_id,
        resumed=True,
    )


def _session_out(
    tokens: VisitorTokens, identity: VisitorIdentity, *, conversation_id: int | None, resumed: bool
) -> SessionOut:
    token = tokens.issue(identity)
    return SessionOut(
        visitor_token=token,
        token_expires_at=utcnow() + timedelta(seconds=tokens.max_age),
        contact_id=identity.contact_id,
        conversation_id=conversation_id,
        resumed=resumed,
    )


async def visitor_for_token(session: AsyncSession, *, token: str, tokens: VisitorTokens) -> Visitor:
    identity = tokens.read(token)
    if identity is None:
        raise AppError(401, "unauthorized", INVALID_TOKEN)
    # From the per-process configuration cache: no query for the inbox on the hot path.
    return _visitor(await inboxes.inbox_by_id(session, identity.inbox_id), identity.contact_id)


async def visitor_in(db: Database, *, token: str, tokens: VisitorTokens) -> Visitor:
    """:func:`visitor_for_token` for a request without a session (the send endpoint)."""
    identity = tokens.read(token)
    if identity is None:
        raise AppError(401, "unauthorized", INVALID_TOKEN)
    return _visitor(await inboxes.inbox_by_id_in(db, identity.inbox_id), identity.contact_id)


def _visitor(inbox: InboxInfo | None, contact_id: int) -> Visitor:
    if inbox is None or inbox.channel != "widget":
        raise AppError(401, "unauthorized", INVALID_TOKEN)
    inboxes.ensure_active(inbox)
    return Visitor(inbox=inbox, contact_id=contact_id)


async def leave_offline_message(
    session: AsyncSession,
    *,
    data: OfflineMessageIn,
    tokens: VisitorTokens,
    max_chars: int,
    box: SecretBox,
) -> SessionOut:
    """The offline form: a contact with an email, and a conversation answered later by mail.

    A retry without a token (the first answer was lost) finds the first attempt by its
    client id and email instead of creating a second contact — only an attempt this form
    made moments ago (see :func:`_offline_repeat`)."""
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
            identity=data.identity,
        ),
        tokens=tokens,
        box=box,
    )
    inbox = await inboxes.widget_inbox_by_key(session, data.inbox_key)
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
    """The first attempt of this offline form, when this is its retry; else ``None``.

    Knowing an email and a client id is no proof of being that customer: a channel's client
    ids can be derived from its messages (``ext:…``). So the match must be a conversation
    this very form made (``left_offline``, in a widget inbox) within
    :data:`OFFLINE_RETRY_WINDOW`, by a contact the widget made that has no other
    conversation. Anything else is a new visitor."""
    inbox = await inboxes.widget_inbox_by_key(session, data.inbox_key)
    row = (
        await session.execute(
            select(Conversation.id, Conversation.attributes, Contact.id, Contact.attributes)
            .join(Message, Message.conversation_id == Conversation.id)
            .join(Contact, Contact.id == Conversation.contact_id)
            .where(
                Conversation.inbox_id == inbox.id,
                Conversation.created_at >= utcnow() - OFFLINE_RETRY_WINDOW,
                Message.client_msg_id == data.client_msg_id,
                Message.author_type == "contact",
                Contact.email == str(data.email).lower(),
                Contact.verified_at.is_(None),  # reached only by its signature
            )
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    conversation_id, conversation_attributes, contact_id, contact_attributes = row
    if not conversation_attributes.get("left_offline"):
        return None
    if contact_attributes.get("source") != "widget":
        return None
    conversations_of_contact = await session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.contact_id == contact_id)
    )
    if conversations_of_contact != 1:
        return None
    return _session_out(
        tokens,
        VisitorIdentity(inbox_id=inbox.id, contact_id=contact_id),
        conversation_id=conversation_id,
        resumed=False,
    )


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


async def record_visit(
    session: AsyncSession, *, visitor: Visitor, visit: VisitIn, user_agent: str | None
) -> None:
    """What the widget reports of the visitor goes on their contact (``contacts/visitor.py``)."""
    contact = await contacts.get_contact(session, visitor.contact_id)
    await visitors.record_visit(session, contact=contact, visit=visit, user_agent=user_agent)
