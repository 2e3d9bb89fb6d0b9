"""A demo workspace: inboxes, teams, agents and conversations in Russian and English.

Big data sets (``--conversations 1000000``) are written with bulk INSERTs in chunks and
explicit ids, so a million conversations with ten messages each take minutes, not hours.
Bulk rows get no events: they are history, not live changes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, text

from otklik.accounts import service as accounts
from otklik.accounts.models import Agent
from otklik.accounts.schemas import AgentCreate, TeamCreate
from otklik.channels import service as inboxes
from otklik.channels.models import Inbox
from otklik.channels.schemas import InboxCreate, InboxSettings, PrechatFields
from otklik.contacts.models import Contact
from otklik.conversations import counts
from otklik.conversations.models import Conversation, Message
from otklik.core.clock import utcnow
from otklik.core.db import Database

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "otklik-demo-admin"
AGENT_PASSWORD = "otklik-demo-agent"
CHUNK = 5_000

AGENTS = [
    ("Анна Смирнова", "anna@example.com", "agent", ["ru"]),
    ("Boris Ivanov", "boris@example.com", "agent", ["ru", "en"]),
    ("Claire Dubois", "claire@example.com", "agent", ["en"]),
    ("Дмитрий Орлов", "dmitry@example.com", "supervisor", ["ru", "en"]),
    ("Emma Wilson", "emma@example.com", "agent", ["en"]),
]
TEAMS = ["Первая линия / 1st line", "Вторая линия / 2nd line", "Billing"]
CUSTOMERS_RU = ["Иван", "Мария", "Ольга", "Сергей", "Алексей", "Екатерина", "Павел", "Наталья"]
CUSTOMERS_EN = ["John", "Sarah", "Mike", "Laura", "Tom", "Kate", "Peter", "Nina"]
QUESTIONS_RU = [
    "Здравствуйте! Не могу оплатить заказ картой, выдаёт ошибку.",
    "Когда придёт мой заказ? Номер 48213.",
    "Как поменять адрес доставки?",
    "Не приходит письмо для восстановления пароля.",
    "Можно ли вернуть товар, если упаковка вскрыта?",
]
QUESTIONS_EN = [
    "Hi! My card payment keeps failing at checkout.",
    "Where is my order #48213?",
    "How do I change my delivery address?",
    "I never got the password reset email.",
    "Can I return an item if I opened the box?",
]
ANSWERS_RU = [
    "Добрый день! Сейчас проверю.",
    "Спасибо, что подождали. Всё исправили.",
    "Отправили инструкцию на почту.",
]
ANSWERS_EN = [
    "Hello! Let me check that for you.",
    "Thanks for waiting — it is fixed now.",
    "I've sent the steps to your email.",
]


@dataclass(frozen=True, slots=True)
class DemoWorkspace:
    admin_email: str
    admin_password: str
    inbox_keys: dict[str, str]
    created: bool


async def ensure_workspace(db: Database, *, conversations: int = 300) -> DemoWorkspace:
    """Create the demo workspace once; later calls only report it."""
    async with db.session(write=True) as session:
        exists = await session.scalar(select(Agent.id).where(Agent.email == ADMIN_EMAIL))
        if exists is None:
            admin = await accounts.create_agent(
                session,
                data=AgentCreate(
                    email=ADMIN_EMAIL,
                    name="Admin",
                    password=ADMIN_PASSWORD,
                    role="admin",
                    languages=["ru", "en"],
                ),
                actor_id=None,
            )
            agent_ids = [admin.id]
            for name, email, role, langs in AGENTS:
                agent = await accounts.create_agent(
                    session,
                    data=AgentCreate(
                        email=email,
                        name=name,
                        password=AGENT_PASSWORD,
                        role=role,
                        languages=langs,
                    ),
                    actor_id=None,
                )
                agent_ids.append(agent.id)
            teams = []
            for index, team_name in enumerate(TEAMS):
                members = agent_ids[1 + index * 2 : 3 + index * 2] + [agent_ids[0]]
                teams.append(
                    await accounts.create_team(
                        session, data=TeamCreate(name=team_name, agent_ids=members), actor_id=None
                    )
                )
            await inboxes.create_inbox(
                session,
                data=InboxCreate(
                    name="Сайт (RU)",
                    channel="widget",
                    team_id=teams[0].id,
                    settings=InboxSettings(
                        title="Поддержка Acme",
                        greeting="Здравствуйте! Чем можем помочь?",
                        language="ru",
                        prechat=PrechatFields(name="optional", email="optional"),
                    ),
                ),
                actor_id=None,
            )
            await inboxes.create_inbox(
                session,
                data=InboxCreate(
                    name="Website (EN)",
                    channel="widget",
                    team_id=teams[0].id,
                    settings=InboxSettings(
                        title="Acme Support",
                        greeting="Hi! How can we help?",
                        language="en",
                        color="#0f7b6c",
                        prechat=PrechatFields(name="off", email="off"),
                    ),
                ),
                actor_id=None,
            )
        keys = {
            inbox.name: inbox.public_key
            for inbox in (await session.execute(select(Inbox).order_by(Inbox.id))).scalars()
        }
    if exists is None and conversations:
        await add_conversations(db, count=conversations)
    return DemoWorkspace(ADMIN_EMAIL, ADMIN_PASSWORD, keys, created=exists is None)


async def add_conversations(
    db: Database,
    *,
    count: int,
    messages_per_conversation: int = 10,
    progress: Callable[[int], None] | None = None,
    seed: int = 7,
) -> None:
    """Bulk-insert ``count`` conversations of history (no events, no jobs)."""
    rng = random.Random(seed)
    async with db.session(write=False) as session:
        inbox_rows = (await session.execute(select(Inbox.id, Inbox.team_id))).all()
        agent_rows = (await session.execute(select(Agent.id, Agent.name))).all()
        next_contact = (
            int(await session.scalar(select(func.coalesce(func.max(Contact.id), 0))) or 0) + 1
        )
        next_conv = (
            int(await session.scalar(select(func.coalesce(func.max(Conversation.id), 0))) or 0) + 1
        )
        next_msg = (
            int(await session.scalar(select(func.coalesce(func.max(Message.id), 0))) or 0) + 1
        )
    if not inbox_rows or not agent_rows:
        raise RuntimeError("create the demo workspace first")
    now = utcnow()
    span = timedelta(days=90).total_seconds()
    done = 0
    while done < count:
        batch = min(CHUNK, count - done)
        contacts: list[dict[str, Any]] = []
        convs: list[dict[str, Any]] = []
        msgs: list[dict[str, Any]] = []
        for _ in range(batch):
            russian = rng.random() < 0.6
            name = rng.choice(CUSTOMERS_RU if russian else CUSTOMERS_EN)
            contact_id, conv_id = next_contact, next_conv
            next_contact += 1
            next_conv += 1
            started = now - timedelta(seconds=rng.random() * span)
            contacts.append(
                {
                    "id": contact_id,
                    "name": name,
                    "email": f"customer{contact_id}@example.net",
                    "attributes": {"language": "ru" if russian else "en"},
                    "created_at": started,
                    "updated_at": started,
                }
            )
            inbox_id, team_id = rng.choice(inbox_rows)
            agent_id, agent_name = rng.choice(agent_rows)
            status = rng.choices(["open", "pending", "resolved", "snoozed"], [30, 10, 58, 2])[0]
            assigned = status != "open" or rng.random() < 0.6
            at = started
            last_id = 0
            waiting = None
            for index in range(messages_per_conversation):
                from_contact = index % 2 == 0
                at = at + timedelta(seconds=20 + rng.random() * 600)
                if from_contact:
                    body = rng.choice(QUESTIONS_RU if russian else QUESTIONS_EN)
                else:
                    body = rng.choice(ANSWERS_RU if russian else ANSWERS_EN)
                last_id = next_msg
                msgs.append(
                    {
                        "id": next_msg,
                        "conversation_id": conv_id,
                        "author_type": "contact" if from_contact else "agent",
                        "author_id": contact_id if from_contact else agent_id,
                        "author_name": name if from_contact else agent_name,
                        "private": False,
                        "text": body,
                        "client_msg_id": f"demo-{next_msg}",
                        "created_at": at,
                    }
                )
                next_msg += 1
                waiting = at if from_contact else None
            convs.append(
                {
                    "id": conv_id,
                    "inbox_id": inbox_id,
                    "contact_id": contact_id,
                    "channel": "widget",
                    "status": status,
                    "snooze_until": now + timedelta(days=1) if status == "snoozed" else None,
                    "assignee_id": agent_id if assigned else None,
                    "team_id": team_id,
                    "priority": rng.choices(["low", "normal", "high", "urgent"], [10, 70, 15, 5])[
                        0
                    ],
                    "unread_count": 1 if waiting and status == "open" else 0,
                    "waiting_since": waiting if status == "open" else None,
                    "last_message_id": last_id or None,
                    "last_activity_at": at,
                    "created_at": started,
                    "resolved_at": at if status == "resolved" else None,
                }
            )
        async with db.session(write=True) as session:
            await session.execute(insert(Contact), contacts)
            await session.execute(insert(Conversation), convs)
            if msgs:
                await session.execute(insert(Message), msgs)
        done += batch
        if progress is not None:
            progress(batch)
    async with db.session(write=True) as session:
        await session.run_sync(counts.rebuild)
    # Fresh statistics, or the query planner guesses (PostgreSQL sorted 120k rows for one
    # list page without them, where autovacuum had not run yet).
    async with db.read_engine.connect() as conn:
        await conn.execute(text("ANALYZE"))
        await conn.commit()
    if db.dialect == "postgresql":
        # Explicit ids bypassed the sequences; move them past the new rows.
        async with db.session(write=True) as session:
            for table in ("contacts", "conversations", "messages"):
                await session.execute(
                    text(
                        f"SELECT setval('{table}_id_seq',"
                        f" (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                    )
                )
