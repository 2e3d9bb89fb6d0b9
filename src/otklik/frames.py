"""Every realtime frame a client can receive, as models and as one JSON Schema document.

The operator app and the widget generate their frame types from this schema at build time
(``npm run gen:events``, JSON Schema → TypeScript), so they are never kept in step by hand.
The models are the ones the server builds its frames from:

* event frames ``{"id", "type", "data"}``: each typed event's :attr:`DomainEvent.frames` and
  the few frames still appended straight to the log (contacts, attributes, scripts), whose
  ``data`` is built through :meth:`FrameKind.payload` from the same model;
* transient frames (no id: presence, typing) and the protocol's own (``ready``, ``resync``,
  ``heartbeat``, ``pong``, ``error``), built from the models in ``realtime/protocol.py`` and
  ``accounts/events.py``.

It imports every domain's events, so it sits beside ``wiring.py`` above the domains.

    python -m otklik.frames [--audience agents|visitor] [-o FILE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from pydantic_core import core_schema

from otklik.accounts.events import PresenceFrame
from otklik.attributes.events import DEFINITION_CHANGED_FRAME
from otklik.channels.events import AgentsOnlineFrame, ChannelHealthChanged
from otklik.contacts.events import (
    COMPANY_CHANGED_FRAME,
    CONTACT_NOTE_CHANGED_FRAME,
    CONTACT_UPDATED_FRAME,
    ContactsMerged,
)
from otklik.conversations.events import (
    ConversationCreated,
    ConversationMerged,
    ConversationUpdated,
    MentionCreated,
    MentionsRead,
    MessageCreated,
    MessageUpdated,
)
from otklik.core.events import Audience, DomainEvent, FrameKind
from otklik.realtime.protocol import (
    PROTOCOL_FRAMES,
    AgentTypingFrame,
    TransientFrame,
    VisitorTypingFrame,
)
from otklik.routing.events import ConversationEscalated, ConversationHandedBack
from otklik.scripts.events import CHANGED_FRAMES, IMPORTED_FRAME
from otklik.sla.events import SlaBreached, SlaWarning
from otklik.surveys.events import SurveyResponded, SurveySent
from otklik.workforce.events import ScheduleChanged, ScheduleRequestChanged

#: Typed events that write frames (a test checks that none is missing).
EVENTS: tuple[type[DomainEvent], ...] = (
    ConversationCreated,
    ConversationUpdated,
    MessageCreated,
    MessageUpdated,
    ConversationMerged,
    ContactsMerged,
    ConversationEscalated,
    ConversationHandedBack,
    ChannelHealthChanged,
    MentionCreated,
    MentionsRead,
    SlaBreached,
    SlaWarning,
    SurveySent,
    SurveyResponded,
    ScheduleChanged,
    ScheduleRequestChanged,
)
#: Event frames appended to the log without a typed event.
LOGGED: tuple[FrameKind[Any], ...] = (
    CONTACT_UPDATED_FRAME,
    CONTACT_NOTE_CHANGED_FRAME,
    COMPANY_CHANGED_FRAME,
    DEFINITION_CHANGED_FRAME,
    *CHANGED_FRAMES.values(),
    IMPORTED_FRAME,
)
TRANSIENT: dict[Audience, tuple[type[TransientFrame], ...]] = {
    "agents": (PresenceFrame, AgentTypingFrame),
    "visitor": (VisitorTypingFrame, AgentsOnlineFrame),
}
AUDIENCES: tuple[Audience, ...] = ("agents", "visitor")
#: The TypeScript names of each audience's unions (``AgentFrame = AgentEventFrame | …``).
PREFIX: dict[Audience, str] = {"agents": "Agent", "visitor": "Visitor"}
SCHEMA_ID = "https://otklik.dev/schemas/realtime-frames.json"


class EventFrame(BaseModel):
    """Base of the envelope ``{"id", "type", "data"}`` of an event of the realtime log."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Catalogue:
    """One audience's frames, grouped the way the clients handle them."""

    audience: Audience
    events: tuple[type[BaseModel], ...]
    transient: tuple[type[BaseModel], ...]
    protocol: tuple[type[BaseModel], ...]

    @property
    def all(self) -> tuple[type[BaseModel], ...]:
        return (*self.events, *self.transient, *self.protocol)

    def adapter(self) -> TypeAdapter[Any]:
        """Validates any frame this audience may receive (the ``type`` picks the model)."""
        union: Any = Union.__getitem__(self.all)
        return TypeAdapter(Annotated[union, Field(discriminator="type")])


