"""Which webhook events an operator event stands for.

Events carry the conversation's new state only; "status changed" and "assigned" need the
old one. As in ``scripts/changes.py``, an ``after_flush`` hook notes the first old value per
conversation and field in ``session.info`` (under this domain's own key, and also while
automation acts: a rule's changes are changes for integrators too); the listener takes the
notes when the conversation's next operator event arrives.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import inspect
from sqlalchemy.orm import Session, UOWTransaction

from otklik.conversations import events as conversation_events
from otklik.conversations.models import Conversation
from otklik.realtime.models import Event
from otklik.routing import events as routing_events

MESSAGE_CREATED = "message.created"
CONVERSATION_CREATED = "conversation.created"
CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
CONVERSATION_ASSIGNED = "conversation.assigned"
CONVERSATION_ESCALATED = "conversation.escalated"

WATCHED = ("status", "assignee_id", "team_id")
NOTES_KEY = "otklik.webhooks.before"


def _note(session: Session, _flush: UOWTransaction) -> None:
    for obj in session.dirty:
        if not isinstance(obj, Conversation):
            continue
        attrs = inspect(obj).attrs
        for name in WATCHED:
            history = attrs[name].history
            if history.added and history.deleted:
                notes: dict[int, dict[str, Any]] = session.info.setdefault(NOTES_KEY, {})
                notes.setdefault(obj.id, {}).setdefault(name, history.deleted[0])


def install_notes() -> None:
    if not sa_event.contains(Session, "after_flush", _note):
        sa_event.listen(Session, "after_flush", _note)


def webhook_events_for(event: Event, session_info: dict[str, Any]) -> list[str]:
    """The webhook event names for one event of the ``agents`` stream.

    A message can change its conversation too (a customer's message reopens it, an operator's
    first reply takes it), so status and assignment are derived on every conversation event."""
    if event.type == routing_events.CONVERSATION_ESCALATED:
        return [CONVERSATION_ESCALATED]
    found = []
    if event.type == conversation_events.MESSAGE_CREATED:
        found.append(MESSAGE_CREATED)
    elif event.type == conversation_events.CONVERSATION_CREATED:
        found.append(CONVERSATION_CREATED)
    elif event.type != conversation_events.CONVERSATION_UPDATED:
        return []
    data = event.payload.get("conversation") or {}
    notes: dict[int, dict[str, Any]] = session_info.get(NOTES_KEY, {})
    before = notes.pop(data["id"], {}) if isinstance(data.get("id"), int) else {}
    if "status" in before and before["status"] != data.get("status"):
        found.append(CONVERSATION_STATUS_CHANGED)
    if any(
        before[name] != data.get(name) and data.get(name) is not None
        for name in ("assignee_id", "team_id")
        if name in before
    ):
        found.append(CONVERSATION_ASSIGNED)
    return found
