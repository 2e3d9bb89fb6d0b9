"""Inboxes: create, configure, look up by public key."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import inbox_members
from otklik.accounts.models import Agent, Team, TeamMember
from otklik.audit import service as audit
from otklik.channels import config as channel_config
from otklik.channels import health
from otklik.channels.base import channel_names, inboxes_changed, plugin_for
from otklik.channels.events import AgentsOnlineFrame, ChannelHealthChanged
from otklik.channels.models import Inbox
from otklik.channels.schemas import InboxCreate, InboxOut, InboxSettings, InboxUpdate
from otklik.channels.widget import secret as widget_secret
from otklik.core import config_cache
from otklik.core.crypto import SecretBox
from otklik.core.db import Database
from otklik.core.errors import AppError, invalid, not_found
from otklik.core.events import bus
from otklik.realtime import log
from otklik.realtime.protocol import inbox_stream


@dataclass(frozen=True, slots=True)
class InboxInfo:
    """An inbox's configuration as the hot path reads it (cached; no channel secrets, no
    routing state). ``settings`` is shared by every reader: never change it."""

    id: int
    name: str
    channel: str
    public_key: str
    team_id: int | None
    active: bool
    settings: InboxSettings


#: The ORM row (in a session) or the cached snapshot: both answer these questions.
AnyInbox = Inbox | InboxInfo


@dataclass(frozen=True, slots=True)
class InboxDirectory:
    by_id: Mapping[int, InboxInfo]
    by_key: Mapping[str, InboxInfo]
    #: API inboxes by the SHA-256 of their key (``api_key_hash`` of their channel config):
    #: how a bridge's request finds its inbox without a query.
    by_key_hash: Mapping[str, InboxInfo]


def delivers_replies(channel: str) -> bool:
    """Whether public replies in ``channel``'s conversations leave through the channel, in a
    ``channels.deliver`` job after commit. The widget's visitor hears replies on their own
    socket; every other channel delivers (a channel whose plugin is not installed too: its job
    records the failure on the message, where operators see it)."""
    return channel != "widget"


async def first_widget_key(session: AsyncSession) -> str | None:
    """The public key of the oldest widget inbox (the demo page embeds it), if there is one."""
    return await session.scalar(
        select(Inbox.public_key).where(Inbox.channel == "widget").order_by(Inbox.id).limit(1)
    )


def _stored_settings(raw: dict[str, Any]) -> InboxSettings:
    return InboxSettings.model_validate({**InboxSettings().model_dump(), **raw})


def inbox_settings(inbox: AnyInbox) -> InboxSettings:
    """Stored settings over today's defaults, so a new setting never breaks an old inbox."""
    if isinstance(inbox, InboxInfo):
        return inbox.settings
    return _stored_settings(inbox.settings)


async def _directory(session: AsyncSession) -> InboxDirectory:
    rows = await session.execute(
        select(
            Inbox.id,
            Inbox.name,
            Inbox.channel,
            Inbox.public_key,
            Inbox.team_id,
            Inbox.active,
            Inbox.settings,
            Inbox.channel_config["api_key_hash"].as_string(),
        )
    )
    infos, by_key_hash = [], {}
    for ident, name, channel, key, team_id, active, raw, api_key_hash in rows:
        info = InboxInfo(
            id=ident,
            name=name,
            channel=channel,
            public_key=key,
            team_id=team_id,
            active=active,
            settings=_stored_settings(raw),
        )
        infos.append(info)
        if api_key_hash:
            by_key_hash[api_key_hash] = info
    return InboxDirectory(
        by_id=MappingProxyType({info.id: info for info in infos}),
        by_key=MappingProxyType({info.public_key: info for info in infos}),
        by_key_hash=MappingProxyType(by_key_hash),
    )


#: Every inbox, by id and by public key (``create_inbox`` and ``update_inbox`` mark it).
INBOXES = config_cache.entry("inboxes", _directory)


def cached_inbox(conn: Connection, inbox_id: int) -> InboxInfo | None:
    """An inbox from this process's cache for synchronous code (``core/unit.py``); ``None``
    when the directory is not loaded or has no such inbox."""
    directory = config_cache.peek(conn, INBOXES)
    return directory.by_id.get(inbox_id) if directory is not None else None


