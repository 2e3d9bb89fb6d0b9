"""The one interface every channel implements, and the registry that finds them.

A channel turns what arrives from outside (a mail, a Telegram update, an API call) into an
:class:`InboundMessage` and hands it to :func:`otklik.channels.inbound.receive`; and it
delivers operators' replies with :meth:`ChannelPlugin.send`, which runs in a job outside any
database transaction. Channels register under the entry-point group ``otklik.channels``, so a
VK, WhatsApp or MAX bridge is a separate package that installs next to Otklik.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from fastapi import APIRouter
from pydantic import BaseModel

from otklik.core.hot import HotHandler

if TYPE_CHECKING:
    from otklik.config import Settings
    from otklik.core.db import Database
    from otklik.core.writer import Committed

ENTRY_POINT_GROUP = "otklik.channels"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class InboundFile:
    """A file that came with a customer's message (a mail attachment, a Telegram photo)."""

    filename: str
    data: bytes
    #: Its own size bound instead of the workspace's attachment limit: the email channel
    #: keeps a mail it could not show whole (``original.eml``) up to the size it accepts mail.
    max_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer message, normalised."""

    #: The channel's id of the message; a second delivery of the same id is ignored.
    external_id: str
    #: The channel's id of the customer (Telegram user id, email address, API contact id).
    sender_id: str
    text: str
    sender_name: str | None = None
    sender_email: str | None = None
    #: The conversation the channel resolved this message to (a mail reply's thread);
    #: ``None`` lets Otklik use the customer's latest conversation in the inbox.
    conversation_id: int | None = None
    #: Start a new conversation even if the customer has one (a mail with a new subject).
    new_conversation: bool = False
    #: Kept on the message: headers, the raw original, the channel's own ids.
    channel_data: dict[str, Any] = field(default_factory=dict)
    #: Stored as attachments by ``inbound.receive`` (give it ``settings=``); type sniffed,
    #: files over ``OTKLIK_MAX_ATTACHMENT_BYTES`` skipped and named in ``skipped_files``.
    files: tuple[InboundFile, ...] = ()


@dataclass(frozen=True, slots=True)
class Button:
    """One choice under an automatic message (a survey's score): Telegram shows it as an
    inline button that sends ``callback_data`` back; email as a link to ``url``."""

    label: str
    url: str
    callback_data: str

    @classmethod
    def parse(cls, raw: object) -> Button | None:
        """From a message's ``channel_data["buttons"]`` entry; ``None`` if malformed."""
        if not isinstance(raw, dict):
            return None
        label, url, data = (raw.get(k) for k in ("label", "url", "callback_data"))
        if not (isinstance(label, str) and isinstance(url, str) and isinstance(data, str)):
            return None
        return cls(label, url, data)


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """An operator's public reply to deliver through the customer's channel."""

    message_id: int
    conversation_id: int
    text: str
    #: The customer's id on the channel (see :class:`InboundMessage.sender_id`).
    recipient_id: str
    recipient_name: str | None
    recipient_email: str | None
    author_name: str | None
    #: The inbox's decrypted channel configuration.
    config: dict[str, Any]
    #: ``channel_data`` of the conversation's earlier messages, oldest first (for threading).
    thread: list[dict[str, Any]]
    #: Written by a bot or the system, not by an operator (mail marks it ``Auto-Submitted``).
    automatic: bool = False
    #: The reply's attachments; read ``path`` in ``send`` (it runs outside any transaction).
    files: tuple[OutboundFile, ...] = ()
    #: The subject the operator gave an email reply (``None``: the channel's default).
    subject: str | None = None
    #: Choices under the message, in one row (a survey's scale); plain replies have none.
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboundFile:
    filename: str
    #: Sniffed from the content when it was stored.
    content_type: str
    size: int
    path: Path


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    external_id: str | None = None
    channel_data: dict[str, Any] = field(default_factory=dict)


class DeliveryError(Exception):
    """A permanent failure (bad address, bot blocked by the user): retrying will not help."""


class ChannelFailure(Exception):
    """The channel itself fails (its credentials refused, its server unreachable), not this
    one message: the inbox shows as failing with this text, in plain words (channel health),
    and the delivery is tried again later."""


@runtime_checkable
class ChannelPlugin(Protocol):
    #: The ``channel`` value of inboxes this plugin serves (``email``, ``telegram``, ``api``).
    name: str
    #: Validates an inbox's ``channel_config``.
    config_model: type[BaseModel]
    #: Fields of ``config_model`` that are secrets: encrypted at rest, never sent to browsers.
    secret_fields: frozenset[str]
    # Optional: ``secret_destinations: Mapping[str, frozenset[str]]`` — for a secret, the
    # fields that decide where it is sent (host, port, user…). Changing one of them while
    # keeping the stored secret is refused (see ``channels/config.py``).

    async def send(self, message: OutboundMessage) -> DeliveryResult: ...

    def routers(self) -> list[APIRouter]: ...


@runtime_checkable
class HotRoutesPlugin(Protocol):
    """Optional: a plugin's busiest endpoints served past the router (``core/hot.py``);
    each stays registered in ``routers()`` too."""

    def hot_routes(self) -> Mapping[tuple[str, str], HotHandler]: ...


@runtime_checkable
class BackgroundPlugin(Protocol):
    """Optional hooks of a plugin with work of its own (a mailbox poller, a bot's long poll).

    The process that runs jobs (the app with ``run_jobs_in_app``, or ``otklik worker``) calls
    ``start`` once after startup and ``stop`` on shutdown; a plugin without them is left alone.
    """

    async def start(self, *, db: Database, settings: Settings) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class RescanningPlugin(Protocol):
    """A background plugin that looks at the inboxes now and then and can be told to look now."""

    def wake(self) -> None: ...


#: Set in ``session.info`` by a write that created or changed an inbox.
INBOXES_CHANGED = "otklik.channels.inboxes_changed"


def inboxes_changed(session_info: dict[str, Any]) -> None:
    """Note that this transaction changes inboxes: running plugins look again after commit."""
    session_info[INBOXES_CHANGED] = True


async def _wake_after_inbox_change(session: Committed) -> None:
    if session.info.pop(INBOXES_CHANGED, False):
        for plugin in list(_plugins.values()):
            if isinstance(plugin, RescanningPlugin):
                plugin.wake()


async def start_plugins(*, db: Database, settings: Settings) -> None:
    for plugin in list(_plugins.values()):
        if isinstance(plugin, BackgroundPlugin):
            await plugin.start(db=db, settings=settings)
    if _wake_after_inbox_change not in db.after_commit:
        db.after_commit.append(_wake_after_inbox_change)


async def stop_plugins() -> None:
    for plugin in list(_plugins.values()):
        if isinstance(plugin, BackgroundPlugin):
            await plugin.stop()


_plugins: dict[str, ChannelPlugin] = {}


def register(plugin: ChannelPlugin) -> ChannelPlugin:
    if plugin.name in _plugins and _plugins[plugin.name] is not plugin:
        raise ValueError(f"two channel plugins named {plugin.name!r}")
    _plugins[plugin.name] = plugin
    return plugin


def load_entry_points() -> None:
    """Register every plugin installed under the ``otklik.channels`` entry-point group."""
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            plugin = entry.load()
            register(plugin() if isinstance(plugin, type) else plugin)
        except Exception:  # one broken bridge must not take the whole desk down
            log.exception("channel plugin %r could not be loaded", entry.name)


def plugin_for(channel: str) -> ChannelPlugin | None:
    return _plugins.get(channel)


def channel_names() -> list[str]:
    return ["widget", *sorted(_plugins)]
