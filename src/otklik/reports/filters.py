"""The reports' filters: a period and its dimensions (inbox, team, operator, channel, tags),
as conditions on the facts and the hourly rollups, and how a period splits into whole units
(hours, days) that rollups answer and the parts at its ends that the facts answer.

Filters apply to the dimensions each fact recorded when it happened (the team and operator
at that moment), and the caller's scope limits the facts like it limits conversations
(``accounts/access.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement

from otklik.accounts import access
from otklik.conversations import queries as conversation_queries
from otklik.reports.models import ReportFact, ReportHourly

F = ReportFact


H = ReportHourly


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
    conditions += narrowed(
        filters, inbox=fact.inbox_id, team=fact.team_id, agent=fact.agent_id, channel=fact.channel
    )
    if filters.tags:
        # Each fact of the period checked for the tags (not ``IN`` the tagged conversations:
        # SQLite then walked every fact of every tagged conversation however short the
        # period, 3 s for an hour's part at 1M conversations).
        conditions.append(conversation_queries.carries_any(fact.conversation_id, filters.tags))
    return conditions


def narrowed(
    filters: Filters, *, inbox: Any, team: Any, channel: Any, agent: Any = None
) -> list[ColumnElement[bool]]:
    """``filters``' inbox, team, operator and channel choices on the columns given (facts,
    hourly rollups or day bins name them differently)."""
    chosen = (
        (inbox, filters.inbox_ids),
        (team, filters.team_ids),
        (agent, filters.agent_ids),
        (channel, filters.channels),
    )
    return [column.in_(values) for column, values in chosen if column is not None and values]


def of_kind(kind: str, filters: Filters, scope: access.Scope) -> list[ColumnElement[bool]]:
    return [
        F.kind == kind,
        F.at >= filters.since,
        F.at < filters.until,
        *dimensions(filters, scope),
    ]


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_split(filters: Filters) -> tuple[Filters | None, list[Filters]]:
    """The whole UTC hours inside the period (what the hourly rollups answer) and the parts
    of an hour before and after them (what the facts answer); no whole hours with a tag
    filter (rollups do not know tags) or a period shorter than an hour."""
    if filters.tags:
        return None, [filters]
    return aligned(filters, hour_of, timedelta(hours=1))


def tag_rows(filters: Filters, scope: access.Scope) -> tuple[str, ...]:
    """The tags whose own rows (``report_tag_*``, ADR 0032) answer a filter on them (else
    none): one tag or several ("any of") and no other filter, for a caller who sees
    everything (the rows carry no other dimension). Several tags' rows added up count a
    conversation carrying two of them twice: :func:`several_excess` says how much."""
    others = filters.inbox_ids or filters.team_ids or filters.agent_ids or filters.channels
    if others or not scope.everything:
        return ()
    return tuple(sorted(set(filters.tags)))


def operator_bins_usable(filters: Filters, scope: access.Scope) -> bool:
    """The operators' day bins (inbox ``OVERVIEW_BY_OPERATOR``) answer an operator filter without
    any other filter, for a caller who sees everything (ADR 0032)."""
    others = filters.inbox_ids or filters.team_ids or filters.channels or filters.tags
    return bool(filters.agent_ids) and not others and scope.everything


def aligned(
    filters: Filters, floor: Callable[[datetime], datetime], step: timedelta
) -> tuple[Filters | None, list[Filters]]:
    """The whole units (hours, days: ``floor`` and ``step``) inside the period, and the
    parts of a unit at its ends."""
    start, end = floor(filters.since), floor(filters.until)
    if start < filters.since:
        start += step
    if start >= end:
        return None, [filters]
    edges = []
    if filters.since < start:
        edges.append(replace(filters, until=start))
    if end < filters.until:
        edges.append(replace(filters, since=end))
    return replace(filters, since=start, until=end), edges


def rollup_conditions(filters: Filters, scope: access.Scope) -> list[ColumnElement[bool]]:
    """:func:`dimensions` on the hourly rollups (0 stands for no team / nobody there)."""
    conditions = [
        access.visible(scope, inbox_id=H.inbox_id, team_id=H.team_key, assignee_id=H.agent_key)
    ]
    return conditions + narrowed(
        filters, inbox=H.inbox_id, team=H.team_key, agent=H.agent_key, channel=H.channel
    )
