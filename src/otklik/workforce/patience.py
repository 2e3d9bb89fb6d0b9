"""Customer patience from our own first waits (``reports/first_waits.py``), for Erlang A.

With exponential patience of rate ``θ``, an answered customer's wait is a censored
observation of their patience and an abandoned one's is the patience itself, so the maximum
likelihood estimate is ``θ = abandoned / (sum of every wait)`` (Mandelbaum and Zeltyn's
estimator; the mean patience is its inverse). Too few abandonments say nothing about
patience: below ``MIN_ABANDONED`` the patience is unknown and Erlang C is used.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.clock import utcnow
from otklik.reports.first_waits import first_waits
from otklik.workforce.schemas import PatienceOut

#: Fewer abandoned first waits than this in the period: patience is unknown.
MIN_ABANDONED = 5
#: Mail senders do not wait at a screen: their unanswered conversations are no abandonment.
NOT_CHATS = ("email",)


async def estimate_patience(session: AsyncSession, *, days: int) -> PatienceOut:
    until = utcnow()
    waits = await first_waits(
        session, since=until - timedelta(days=days), until=until, exclude_channels=NOT_CHATS
    )
    total = waits.answered_wait_seconds + waits.abandoned_wait_seconds
    offered = waits.answered + waits.abandoned
    known = waits.abandoned >= MIN_ABANDONED and total > 0
    return PatienceOut(
        days=days,
        answered=waits.answered,
        abandoned=waits.abandoned,
        abandonment=round(waits.abandoned / offered, 4) if offered else None,
        patience_seconds=round(total / waits.abandoned, 1) if known else None,
    )
