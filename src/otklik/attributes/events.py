"""Attribute values travel inside ``conversation.updated`` and ``contact.updated``; the
definitions have an event of their own, so open customer cards and forms follow them."""

from __future__ import annotations

#: ``{"id", "entity", "deleted"}`` — a definition was created, changed or deleted.
DEFINITION_CHANGED = "attribute_definition.changed"
