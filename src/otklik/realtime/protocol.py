"""Frames on the wire. Event frames carry ``id`` and ``type``; transient frames have no id."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

STREAM_AGENTS = "agents"
#: Inside the server only (no socket subscribes to it): sign-in sessions that ended, so every
#: process forgets them and closes their sockets. Frames: {"type":"revoked", "auth_session_id"
#: or "agent_id"}.
STREAM_SESSIONS = "otklik:sessions"


def contact_stream(contact_id: int) -> str:
    return f"contact:{contact_id}"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A frame ready to send: serialised once, then written to every subscribed socket."""

    stream: str
    text: str
    event_id: int | None = None


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"), default=str)


def ready_frame(last_event_id: int) -> dict[str, Any]:
    return {"type": "ready", "last_event_id": last_event_id}


def resync_frame(last_event_id: int) -> dict[str, Any]:
    return {"type": "resync", "last_event_id": last_event_id}


HEARTBEAT = dumps({"type": "heartbeat"})
PONG = dumps({"type": "pong"})


def error_frame(code: str, message: str) -> str:
    return dumps({"type": "error", "code": code, "message": message})
