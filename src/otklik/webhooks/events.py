"""Which webhook events an operator event stands for ("status changed" and "assigned" are
derived from the old values ``conversations.changes`` notes)."""

from __future__ import annotations

from typing import Any

from otklik.conversations import changes
from otklik.conversations import events as conversation_events
from otklik.realtime.models import Event
from otklik.routing import events as routing_events

MESSAGE_CREATED = "message.created"
CONVERSATION_CREATED = "conversation.created"
CONVERSATION_STATUS_CHANGED = "conversation.status_changed"
CONVERSATION_ASSIGNED = "conversation.assigned"
CONVERSATION_ESCALATED = "conversation.escalated"

#: Where this reader's notes of old conversation values are kept (``conversations.changes``);
#: automation's own changes are noted too: they are changes for integrators as well.
NOTES_KEY = "otklik.webhooks.before"


def install_notes() -> None:
    changes.register(NOTES_KEY, skip_automation=False)


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
    if not isinstance(data.get("id"), int):
        return found
    changed = changes.what_changed(changes.take(session_info, NOTES_KEY, data["id"]), data)
    if changes.STATUS in changed:
        found.append(CONVERSATION_STATUS_CHANGED)
    if changes.ASSIGNMENT in changed:
        found.append(CONVERSATION_ASSIGNED)
    return found
