"""Events of the routing domain."""

from __future__ import annotations

CONVERSATION_ESCALATED = "conversation.escalated"
CONVERSATION_HANDED_BACK = "conversation.handed_back"
