"""Typed events of workforce: an operator's schedule changed (a lead's edit, approved time
off or swap), and a time-off or swap request was made or moved on.

Who hears them live: the operators concerned and the leads of their teams. A frame's reach
is the operator as its "assignee" (they hear it), their team (its supervisors hear it) and
inbox ``0``, which no inbox has (ids start at 1), so nobody else hears it through an inbox;
admins hear everything (``accounts/access.py``). An operator in several teams gets one frame
per team (a lead of both hears it twice; the clients only refetch, so that is harmless).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from otklik.core.events import DomainEvent, FeedEntry, FrameData, FrameKind, Reach
from otklik.realtime.protocol import STREAM_AGENTS
from otklik.workforce.schemas import RequestOut

SCHEDULE_CHANGED = "workforce.schedule_changed"
REQUEST_CHANGED = "workforce.request_changed"


class ScheduleChangedData(FrameData):
    """``workforce.schedule_changed``: refetch the operator's days ``date_from``..``date_to``."""

    agent_id: int
    date_from: date
    date_to: date


class RequestChangedData(FrameData):
    """``workforce.request_changed``: the request as it is now."""

    request: RequestOut


SCHEDULE_CHANGED_FRAME = FrameKind("agents", SCHEDULE_CHANGED, ScheduleChangedData)
REQUEST_CHANGED_FRAME = FrameKind("agents", REQUEST_CHANGED, RequestChangedData)


def reaches(agent_id: int, team_ids: Sequence[int]) -> list[Reach]:
    """Where a frame about ``agent_id`` goes: them, their teams' leads, admins."""
    return [Reach(0, team_id, agent_id) for team_id in team_ids] or [Reach(0, None, agent_id)]


class ScheduleChanged(DomainEvent):
    """The shifts of ``agent_id`` from ``date_from`` to ``date_to`` changed."""

    name: ClassVar[str] = SCHEDULE_CHANGED
    frames = (SCHEDULE_CHANGED_FRAME,)
    agent_id: int
    team_ids: tuple[int, ...]
    date_from: date
    date_to: date
    #: ``edit``, ``time_off``, ``swap``, or ``pattern`` (an assignment, a pattern or a
    #: template changed).
    kind: str

    def feed(self) -> list[FeedEntry]:
        data = ScheduleChangedData(
            agent_id=self.agent_id, date_from=self.date_from, date_to=self.date_to
        )
        return [
            SCHEDULE_CHANGED_FRAME.entry(STREAM_AGENTS, data, reach)
            for reach in reaches(self.agent_id, self.team_ids)
        ]


class ScheduleRequestChanged(DomainEvent):
    """A time-off or swap request was made, accepted, approved, declined or cancelled."""

    name: ClassVar[str] = REQUEST_CHANGED
    frames = (REQUEST_CHANGED_FRAME,)
    request: RequestOut
    #: The requester's teams (their leads decide).
    team_ids: tuple[int, ...]

    def feed(self) -> list[FeedEntry]:
        data = RequestChangedData(request=self.request)
        targets = reaches(self.request.agent_id, self.team_ids)
        if self.request.colleague_id is not None:
            targets.append(Reach(0, None, self.request.colleague_id))
        return [REQUEST_CHANGED_FRAME.entry(STREAM_AGENTS, data, reach) for reach in targets]
