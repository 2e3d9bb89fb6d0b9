"""Typed events of the SLA domain: a target is about to be missed, or was missed.

Each is emitted once per clock by the sweeper (``sla/jobs.py``), whose guarded UPDATE
(``state = 'running'`` / ``warned_at IS NULL``) lets only one pass claim it. Operators hear a
frame marked with the conversation's reach, so the assignee and the supervisors of its inbox
and team (the team lead) see it live.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from otklik.core.events import DomainEvent, FeedEntry, FrameData, FrameKind, Reach
from otklik.realtime.protocol import STREAM_AGENTS

SLA_BREACHED = "sla.breached"
SLA_WARNING = "sla.warning"

Target = Literal["first_response", "next_response", "resolution", "ola_response", "ola_resolution"]


class SlaAlertData(FrameData):
    conversation_id: int
    target: Target
    policy_id: int | None
    due_at: datetime
    assignee_id: int | None


SLA_BREACHED_FRAME = FrameKind("agents", SLA_BREACHED, SlaAlertData)
SLA_WARNING_FRAME = FrameKind("agents", SLA_WARNING, SlaAlertData)


class _Alert(DomainEvent):
    conversation_id: int
    target: Target
    policy_id: int | None
    due_at: datetime
    reach: Reach

    def _data(self) -> SlaAlertData:
        return SlaAlertData(
            conversation_id=self.conversation_id,
            target=self.target,
            policy_id=self.policy_id,
            due_at=self.due_at,
            assignee_id=self.reach.assignee_id,
        )


class SlaBreached(_Alert):
    name: ClassVar[str] = SLA_BREACHED
    frames = (SLA_BREACHED_FRAME,)

    def feed(self) -> list[FeedEntry]:
        return [SLA_BREACHED_FRAME.entry(STREAM_AGENTS, self._data(), self.reach)]


class SlaWarning(_Alert):
    """The target is due within the warning lead (10 minutes by default)."""

    name: ClassVar[str] = SLA_WARNING
    frames = (SLA_WARNING_FRAME,)

    def feed(self) -> list[FeedEntry]:
        return [SLA_WARNING_FRAME.entry(STREAM_AGENTS, self._data(), self.reach)]
