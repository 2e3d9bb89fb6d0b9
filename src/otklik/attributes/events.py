"""Attribute values travel inside ``conversation.updated`` and ``contact.updated``; the
definitions have an event of their own, so open customer cards and forms follow them."""

from __future__ import annotations

from otklik.attributes.schemas import Entity
from otklik.core.events import FrameData, FrameKind

#: ``{"id", "entity", "deleted"}`` — a definition was created, changed or deleted.
DEFINITION_CHANGED = "attribute_definition.changed"


class DefinitionChangedData(FrameData):
    id: int
    entity: Entity
    deleted: bool


DEFINITION_CHANGED_FRAME = FrameKind("agents", DEFINITION_CHANGED, DefinitionChangedData)
