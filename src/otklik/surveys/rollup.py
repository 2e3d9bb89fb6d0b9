"""Surveys counted per hour sent (``SurveyHourly``): one upsert when a survey is sent, two
when it is answered (out of "not answered", into its score). ``fill`` builds the table from
the surveys already there (migration 0048, ``bench/reports.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.db import insert_for
from otklik.surveys.models import SurveyHourly, SurveyRequest

HOURLY = cast(Table, SurveyHourly.__table__)
_KEY = ("hour", "kind", "inbox_id", "channel", "team_key", "operator_key", "score_key")
#: The score key of a survey not answered (yet).
UNANSWERED = -1


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def count(session: AsyncSession, row: SurveyRequest, score_key: int, delta: int) -> None:
    """Add ``delta`` to the count of ``row``'s hour, dimensions and ``score_key``."""
    stmt = insert_for(session.get_bind().dialect.name)(HOURLY).values(
        hour=hour_of(row.created_at),
        kind=row.kind,
        inbox_id=row.inbox_id,
        channel=row.channel,
        team_key=row.team_id or 0,
        operator_key=row.operator_id or 0,
        score_key=score_key,
        n=delta,
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=list(_KEY), set_={"n": HOURLY.c.n + stmt.excluded.n}
        )
    )


def fill(dialect: str) -> str:
    """The rollup of every survey there is (run once, on an empty table)."""
    if dialect == "postgresql":
        hour = "(date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    else:
        hour = "(substr(created_at, 1, 13) || ':00:00.000000')"
    keys = (
        f"{hour}, kind, inbox_id, channel, coalesce(team_id, 0), coalesce(operator_id, 0),"
        f" coalesce(score, {UNANSWERED})"
    )
    return (
        f"INSERT INTO survey_hourly ({', '.join(_KEY)}, n)"
        f" SELECT {keys}, count(*) FROM survey_requests GROUP BY {keys}"
    )
