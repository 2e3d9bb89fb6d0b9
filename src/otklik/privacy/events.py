"""Typed events of personal-data work. They carry ids and counts, never personal data;
no live frame (the customer card refetches after its own erase)."""

from __future__ import annotations

from typing import ClassVar

from otklik.core.events import DomainEvent


class ContactErased(DomainEvent):
    """An admin erased a contact: its conversations now belong to ``placeholder_id``."""

    name: ClassVar[str] = "privacy.contact_erased"

    contact_id: int
    placeholder_id: int
    conversation_ids: tuple[int, ...]


class ConversationsErased(DomainEvent):
    """The retention job anonymised resolved conversations past the workspace's period."""

    name: ClassVar[str] = "privacy.conversations_erased"

    conversation_ids: tuple[int, ...]
