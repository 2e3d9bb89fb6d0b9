"""SQL pieces the operator's list (``conversations/queues.py``) orders and filters by:
each conversation's nearest deadline, and whether it has a missed or a nearly due target.

They read the clocks through their primary key (``conversation_id``, ``target``): at most five
rows per conversation, the same definition ``GET /sla/due`` answers with (running or missed
clocks with a due time)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, exists, func, select

from otklik.sla.models import SlaClock

SlaFilter = Literal["breached", "due_soon"]
#: "Due soon": within the sweeper's warning lead (``sla/jobs.py``), or overdue and not swept.
DUE_SOON = timedelta(minutes=10)
_LIVE = ("running", "breached")


def nearest_due(conversation_id: ColumnElement[Any]) -> ColumnElement[datetime | None]:
    """The conversation's soonest running or missed due time (NULL: none)."""
    return (
        select(func.min(SlaClock.due_at))
        .where(
            SlaClock.conversation_id == conversation_id,
            SlaClock.state.in_(_LIVE),
            SlaClock.due_at.is_not(None),
        )
        .scalar_subquery()
    )


def matching(
    kind: SlaFilter, conversation_id: ColumnElement[Any], now: datetime
) -> ColumnElement[bool]:
    """``breached``: a target was missed and is still unmet; ``due_soon``: a running target
    is due within ten minutes."""
    if kind == "breached":
        condition = SlaClock.state == "breached"
    else:
        condition = (SlaClock.state == "running") & (SlaClock.due_at <= now + DUE_SOON)
    return exists().where(SlaClock.conversation_id == conversation_id, condition)
