"""Event types about conversations and the payloads each audience receives."""

from __future__ import annotations

CONVERSATION_CREATED = "conversation.created"
CONVERSATION_UPDATED = "conversation.updated"
MESSAGE_CREATED = "message.created"
CONVERSATION_MERGED = "conversation.merged"
MESSAGE_UPDATED = "message.updated"
