"""A conversation opened by Core statements in one hop, the same as the general path.

``conversations.opening`` writes a new customer's first message (contact, identity,
conversation, message, count, events) without the ORM, for channels that open conversations
(the API channel's bridges); ``channels.inbound.receive`` is the general path for every case.
Here both open a conversation and what they leave behind is compared; then the reactions that
must still happen (routing to an operator who is online, a greeting, the queue when nobody
is) are checked through the API channel, which takes the Core path.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik import wiring
from otklik.channels import inbound
from otklik.channels import service as inboxes
from otklik.channels.base import InboundMessage
from otklik.channels.schemas import InboxCreate, InboxSettings
from otklik.channels.service import InboxInfo
from otklik.config import Settings
from otklik.contacts.models import Contact, ContactIdentity, contact_terms
from otklik.conversations.events import ConversationCreated
from otklik.conversations.models import Conversation, ConversationCount, Message
from otklik.core import config_cache
from otklik.core.crypto import SecretBox
from otklik.core.db import Database
from otklik.core.events import Emitted, bus
from otklik.core.fulltext import analyze
from otklik.realtime.models import Event
from tests.support import Workspace
from tests.test_appending import _statements
from tests.test_routing import set_status

BASE = "/api/v1/channels/api"
#: Values that differ between any two customers, conversations or messages by nature.
_OWN = {
    "id",
    "contact_id",
    "conversation_id",
    "author_id",
    "author_name",
    "name",
    "email",
    "external_id",
    "client_msg_id",
    "text",
    "created_at",
    "updated_at",
    "last_activity_at",
    "waiting_since",
    "queued_at",
    "last_message_id",
    "last_message",
    "contact",
    "channel_data",
}


@pytest.fixture(autouse=True)
def _wired() -> None:
    wiring.install()


def _message(sender: str, text: str, *, new_conversation: bool = True) -> InboundMessage:
    return InboundMessage(
        external_id=f"{sender}-1",
        sender_id=sender,
        text=text,
        sender_name=sender.title(),
        sender_email=f"{sender}@example.com",
        new_conversation=new_conversation,
        channel_data={"api": {"order": sender}},
    )


async def _open_by_unit(db: Database, inbox: InboxInfo, message: InboundMessage) -> int:
    async with db.unit() as unit:
        opened = await inbound.open_conversation_in_unit(
            unit, inbox=inbox, message=message, max_chars=10_000
        )
    assert opened is not None, "the unit handed it to the general path"
    return opened.message.id


async def _open_by_session(db: Database, inbox: InboxInfo, message: InboundMessage) -> int:
    async with db.session(write=True) as session:
        posted = await inbound.receive(session, inbox=inbox, message=message, max_chars=10_000)
    return posted.message.id


def _strip(values: Any) -> Any:
    if isinstance(values, dict):
        return {k: _strip(v) for k, v in values.items() if k not in _OWN}
    return values


async def _state(db: Database, message_id: int) -> dict[str, Any]:
    async with db.session(write=False) as session:
        message = await session.get_one(Message, message_id)
        conversation = await session.get_one(Conversation, message.conversation_id)
        contact = await session.get_one(Contact, conversation.contact_id)
        identity = await session.scalar(
            select(ContactIdentity).where(ContactIdentity.contact_id == contact.id)
        )
        rows = (
            await session.execute(
                select(Event.stream, Event.type, Event.payload_json)
                .where(Event.payload_json.contains(f'"conversation":{{"id":{conversation.id},'))
                .order_by(Event.seq)
            )
        ).all()
    assert identity is not None

    def row(obj: Any) -> dict[str, Any]:
        # The search index's columns are deferred (and compared by tests/test_search.py).
        columns = type(obj).__table__.columns.keys()
        return {c: getattr(obj, c) for c in columns if not c.startswith("search_")}

    return {
        "message": row(message),
        "conversation": row(conversation),
        "contact": row(contact),
        "identity": (identity.inbox_id, identity.external_id),
        "events": [(r.stream, r.type, json.loads(r.payload_json)) for r in rows],
    }


async def test_the_unit_opens_a_conversation_as_the_general_path_does(
    db: Database, settings: Settings
) -> None:
    async with db.session(write=True) as session:
        created = await inboxes.create_inbox(
            session,
            data=InboxCreate(
                name="Bridge", channel="api", settings=InboxSettings(assignment="balanced")
            ),
            actor_id=None,
            box=SecretBox(settings.resolved_secret_key()),
        )
    # As in the app: with the configuration cached, the unit knows that nobody is to be
    # greeted or routed to and no rule or webhook wants the events: it needs no session.
    config_cache.attach(db)
    inbox = await inboxes.inbox_by_id_in(db, created.id)
    assert inbox is not None
    await _open_by_unit(db, inbox, _message("warmup", "loads the caches"))

    with _statements(db) as by_unit:
        core = await _open_by_unit(db, inbox, _message("vera", "Где мой заказ 4411?"))
    # No session: its savepoint would go through SQLAlchemy and be seen here, where the
    # unit's own goes out on the driver's handle on both databases.
    assert by_unit.count("SAVEPOINT") == 0, by_unit
    with _statements(db) as by_session:
        general = await _open_by_session(db, inbox, _message("oleg", "Where is order 4412?"))
    assert len(by_unit) < len(by_session), (" ".join(by_unit), " ".join(by_session))

    after_unit, after_general = await _state(db, core), await _state(db, general)
    for part in ("message", "conversation", "contact"):
        assert _strip(after_unit[part]) == _strip(after_general[part]), part
    # The search index's terms too: on SQLite the unit writes its rows on the driver's own
    # handle, filling in every column default (the terms among them) as Core does.
    async with db.session(write=False) as session:
        terms = {
            message_id: (
                await session.scalar(select(Message.search_terms).where(Message.id == message_id)),
                await session.scalar(
                    select(Contact.search_terms)
                    .join(Conversation, Conversation.contact_id == Contact.id)
                    .join(Message, Message.conversation_id == Conversation.id)
                    .where(Message.id == message_id)
                ),
            )
            for message_id in (core, general)
        }
    assert terms[core] == (
        analyze("Где мой заказ 4411?"),
        contact_terms("Vera", "vera@example.com", {"source": "api"}),
    )
    assert terms[general][0] == analyze("Where is order 4412?")
    assert terms[general][1] == contact_terms("Oleg", "oleg@example.com", {"source": "api"})
    assert after_unit["contact"]["name"] == "Vera"
    assert after_unit["contact"]["email"] == "vera@example.com"
    assert after_unit["identity"] == (inbox.id, "vera")
    assert after_unit["message"]["channel_data"] == {"api": {"order": "vera"}}
    conversation = after_unit["conversation"]
    assert conversation["last_message_id"] == core
    assert conversation["waiting_since"] == after_unit["message"]["created_at"]
    # Nobody could take either: both wait in the queue.
    assert conversation["queued_at"] is not None
    assert after_general["conversation"]["queued_at"] is not None
    # The same frames, to the same streams, field for field.
    assert [(s, t) for s, t, _ in after_unit["events"]] == [
        (s, t) for s, t, _ in after_general["events"]
    ]
    assert [t for _, t, _ in after_unit["events"]] == ["conversation.created", "message.created"]
    for (_, _, unit_data), (_, _, general_data) in zip(
        after_unit["events"], after_general["events"], strict=True
    ):
        assert _strip(unit_data) == _strip(general_data)
        assert unit_data["conversation"]["last_message"]["id"] == core
    # The per-view counts know of all three conversations.
    async with db.session(write=False) as session:
        counted = await session.scalar(
            select(func.sum(ConversationCount.n)).where(
                ConversationCount.status == "open", ConversationCount.inbox_id == inbox.id
            )
        )
    assert counted == 3


async def _api_inbox(ws: Workspace, **settings: Any) -> str:
    response = await ws.api.post(
        "/api/v1/inboxes",
        headers=ws.auth(),
        json={"name": "Bridge", "channel": "api", "config": {}, "settings": settings},
    )
    assert response.status_code == 201, response.text
    inbox_id = response.json()["id"]
    key = await ws.api.get(f"{BASE}/inboxes/{inbox_id}/key", headers=ws.auth())
    return str(key.json()["api_key"])


async def _open(ws: Workspace, key: str, sender: str) -> dict[str, Any]:
    response = await ws.api.post(
        f"{BASE}/conversations",
        headers={"X-Otklik-Inbox-Key": key},
        json={"external_id": f"{sender}-1", "sender_id": sender, "text": "Здравствуйте!"},
    )
    assert response.status_code == 201, response.text
    posted: dict[str, Any] = response.json()
    return posted


async def _conversation(ws: Workspace, conversation_id: int) -> dict[str, Any]:
    response = await ws.api.get(f"/api/v1/conversations/{conversation_id}", headers=ws.auth())
    found: dict[str, Any] = response.json()
    return found


async def test_an_operator_online_gets_the_new_conversation_and_the_customer_a_greeting(
    workspace: Workspace,
) -> None:
    key = await _api_inbox(
        workspace, assignment="balanced", greeting_message="Добрый день! Чем помочь?"
    )
    agent_id, token = await workspace.agent("nina@example.com", name="Нина")
    await set_status(workspace, token, "online")
    sock = await workspace.agent_socket()
    await sock.ready()

    posted = await _open(workspace, key, "79990001122")
    conversation = await _conversation(workspace, posted["conversation_id"])
    assert conversation["assignee_id"] == agent_id
    messages = await workspace.api.get(
        f"/api/v1/conversations/{posted['conversation_id']}/messages", headers=workspace.auth()
    )
    assert [(m["author_type"], m["text"]) for m in messages.json()["items"]] == [
        ("contact", "Здравствуйте!"),
        ("bot", "Добрый день! Чем помочь?"),
    ]
    # The customer's message is told with the conversation as routing left it.
    said = await sock.until(
        lambda f: (
            f.get("type") == "message.created"
            and f["data"]["message"]["id"] == posted["message_id"]
        )
    )
    assert said["data"]["conversation"]["assignee_id"] == agent_id
    await sock.close()


async def test_with_nobody_online_the_conversation_waits_for_the_first_who_comes(
    workspace: Workspace,
) -> None:
    key = await _api_inbox(workspace, assignment="round_robin")
    agent_id, token = await workspace.agent("ivan@example.com", name="Иван")
    posted = await _open(workspace, key, "79990003344")
    waiting = await _conversation(workspace, posted["conversation_id"])
    assert waiting["assignee_id"] is None and waiting["queued_at"] is not None
    await set_status(workspace, token, "online")
    assert (await _conversation(workspace, posted["conversation_id"]))["assignee_id"] == agent_id


async def cached_api_inbox(db: Database, settings: Settings) -> InboxInfo:
    """An API channel inbox, with the configuration cached as in the app."""
    async with db.session(write=True) as session:
        created = await inboxes.create_inbox(
            session,
            data=InboxCreate(name="Bridge", channel="api"),
            actor_id=None,
            box=SecretBox(settings.resolved_secret_key()),
        )
    config_cache.attach(db)
    inbox = await inboxes.inbox_by_id_in(db, created.id)
    assert inbox is not None
    return inbox


async def test_a_subscriber_that_settled_on_the_connection_is_not_run_again(
    db: Database, settings: Settings
) -> None:
    inbox = await cached_api_inbox(db, settings)
    calls: list[str] = []

    def settles(_conn: Any, _event: ConversationCreated) -> bool:
        calls.append("settled on the connection")
        return True

    async def settled(_session: AsyncSession, _emitted: Emitted[ConversationCreated]) -> None:
        calls.append("run again in the session")

    async def busy(_session: AsyncSession, _emitted: Emitted[ConversationCreated]) -> None:
        calls.append("needs a session")

    bus.subscribe(ConversationCreated, settled, quiet=settles)
    bus.subscribe(ConversationCreated, busy)  # no predicate: the unit opens a session
    await _open_by_unit(db, inbox, _message("lena", "Добрый день"))
    assert calls == ["settled on the connection", "needs a session"]
