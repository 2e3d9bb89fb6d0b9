"""Facts for conversations that existed before the reports did (``otklik backfill-reports``).

Each conversation's stored history is replayed through the same functions the event
subscribers use (``tracking.py``), so the rules cannot drift apart: its creation, the
customers' messages and operators' public replies in order, its escalations and
hand-backs, and its resolution. What the database does not keep is not invented: earlier
resolutions and reopenings (only the last resolution is stored) and the assignment history
(the current assignee is taken as assigned at the resolution, or at the last activity of an
open conversation). Conversations that already have facts are skipped, so it can be run
again, and it works in batches, one transaction each.

This is the one place the reports read other domains' tables (a one-off bulk read; through
their services it would be one request per conversation): by name, as lightweight tables,
never through their models.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, column, exists, select, table
from sqlalchemy.engine import Connection

from otklik.core.db import Json, UTCDateTime
from otklik.reports import tracking
from otklik.reports.models import ReportConversation
from otklik.reports.tracking import Conv
from otklik.sla.policies import SlaConfig

_STATE = cast(Table, ReportConversation.__table__)
_conversations = table(
    "conversations",
    column("id"),
    column("inbox_id"),
    column("channel"),
    column("team_id"),
    column("assignee_id"),
    column("status"),
    column("created_at", UTCDateTime()),
    column("resolved_at", UTCDateTime()),
    column("last_activity_at", UTCDateTime()),
    column("tags", Json),
)
_messages = table(
    "messages",
    column("id"),
    column("conversation_id"),
    column("author_type"),
    column("author_id"),
    column("private"),
    column("created_at", UTCDateTime()),
)
_escalations = table(
    "escalations",
    column("id"),
    column("conversation_id"),
    column("from_agent_id"),
    column("from_team_id"),
    column("to_team_id"),
    column("created_at", UTCDateTime()),
    column("handed_back_at", UTCDateTime()),
    column("handed_back_by_id"),
)


@dataclass(frozen=True, slots=True)
class _Step:
    at: datetime
    order: int
    kind: str
    row: Any


def _timeline(messages: list[Any], escalations: list[Any]) -> list[_Step]:
    steps = [_Step(m.created_at, m.id, m.author_type, m) for m in messages]
    for e in escalations:
        steps.append(_Step(e.created_at, 0, "escalated", e))
        if e.handed_back_at is not None:
            steps.append(_Step(e.handed_back_at, 0, "handed_back", e))
    return sorted(steps, key=lambda s: (s.at, s.order))


def _replay(conn: Connection, config: SlaConfig, row: Any, steps: list[_Step]) -> None:
    tags = tuple(sorted(set(row.tags or ())))
    conv = Conv(row.id, row.inbox_id, row.channel, row.team_id, None, "open", row.created_at, tags)
    tracking.created(conn, config, conv)
    for step in steps:
        r = step.row
        if step.kind == "contact":
            tracking.customer_wrote(conn, conv, step.at, reopened=False)
        elif step.kind == "agent" and not r.private:
            tracking.operator_replied(conn, config, conv, r.author_id, step.at)
        elif step.kind == "escalated":
            tracking.escalated(
                conn,
                r.conversation_id,
                step.at,
                agent_id=r.from_agent_id,
                from_team_id=r.from_team_id,
            )
        elif step.kind == "handed_back":
            tracking.handed_back(
                conn, r.conversation_id, step.at, agent_id=r.handed_back_by_id, team_id=r.to_team_id
            )
    now = Conv(
        row.id,
        row.inbox_id,
        row.channel,
        row.team_id,
        row.assignee_id,
        row.status,
        row.created_at,
        tags,
    )
    last = steps[-1].at if steps else row.created_at
    at = row.resolved_at if row.status == "resolved" and row.resolved_at else last
    tracking.updated(conn, config, now, max(at, last))


def batch(conn: Connection, config: SlaConfig, *, after_id: int, size: int) -> int | None:
    """Replay up to ``size`` conversations without facts whose id is above ``after_id``;
    the last id done, or ``None`` when there were none left."""
    c = _conversations.c
    rows = conn.execute(
        select(_conversations)
        .where(
            c.id > after_id,
            ~exists().where(_STATE.c.conversation_id == c.id),
        )
        .order_by(c.id)
        .limit(size)
    ).all()
    if not rows:
        return None
    ids = [r.id for r in rows]
    messages: dict[int, list[Any]] = defaultdict(list)
    for m in conn.execute(
        select(_messages)
        .where(
            _messages.c.conversation_id.in_(ids),
            _messages.c.author_type.in_(("contact", "agent")),
        )
        .order_by(_messages.c.id)
    ):
        messages[m.conversation_id].append(m)
    escalations: dict[int, list[Any]] = defaultdict(list)
    for e in conn.execute(select(_escalations).where(_escalations.c.conversation_id.in_(ids))):
        escalations[e.conversation_id].append(e)
    for row in rows:
        _replay(conn, config, row, _timeline(messages[row.id], escalations[row.id]))
    return int(ids[-1])
