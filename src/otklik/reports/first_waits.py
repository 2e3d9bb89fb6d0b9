"""How long customers waited for a first answer, and who gave up: what workforce's Erlang A
estimates customer patience from.

* Answered: every ``first_response`` fact (a first answer of a conversation or of its
  reopening), with its wait in seconds.
* Abandoned: a conversation resolved while still waiting for its first answer (nobody
  replied since the customer wrote: ``first_open`` with a ``first_since``). The customer's
  last moment is not recorded, so its wait counts until the resolution — an upper bound,
  which makes the estimated patience too long rather than too short (staffing errs on the
  safe side: the fewer abandon, the more operators).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.reports.models import ReportConversation, ReportFact


@dataclass(frozen=True, slots=True)
class FirstWaits:
    answered: int
    answered_wait_seconds: float
    abandoned: int
    abandoned_wait_seconds: float


async def first_waits(
    session: AsyncSession, *, since: datetime, until: datetime, exclude_channels: tuple[str, ...]
) -> FirstWaits:
    """First answers given and first waits abandoned in ``[since, until)`` (the abandoned
    by when the customer started waiting), leaving out ``exclude_channels`` (mail, whose
    senders do not wait at a screen)."""
    f = ReportFact
    answered_count, answered_sum = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(f.seconds), 0.0)).where(
                f.kind == "first_response",
                f.at >= since,
                f.at < until,
                f.seconds.is_not(None),
                f.channel.not_in(exclude_channels),
            )
        )
    ).one()
    c = ReportConversation
    closed = (
        select(f.conversation_id, func.max(f.at).label("at"))
        .where(f.kind == "resolved", f.at >= since)
        .group_by(f.conversation_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(c.first_since, closed.c.at)
            .join(closed, closed.c.conversation_id == c.conversation_id)
            .where(
                c.status == "resolved",
                c.first_open.is_(True),
                c.first_since.is_not(None),
                c.first_since >= since,
                c.first_since < until,
                c.channel.not_in(exclude_channels),
            )
        )
    ).all()
    waits = [
        max(0.0, (at - started).total_seconds())
        for started, at in rows
        if started is not None and at is not None
    ]
    return FirstWaits(
        answered=int(answered_count),
        answered_wait_seconds=float(answered_sum or 0.0),
        abandoned=len(waits),
        abandoned_wait_seconds=sum(waits),
    )
