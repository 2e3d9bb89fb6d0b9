"""Events of the accounts domain. Presence is sent live as a transient frame, never replayed."""

from __future__ import annotations

from typing import ClassVar

from otklik.core.events import DomainEvent

PRESENCE = "presence"


class AgentStatusChanged(DomainEvent):
    """An operator's presence changed (routing takes from or gives back to the queues)."""

    name: ClassVar[str] = "agent.status_changed"
    agent_id: int
    status: str
    previous: str