def inbox_out(inbox: Inbox) -> InboxOut:
    return InboxOut(
        id=inbox.id,
        name=inbox.name,
        channel=inbox.channel,
        public_key=inbox.public_key,
        team_id=inbox.team_id,
        active=inbox.active,
        settings=inbox_settings(inbox),
        config=(
            {}  # its only secret, the identity secret, has its own endpoint
            if inbox.channel == "widget"
            else channel_config.public(plugin_for(inbox.channel), inbox.channel_config)
        ),
        health=health.health_of(inbox),
    )


def _sealed_config(
    channel: str, raw: dict[str, Any], box: SecretBox, previous: dict[str, Any]
) -> dict[str, Any]:
    if channel == "widget":
        if raw:
            raise invalid("A widget inbox has no channel config; use settings.")
        return previous  # its identity secret changes only through its own endpoint
    plugin = plugin_for(channel)
    if plugin is None:
        raise invalid(f"Unknown channel {channel!r}; installed: {', '.join(channel_names())}.")
    return channel_config.seal(plugin, raw, box, previous=previous)


def _new_config(channel: str, raw: dict[str, Any], box: SecretBox | None) -> dict[str, Any]:
    """A new inbox's sealed channel config; a widget's holds its new identity secret."""
    if box is None:
        return {}
    config = _sealed_config(channel, raw, box, {})
    if channel == "widget":
        config = widget_secret.with_new_secret(config, box)[0]
    return config


async def list_inboxes(session: AsyncSession) -> list[Inbox]:
    return list((await session.execute(select(Inbox).order_by(Inbox.id))).scalars().all())


async def inbox_ids(session: AsyncSession) -> list[int]:
    return list((await session.execute(select(Inbox.id).order_by(Inbox.id))).scalars())


async def get_inbox(session: AsyncSession, inbox_id: int) -> Inbox:
    inbox = await session.get(Inbox, inbox_id)
    if inbox is None:
        raise not_found("Inbox", inbox_id)
    return inbox


async def widget_inbox_by_key(session: AsyncSession, public_key: str) -> InboxInfo:
    """The active *widget* inbox with this public key (cached); 404 unknown, 403 turned off.

    Another channel's key is unknown here: the widget's public endpoints make contacts and
    conversations in the inbox they are given, and an email or API inbox's conversations
    must never be reachable through them (issue 11, defect 1)."""
    inbox = (await config_cache.get(session, INBOXES)).by_key.get(public_key)
    if inbox is None or inbox.channel != "widget":
        raise not_found("Inbox with key", repr(public_key[:64]))
    ensure_active(inbox)
    return inbox


async def cached_widget_inbox(session: AsyncSession, public_key: str) -> InboxInfo | None:
    """The active widget inbox with this public key (cached), if there is one."""
    inbox = (await config_cache.get(session, INBOXES)).by_key.get(public_key)
    if inbox is None or inbox.channel != "widget" or not inbox.active:
        return None
    return inbox


async def frame_origins(session: AsyncSession, public_key: str) -> list[str] | None:
    """The sites that may frame this widget inbox (``[]``: any); ``None``: no such inbox."""
    inbox = (await config_cache.get(session, INBOXES)).by_key.get(public_key)
    if inbox is None or inbox.channel != "widget":
        return None
    return list(inbox.settings.frame_origins)


async def inbox_by_id(session: AsyncSession, inbox_id: int) -> InboxInfo | None:
    """The inbox's cached configuration, turned off or not; ``None`` when there is none."""
    return (await config_cache.get(session, INBOXES)).by_id.get(inbox_id)


async def inbox_by_key_hash_in(db: Database, key_hash: str) -> InboxInfo | None:
    """The inbox whose API key hashes to ``key_hash`` (cached), if any."""
    return (await config_cache.cache_for_db(db).get(INBOXES)).by_key_hash.get(key_hash)


async def inbox_by_id_in(db: Database, inbox_id: int) -> InboxInfo | None:
    """:func:`inbox_by_id` for a request that has no session (the widget's send)."""
    return (await config_cache.cache_for_db(db).get(INBOXES)).by_id.get(inbox_id)


def ensure_active(inbox: AnyInbox) -> None:
    """Refuse what a customer or a bridge sends to an inbox an admin turned off."""
    if not inbox.active:
        raise AppError(403, "inbox_off", "This inbox is turned off.")


