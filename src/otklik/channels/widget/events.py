"""The widget emits conversation events (see ``otklik.conversations.events``), and one of its
own: an admin replaced a widget inbox's identity secret. No realtime frame: the settings page
shows what it fetched; webhooks and the audit log may follow."""

from __future__ import annotations

from typing import ClassVar

from otklik.core.events import DomainEvent


class IdentitySecretRotated(DomainEvent):
    """Signatures made with the inbox's previous identity secret are refused from now on."""

    name: ClassVar[str] = "inbox.identity_secret_rotated"

    inbox_id: int
    actor_id: int
    #: ``True``: the inbox had no secret before (an inbox older than identity verification).
    first: bool
