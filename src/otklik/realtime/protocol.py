"""Frames on the wire. Event frames carry ``id`` and ``type``; transient frames have no id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from otklik.core.events import Reach

STREAM_AGENTS = "agents"
#: Inside the server only (no socket subscribes to it): sign-in sessions that ended, so every
#: process forgets them and closes their sockets. Frames: {"type":"revoked", "auth_session_id"
#: or "agent_id"}.
STREAM_SESSIONS = "otklik:sessions"
#: Inside the server only: operators' roles or memberships changed, so every process gives
#: its operators' sockets their new scope (``realtime/scopes.py``).
STREAM_SCOPES = "otklik:scopes"


def contact_stream(contact_id: int) -> str:
    return f"contact:{contact_id}"


def inbox_stream(inbox_id: int) -> str:
    """What every widget of an inbox hears (whether someone is online to answer)."""
    return f"inbox:{inbox_id}"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A frame ready to send: serialised once, then written to every subscribed socket."""

    stream: str
    text: str
    event_id: int | None = None
    #: The conversation it is about (operators' frames); ``None``: every listener hears it.
    reach: Reach | None = None


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"), default=str)


class TransientFrame(BaseModel):
    """A frame with no id (never replayed). Every one a client can receive is a model here
    or in its domain's ``events.py``; ``otklik.frames`` publishes their JSON Schema."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def text(self) -> str:
        return dumps(self.model_dump(mode="json"))


class ReadyFrame(TransientFrame):
    """Replay done (or nothing to replay): live events follow."""

    type: Literal["ready"] = "ready"
    last_event_id: int


class ResyncFrame(TransientFrame):
    """Too far behind to replay: refetch over HTTP, then carry on from ``last_event_id``."""

    type: Literal["resync"] = "resync"
    last_event_id: int


class HeartbeatFrame(TransientFrame):
    type: Literal["heartbeat"] = "heartbeat"


class PongFrame(TransientFrame):
    type: Literal["pong"] = "pong"


class ErrorFrame(TransientFrame):
    type: Literal["error"] = "error"
    code: str
    message: str


class AgentTypingFrame(TransientFrame):
    """To operators: someone (a visitor or another operator) is typing in a conversation."""

    type: Literal["typing"] = "typing"
    conversation_id: int
    author_type: Literal["agent", "contact"]
    author_id: int
    #: The operator's name; ``null`` for a visitor.
    name: str | None
    typing: bool


class VisitorTypingFrame(TransientFrame):
    """To the visitor: an operator is typing in their conversation."""

    type: Literal["typing"] = "typing"
    author_type: Literal["agent"] = "agent"
    name: str
    typing: bool


#: Frames every socket may receive whatever its audience.
PROTOCOL_FRAMES: tuple[type[TransientFrame], ...] = (
    ReadyFrame,
    ResyncFrame,
    HeartbeatFrame,
    PongFrame,
    ErrorFrame,
)


def ready_frame(last_event_id: int) -> dict[str, Any]:
    return ReadyFrame(last_event_id=last_event_id).model_dump()


def resync_frame(last_event_id: int) -> dict[str, Any]:
    return ResyncFrame(last_event_id=last_event_id).model_dump()


HEARTBEAT = HeartbeatFrame().text()
PONG = PongFrame().text()


def error_frame(code: str, message: str) -> str:
    return ErrorFrame(code=code, message=message).text()
