"""API shapes for escalation, hand-back and transfer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from otklik.core.schemas import StrictModel


class EscalateIn(StrictModel):
    #: Default: the team the current one escalates to, else the next line's first team.
    to_team_id: int | None = None
    reason: str = Field(min_length=1, max_length=2000)
    hand_back: bool = False


class HandBackIn(StrictModel):
    note: str = Field(min_length=1, max_length=4000)


class TransferIn(StrictModel):
    agent_id: int | None = None
    team_id: int | None = None
    note: str | None = Field(default=None, max_length=4000)


class EscalationOut(BaseModel):
    id: int
    conversation_id: int
    from_agent_id: int | None
    from_team_id: int | None
    to_team_id: int
    reason: str
    hand_back: bool
    created_at: datetime
    handed_back_at: datetime | None
    handed_back_by_id: int | None


class QueueOut(BaseModel):
    position: int | None