def kinds(audience: Audience) -> list[FrameKind[Any]]:
    """Every kind of event frame ``audience`` hears, once each, in a stable order."""
    seen: dict[str, FrameKind[Any]] = {}
    every = [kind for event in EVENTS for kind in event.frames]
    for kind in [*every, *LOGGED]:
        if kind.audience != audience:
            continue
        known = seen.setdefault(kind.type, kind)
        if known.data is not kind.data:
            raise TypeError(f"{kind.type} for {audience}: {known.data} or {kind.data}?")
    return sorted(seen.values(), key=lambda kind: kind.type)


def frame_type(model: type[BaseModel]) -> str:
    """The ``type`` every frame of ``model`` has."""
    (value,) = get_args(model.model_fields["type"].annotation)
    return str(value)


def _pascal(kind: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[._]", kind))


def _envelope(kind: FrameKind[Any]) -> type[BaseModel]:
    prefix = "Visitor" if kind.audience == "visitor" else ""
    literal: Any = Literal.__getitem__(kind.type)
    model = create_model(
        f"{prefix}{_pascal(kind.type)}Frame",
        __base__=EventFrame,
        __doc__=f"`{kind.type}` on the {kind.audience} stream.",
        id=(int, ...),
        type=(literal, ...),
        data=(kind.data, ...),
    )
    return model


@cache
def catalogue(audience: Audience) -> Catalogue:
    events = tuple(_envelope(kind) for kind in kinds(audience))
    found = Catalogue(audience, events, TRANSIENT[audience], PROTOCOL_FRAMES)
    types = [frame_type(model) for model in found.all]
    if len(set(types)) != len(types):
        raise TypeError(f"two {audience} frames share a type: {types}")
    return found


class _AsSent(GenerateJsonSchema):
    """Serialisation schemas where every field is required: ``model_dump`` always writes it."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization":
            return not field.get("serialization_exclude")
        return super().field_is_required(field, total)

    def field_title_should_be_set(self, schema: Any) -> bool:
        # Titles name types in the generated TypeScript: only models get one.
        return False


def _union(title: str, description: str, models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    refs = [{"$ref": f"#/$defs/{model.__name__}"} for model in models]
    return {"title": title, "description": description, "oneOf": refs}


def schema(audiences: Sequence[Audience] = AUDIENCES) -> dict[str, Any]:
    """The JSON Schema document of every frame the given audiences receive."""
    catalogues = [catalogue(audience) for audience in audiences]
    models = {model.__name__: model for found in catalogues for model in found.all}
    _, top = models_json_schema(
        [(model, "serialization") for model in models.values()],
        ref_template="#/$defs/{model}",
        schema_generator=_AsSent,
    )
    defs: dict[str, Any] = top["$defs"]
    if set(models) - set(defs):
        raise TypeError(f"model names clash: {sorted(set(models) - set(defs))}")
    defs["ProtocolFrame"] = _union(
        "ProtocolFrame", "Frames of the socket protocol itself.", PROTOCOL_FRAMES
    )
    properties: dict[str, Any] = {}
    for found in catalogues:
        prefix = PREFIX[found.audience]
        whom = "operators (stream `agents`)" if prefix == "Agent" else "a visitor (`contact:<id>`)"
        defs[f"{prefix}EventFrame"] = _union(
            f"{prefix}EventFrame", f"Events of the log {whom} hear.", found.events
        )
        defs[f"{prefix}TransientFrame"] = _union(
            f"{prefix}TransientFrame", f"Live-only frames (no id) {whom} hear.", found.transient
        )
        defs[f"{prefix}Frame"] = {
            "title": f"{prefix}Frame",
            "description": f"Any frame the socket of {whom} receives.",
            "oneOf": [
                {"$ref": f"#/$defs/{prefix}EventFrame"},
                {"$ref": f"#/$defs/{prefix}TransientFrame"},
                {"$ref": "#/$defs/ProtocolFrame"},
            ],
        }
        properties[found.audience] = {"$ref": f"#/$defs/{prefix}Frame"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "RealtimeFrames",
        "description": "Every frame an Otklik socket sends, by audience (see otklik.frames).",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m otklik.frames",
        description="Write the JSON Schema of every realtime frame a client can receive.",
    )
    parser.add_argument(
        "--audience",
        choices=AUDIENCES,
        action="append",
        help="only the frames of this audience (repeatable; default: all)",
    )
    parser.add_argument("-o", "--output", help="write here instead of standard output")
    args = parser.parse_args(argv)
    text = dumps(schema(tuple(args.audience or AUDIENCES)))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
