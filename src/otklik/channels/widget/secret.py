"""A widget inbox's identity secret: the key the customer's site signs its user ids with
(``HMAC-SHA256(secret, user_id + timestamp)``, ADR 27).

Made by the server when the inbox is created, kept in the inbox's channel config sealed like
every channel secret (``core/crypto.py``), shown to admins only and replaced on their word;
the old one stops verifying at once. An inbox made before identity verification has none until
an admin generates it, and verifies nothing meanwhile.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.audit import service as audit
from otklik.channels.models import Inbox
from otklik.channels.widget.events import IdentitySecretRotated
from otklik.core.crypto import SecretBox
from otklik.core.errors import not_found
from otklik.core.events import bus

FIELD = "identity_secret"


def new_secret() -> str:
    """256 random bits as 64 hex characters: easy to paste into any site's configuration."""
    return secrets.token_hex(32)


def with_new_secret(config: dict[str, Any], box: SecretBox) -> tuple[dict[str, Any], str]:
    """The channel config with a fresh sealed secret, and that secret in clear."""
    secret = new_secret()
    return {**config, FIELD: box.seal(secret)}, secret


def opened(config: dict[str, Any], box: SecretBox) -> str | None:
    """The secret in clear; ``None`` when there is none, or it was sealed with another server
    key (it must then be generated again: nothing verifies with it)."""
    sealed = config.get(FIELD)
    if not isinstance(sealed, str) or not sealed:
        return None
    try:
        return box.open(sealed)
    except ValueError:
        return None


async def _widget_inbox(session: AsyncSession, inbox_id: int, *, lock: bool = False) -> Inbox:
    inbox = await session.get(Inbox, inbox_id, with_for_update=lock)
    if inbox is None or inbox.channel != "widget":
        raise not_found("Widget inbox", inbox_id)
    return inbox


async def secret_of(session: AsyncSession, *, inbox_id: int, box: SecretBox) -> str | None:
    """The widget inbox's identity secret in clear (``None``: it has none yet)."""
    return opened((await _widget_inbox(session, inbox_id)).channel_config, box)


async def rotate(session: AsyncSession, *, inbox_id: int, actor_id: int, box: SecretBox) -> str:
    """A new secret for the inbox (the first, or instead of the old one); returned in clear."""
    inbox = await _widget_inbox(session, inbox_id, lock=True)
    first = opened(inbox.channel_config, box) is None
    inbox.channel_config, secret = with_new_secret(inbox.channel_config, box)
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="inbox.identity_secret_rotated",
        target_type="inbox",
        target_id=inbox.id,
        data={"first": first},
    )
    await bus.emit(session, IdentitySecretRotated(inbox_id=inbox.id, actor_id=actor_id, first=first))
    return secret
