"""The operator's lists: views (mine, unassigned, a team's queue, all), their order and counts.

Queues are read by how long the customer has waited: ``waiting_since`` is the oldest customer
message no operator has answered yet, kept in the same write as the message (``appending.py``
for the widget's hot path, ``service.py`` otherwise), and indexed with the assignee or the team
and the status (migration 0021), so the unassigned and team queues are read in index order.

Pages are keyset pages: the cursor carries the sort key of the last row. Every order ends on
the id, so it is total; "waiting" puts the conversations nobody is waiting on last.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.conversations.models import Conversation, ConversationCount
from otklik.conversations.queries import visible
from otklik.conversations.schemas import ConversationPage, TeamCount, ViewCounts
from otklik.conversations.searching import matching_conversations
from otklik.conversations.shapes import conversation_out, with_contact_and_last
from otklik.core import fulltext
from otklik.core.clock import utcnow
from otklik.core.errors import AppError, invalid
from otklik.sla import listing as sla_listing

PRIORITY_RANK = {"urgent": 3, "high": 2, "normal": 1, "low": 0}
_rank = case(PRIORITY_RANK, value=Conversation.priority, else_=1)


@dataclass(frozen=True, slots=True)
class Key:
    """One column of an order: its expression, direction, and whether it may be NULL
    (NULLs last in either direction)."""

    expr: ColumnElement[Any]
    descending: bool = False
    nullable: bool = False
    #: What a cursor holds for it: a whole number or a moment.
    whole: bool = False

    def after(self, value: Any) -> ColumnElement[bool]:
        """Rows strictly after ``value`` in this key's order."""
        if value is None:
            return false()  # nothing comes after the NULLs
        beyond = self.expr < value if self.descending else self.expr > value
        return or_(beyond, self.expr.is_(None)) if self.nullable else beyond

    def same(self, value: Any) -> ColumnElement[bool]:
        return self.expr.is_(None) if value is None else self.expr == value

    def ordering(self) -> ColumnElement[Any]:
        ordered = self.expr.desc() if self.descending else self.expr.asc()
        return ordered.nulls_last() if self.nullable else ordered


_ID = Conversation.id.expression
_WAITING = Key(Conversation.waiting_since.expression, nullable=True)
#: The nearest SLA deadline (``sla/listing.py``); none: last.
_DUE = Key(sla_listing.nearest_due(Conversation.id.expression), nullable=True)
ORDERS: dict[str, tuple[Key, ...]] = {
    "newest": (
        Key(Conversation.last_activity_at.expression, descending=True),
        Key(_ID, descending=True, whole=True),
    ),
    "waiting": (_WAITING, Key(_ID, whole=True)),
    "priority": (Key(_rank, descending=True, whole=True), _WAITING, Key(_ID, whole=True)),
    "due": (_DUE, Key(_ID, whole=True)),
}


def _values(conversation: Conversation, sort: str, due: datetime | None = None) -> list[Any]:
    if sort == "due":
        return [due, conversation.id]
    if sort == "newest":
        return [conversation.last_activity_at, conversation.id]
    waiting = conversation.waiting_since
    if sort == "waiting":
        return [waiting, conversation.id]
    return [PRIORITY_RANK.get(conversation.priority, 1), waiting, conversation.id]


