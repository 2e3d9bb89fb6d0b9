"""Which webhook events a domain event stands for ("status changed" and "assigned" are
derived from the old values ``conversations.changes`` notes)."""

from __future__ import annotations

from typing import Any

from otklik.conversations import changes
from otklik.conversations.events import ConversationCreated, ConversationUpdated, MessageCreated
from otklik.core.events import DomainEvent
from otklik.routing.events import ConversationEscalated

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


def webhook_events_for(event: DomainEvent, session_info: dict[str, Any]) -> list[str]:
    """The webhook event names a domain event stands for.

    A message can change its conversation too (a customer's message reopens it, an operator's
    first reply takes it), so status and assignment are derived on every conversation event."""
    if isinstance(event, ConversationEscalated):
        return [CONVERSATION_ESCALATED]
    found = []
    if isinstance(event, MessageCreated):
        found.append(MESSAGE_CREATED)
    elif isinstance(event, ConversationCreated):
        found.append(CONVERSATION_CREATED)
    elif not isinstance(event, ConversationUpdated):
        return []
    conversation = event.conversation
    state = {
        "status": conversation.status,
        "assignee_id": conversation.assignee_id,
        "team_id": conversation.team_id,
    }
    changed = changes.what_changed(changes.take(session_info, NOTES_KEY, conversation.id), state)
    if changes.STATUS in changed:
        found.append(CONVERSATION_STATUS_CHANGED)
    if changes.ASSIGNMENT in changed:
        found.append(CONVERSATION_ASSIGNED)
    return found