async def _check_team(session: AsyncSession, team_id: int | None) -> None:
    if team_id is not None and await session.get(Team, team_id) is None:
        raise invalid(f"Team {team_id} does not exist.")


async def create_inbox(
    session: AsyncSession,
    *,
    data: InboxCreate,
    actor_id: int | None,
    box: SecretBox | None = None,
) -> Inbox:
    await _check_team(session, data.team_id)
    if data.channel != "widget" and box is None:
        raise ValueError("a channel inbox needs the secret box to seal its config")
    inbox = Inbox(
        name=data.name,
        channel=data.channel,
        public_key=secrets.token_urlsafe(18),
        team_id=data.team_id,
        settings=data.settings.model_dump(),
        channel_config=_new_config(data.channel, data.config, box),
    )
    session.add(inbox)
    await session.flush()
    await inbox_members.add_every_agent(session, inbox_id=inbox.id)
    audit.record(
        session,
        actor_type="agent" if actor_id else "system",
        actor_id=actor_id,
        action="inbox.created",
        target_type="inbox",
        target_id=inbox.id,
        data={"name": data.name, "channel": data.channel},
    )
    inboxes_changed(session.info)
    await config_cache.changed(session, INBOXES)
    return inbox


async def update_inbox(
    session: AsyncSession, *, inbox_id: int, data: InboxUpdate, actor_id: int, box: SecretBox
) -> Inbox:
    inbox = await get_inbox(session, inbox_id)
    if data.config is not None:
        inbox.channel_config = _sealed_config(inbox.channel, data.config, box, inbox.channel_config)
    fields = data.model_fields_set
    if "name" in fields and data.name is not None:
        inbox.name = data.name
    if "team_id" in fields:
        await _check_team(session, data.team_id)
        inbox.team_id = data.team_id
    was = health.health_of(inbox)
    if data.active is not None:
        inbox.active = data.active
    if data.settings is not None:
        merged = inbox_settings(inbox).model_dump()
        merged.update(data.settings.model_dump(exclude_unset=True, exclude_none=True))
        inbox.settings = InboxSettings.model_validate(merged).model_dump()
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="inbox.updated",
        target_type="inbox",
        target_id=inbox.id,
        data=data.model_dump(exclude_unset=True, exclude={"config"}),
    )
    inboxes_changed(session.info)
    await config_cache.changed(session, INBOXES)
    now = health.health_of(inbox)
    if now.state != was.state:  # turned off or on: admins' banners follow
        await bus.emit(session, ChannelHealthChanged(health=now, previous_state=was.state))
    return inbox


async def agents_online(session: AsyncSession, inbox: AnyInbox) -> bool:
    """Is anyone who answers this inbox (its team, or everyone when it has none) online?"""
    query = (
        select(func.count())
        .select_from(Agent)
        .where(Agent.active.is_(True), Agent.status == "online")
    )
    if inbox.team_id is not None:
        query = query.join(TeamMember, TeamMember.agent_id == Agent.id).where(
            TeamMember.team_id == inbox.team_id
        )
    return bool(await session.scalar(query))


async def widget_availability(session: AsyncSession) -> dict[int, bool]:
    """:func:`agents_online` of every active widget inbox, in one query."""
    directory = await config_cache.get(session, INBOXES)
    widgets = [i for i in directory.by_id.values() if i.channel == "widget" and i.active]
    if not widgets:
        return {}
    rows = await session.execute(
        select(Agent.id, TeamMember.team_id)
        .outerjoin(TeamMember, TeamMember.agent_id == Agent.id)
        .where(Agent.active.is_(True), Agent.status == "online")
    )
    anyone = False
    teams: set[int] = set()
    for _, team_id in rows:
        anyone = True
        if team_id is not None:
            teams.add(team_id)
    return {i.id: anyone if i.team_id is None else i.team_id in teams for i in widgets}


async def announce_availability(session: AsyncSession) -> None:
    """Tell the widgets, through their sockets, whether someone answers their inbox now
    (after an operator's presence changed; published only if the transaction commits)."""
    for inbox_id, online in (await widget_availability(session)).items():
        log.stage_transient(
            session,
            stream=inbox_stream(inbox_id),
            frame=AgentsOnlineFrame(online=online).model_dump(),
        )