def encode(sort: str, values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps([sort, *plain]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, sort: str) -> list[Any]:
    """The sort key a cursor carries; 400 for one of another order or not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        issued, *values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        keys = ORDERS[sort]
        if issued != sort or len(values) != len(keys):
            raise ValueError
        out: list[Any] = []
        for key, value in zip(keys, values, strict=True):
            if key.whole:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError
                out.append(value)
            elif value is None and key.nullable:
                out.append(None)
            else:
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is None:
                    raise ValueError
                out.append(moment)
    except (ValueError, TypeError, KeyError, json.JSONDecodeError) as exc:
        raise AppError(400, "bad_request", "The cursor is not one this server issued.") from exc
    return out


def after(keys: tuple[Key, ...], values: list[Any]) -> ColumnElement[bool]:
    """Rows after ``values`` in the order ``keys`` (keyset pagination, any directions)."""
    branches = []
    for i, key in enumerate(keys):
        equal = [k.same(v) for k, v in zip(keys[:i], values[:i], strict=True)]
        branches.append(and_(*equal, key.after(values[i])))
    return or_(*branches)


def _view_filter(view: str, agent_id: int, team_id: int | None) -> list[ColumnElement[bool]]:
    if view == "mine":
        return [Conversation.assignee_id == agent_id]
    if view == "unassigned":
        return [Conversation.assignee_id.is_(None)]
    if view == "team":
        if team_id is None:
            raise invalid("The team view needs a team_id.")
        return [Conversation.team_id == team_id]
    return []


async def view_counts(
    session: AsyncSession, *, agent_id: int, status: str, team_id: int | None = None
) -> ViewCounts:
    """Read from the maintained counters (see ``counts.py``): the rows of the inboxes and
    teams the operator may see, not a scan of conversations. Team queues: the operator's
    teams, and ``team_id`` (a supervisor looking at another team's)."""
    scope = access.scope_in(session)
    scoped = access.visible(
        scope,
        inbox_id=ConversationCount.inbox_id,
        team_id=ConversationCount.team_key,
        assignee_id=ConversationCount.assignee_key,
    )
    rows = (
        await session.execute(
            select(
                ConversationCount.assignee_key,
                ConversationCount.team_key,
                func.sum(ConversationCount.n),
            )
            .where(ConversationCount.status == status, scoped)
            .group_by(ConversationCount.assignee_key, ConversationCount.team_key)
        )
    ).all()
    teams = set(scope.team_ids) | ({team_id} if team_id is not None else set())
    by_team = dict.fromkeys(teams, 0)
    total = mine = unassigned = 0
    for assignee_key, team_key, n in rows:
        n = int(n or 0)
        total += n
        mine += n if assignee_key == agent_id else 0
        unassigned += n if assignee_key == 0 else 0
        if team_key in by_team:
            by_team[team_key] += n
    return ViewCounts(
        all=total,
        mine=mine,
        unassigned=unassigned,
        teams=[TeamCount(team_id=t, n=n) for t, n in sorted(by_team.items())],
    )


async def list_conversations(
    session: AsyncSession,
    *,
    agent_id: int,
    view: str,
    status: str,
    cursor: str | None,
    limit: int,
    sort: str = "newest",
    team_id: int | None = None,
    q: str | None = None,
    sla: sla_listing.SlaFilter | None = None,
) -> ConversationPage:
    """A page of the view in the order asked for; with ``q``, only conversations with a
    message matching it (of the newest matches, ``conversations/searching.py``); with
    ``sla``, only those with a missed or a nearly due target (``sla/listing.py``)."""
    conditions = _view_filter(view, agent_id, team_id)
    if sla is not None:
        conditions.append(sla_listing.matching(sla, _ID, utcnow()))
    parsed = fulltext.parse(q) if q else None
    if parsed is not None:
        conditions.append(Conversation.id.in_(await matching_conversations(session, parsed)))
    counts = await view_counts(
        session, agent_id=agent_id, status=status, team_id=team_id if view == "team" else None
    )
    keys = ORDERS[sort]
    query = with_contact_and_last().where(Conversation.status == status, visible(session))
    if sort == "due":
        query = query.add_columns(_DUE.expr)
    for condition in conditions:
        query = query.where(condition)
    if cursor:
        query = query.where(after(keys, decode(cursor, sort)))
    query = query.order_by(*(key.ordering() for key in keys)).limit(limit + 1)
    rows: list[Any] = list((await session.execute(query)).all())
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode(sort, _values(last[0], sort, last[3] if sort == "due" else None))
    return ConversationPage(
        items=[conversation_out(row[0], row[1], row[2]) for row in page],
        next_cursor=next_cursor,
        counts=counts,
    )
