"""The overview's survey figures: CSAT, NPS and CES of the surveys sent in a period, their
response rate and score (definitions in docs/metrics.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.reports.schemas import Survey
from otklik.surveys import service as surveys

if TYPE_CHECKING:
    from otklik.reports.filters import Filters


def _score(kind: str, sent: int, scores: dict[int, int]) -> Survey:
    answered = sum(scores.values())
    score: float | None = None
    if answered:
        if kind == "csat":
            score = sum(n for s, n in scores.items() if s >= 4) / answered * 100
        elif kind == "nps":
            promoters = sum(n for s, n in scores.items() if s >= 9)
            detractors = sum(n for s, n in scores.items() if s <= 6)
            score = (promoters - detractors) / answered * 100
        else:
            score = sum(s * n for s, n in scores.items()) / answered
    return Survey(
        sent=sent,
        answered=answered,
        response_rate=answered / sent * 100 if sent else None,
        score=score,
    )


async def of_period(session: AsyncSession, filters: Filters) -> dict[str, Survey]:
    """CSAT, NPS and CES of the surveys sent in the period (by the surveys' own inbox, team,
    operator and channel; a tag filter does not narrow them: surveys carry no tags)."""
    counted = await surveys.score_counts(
        session,
        since=filters.since,
        until=filters.until,
        inbox_ids=filters.inbox_ids,
        team_ids=filters.team_ids,
        operator_ids=filters.agent_ids,
        channels=filters.channels,
    )
    return {kind: _score(kind, *counted.get(kind, (0, {}))) for kind in ("csat", "nps", "ces")}
