"""Every metric of ``docs/metrics.md`` computed from the facts (never from messages).

Counts come from single aggregate queries; distributions fetch the one number per fact
they need (the median and p90 are not additive). Filters apply to the dimensions each fact
recorded when it happened (the team and operator at that moment), and the caller's scope
limits the facts like it limits conversations (``accounts/access.py``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from otklik.accounts import access
from otklik.conversations import queries as conversation_queries
from otklik.reports.models import ReportFact
from otklik.reports.schemas import Duration, Figures, Survey
from otklik.reports.stats import rate, stat
from otklik.surveys import service as surveys

#: A resolution reopened within this long is not a first-contact resolution.
FCR_WINDOW = timedelta(days=7)
F = ReportFact


@dataclass(frozen=True, slots=True)
class Filters:
    since: datetime
    until: datetime
    inbox_ids: tuple[int, ...] = ()
    team_ids: tuple[int, ...] = ()
    agent_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def previous(self) -> Filters:
        """The same filter over the equally long period just before."""
        length = self.until - self.since
        return Filters(
            since=self.since - length,
            until=self.since,
            inbox_ids=self.inbox_ids,
            team_ids=self.team_ids,
            agent_ids=self.agent_ids,
            channels=self.channels,
            tags=self.tags,
        )


def dimensions(filters: Filters, scope: access.Scope, fact: Any = F) -> list[ColumnElement[bool]]:
    """The conditions of ``filters`` (but the period) and of the caller's scope on facts."""
    conditions = [
        access.visible(
            scope, inbox_id=fact.inbox_id, team_id=fact.team_id, assignee_id=fact.agent_id
        )
    ]
    if filters.inbox_ids:
        conditions.append(fact.inbox_id.in_(filters.inbox_ids))
    if filters.team_ids:
        conditions.append(fact.team_id.in_(filters.team_ids))
    if filters.agent_ids:
        conditions.append(fact.agent_id.in_(filters.agent_ids))
    if filters.channels:
        conditions.append(fact.channel.in_(filters.channels))
    if filters.tags:
        conditions.append(fact.conversation_id.in_(conversation_queries.tagged_ids(filters.tags)))
    return conditions


def of_kind(kind: str, filters: Filters, scope: access.Scope) -> list[ColumnElement[bool]]:
    return [
        F.kind == kind,
        F.at >= filters.since,
        F.at < filters.until,
        *dimensions(filters, scope),
    ]


async def count(session: AsyncSession, kind: str, filters: Filters) -> int:
    scope = access.scope_in(session)
    found = await session.scalar(select(func.count()).where(*of_kind(kind, filters, scope)))
    return int(found or 0)


async def _rows(session: AsyncSession, kind: str, filters: Filters, *extra: Any) -> list[Any]:
    """The facts' numbers, oldest first (no times: turning stored times back into datetimes
    is most of the cost of a large period)."""
    scope = access.scope_in(session)
    query = select(F.conversation_id, F.seconds, F.business_seconds, F.n, F.first).where(
        *of_kind(kind, filters, scope), *extra
    )
    return list((await session.execute(query.order_by(F.at, F.id))).all())


def _duration(rows: list[tuple[float, float]]) -> Duration:
    return Duration(calendar=stat(r[0] for r in rows), business=stat(r[1] for r in rows))


def _each(rows: list[Any]) -> list[tuple[float, float]]:
    return [(r.seconds or 0.0, r.business_seconds or 0.0) for r in rows]


def _per_conversation_mean(rows: list[Any]) -> list[tuple[float, float]]:
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for r in rows:
        item = sums[r.conversation_id]
        item[0] += r.seconds or 0.0
        item[1] += r.business_seconds or 0.0
        item[2] += 1
    return [(c / k, b / k) for c, b, k in sums.values()]


def _per_conversation_sum(rows: list[Any], *, per_dialog: bool) -> list[tuple[float, float]]:
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for r in rows:
        share = max(1, r.n or 1) if per_dialog else 1
        sums[r.conversation_id][0] += (r.seconds or 0.0) / share
        sums[r.conversation_id][1] += (r.business_seconds or 0.0) / share
    return [(c, b) for c, b in sums.values()]


def _last_per_conversation(rows: list[Any]) -> list[tuple[float, float]]:
    last: dict[int, Any] = {}
    for r in rows:  # ordered by time: the last one wins
        last[r.conversation_id] = r
    return _each(list(last.values()))


async def _fcr(session: AsyncSession, filters: Filters, resolved: list[Any]) -> tuple[int, int]:
    """Conversations first resolved in the period, and those of them with one operator
    reply session and no reopening within :data:`FCR_WINDOW` of that resolution. (Date
    arithmetic differs between the databases: the window is checked here, on the few
    conversations that were reopened at all.)"""
    total = sum(1 for r in resolved if r.first)
    candidates = {r.conversation_id for r in resolved if r.first and r.n == 1}
    if not candidates:
        return 0, total
    scope = access.scope_in(session)
    reopen = aliased(ReportFact)
    found = await session.execute(
        select(F.conversation_id, F.at, reopen.at)
        .join(
            reopen,
            and_(
                reopen.conversation_id == F.conversation_id,
                reopen.kind == "reopened",
                reopen.at > F.at,
            ),
        )
        .where(*of_kind("resolved", filters, scope), F.first.is_(True), F.n == 1)
    )
    spoiled = {
        conversation_id
        for conversation_id, resolved_at, reopened_at in found
        if reopened_at <= resolved_at + FCR_WINDOW
    }
    return len(candidates - spoiled), total


async def _escalated_share(
    session: AsyncSession, filters: Filters, created: int
) -> tuple[int, int]:
    """Conversations created in the period, and those of them escalated (ever)."""
    scope = access.scope_in(session)
    escalated = select(F.conversation_id).where(F.kind == "escalated").scalar_subquery()
    found = await session.scalar(
        select(func.count()).where(
            *of_kind("created", filters, scope), F.conversation_id.in_(escalated)
        )
    )
    return int(found or 0), created


async def figures(session: AsyncSession, filters: Filters) -> Figures:
    created = await count(session, "created", filters)
    resolved_rows = await _rows(session, "resolved", filters)
    reopened = await count(session, "reopened", filters)
    handle_rows = await _rows(session, "handle", filters)
    fcr_good, fcr_total = await _fcr(session, filters, resolved_rows)
    escalated, created_total = await _escalated_share(session, filters, created)
    return Figures(
        created=created,
        resolved=len(resolved_rows),
        reopened=reopened,
        escalated=await count(session, "escalated", filters),
        first_response=_duration(_each(await _rows(session, "first_response", filters))),
        response=_duration(_per_conversation_mean(await _rows(session, "response", filters))),
        resolution_first=_duration(_each([r for r in resolved_rows if r.first])),
        resolution_full=_duration(_last_per_conversation(resolved_rows)),
        handle=_duration(_per_conversation_sum(handle_rows, per_dialog=False)),
        handle_per_dialog=_duration(_per_conversation_sum(handle_rows, per_dialog=True)),
        fcr=rate(fcr_good, fcr_total),
        reopen_rate=rate(reopened, len(resolved_rows)),
        escalation_rate=rate(escalated, created_total),
        **await _surveys(session, filters),
    )


def _survey(kind: str, sent: int, scores: dict[int, int]) -> Survey:
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


async def _surveys(session: AsyncSession, filters: Filters) -> dict[str, Survey]:
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
    return {kind: _survey(kind, *counted.get(kind, (0, {}))) for kind in ("csat", "nps", "ces")}
