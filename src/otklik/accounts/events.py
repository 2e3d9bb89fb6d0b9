"""Events of the accounts domain. Presence is sent live as a transient frame, never replayed."""

from __future__ import annotations

from typing import ClassVar, Literal

from otklik.accounts.schemas import BreakReason, Presence
from otklik.core.events import DomainEvent
from otklik.realtime.protocol import TransientFrame

PRESENCE = "presence"


class PresenceFrame(TransientFrame):
    """To operators, live only: an operator's presence changed."""

    type: Literal["presence"] = "presence"
    agent_id: int
    status: Presence
    #: Why, when ``status`` is ``break``.
    reason: BreakReason | None = None


#: Who changed a status: the operator, the system (sockets gone, idle), or a shift schedule.
StatusSource = Literal["operator", "auto", "schedule"]


class AgentStatusChanged(DomainEvent):
    """An operator's presence changed (routing takes from or gives back to the queues;
    workforce records it as an interval)."""

    name: ClassVar[str] = "agent.status_changed"
    agent_id: int
    status: str
    previous: str
    #: The break's reason when ``status == "break"``.
    reason: str | None = None
    source: StatusSource = "operator"
