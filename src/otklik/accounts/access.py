"""Who may see which conversation: the one place access is decided (ADR 0017).

The rule, by role (``docs/security.md``, "Roles and what each may see"):

- **admin**: every conversation;
- **supervisor**: the conversations of the inboxes they are a member of, those of their
  teams in any inbox, and those assigned to them;
- **agent**: the conversations assigned to them, and in the inboxes they are a member of,
  those with no team or with one of their teams.

The rule has two forms that must agree (``tests/test_access.py`` checks they do): a SQL
condition (:func:`visible`) that every query of conversations, messages, notes, files and
counts adds to its ``WHERE``, and a Python predicate (:meth:`Scope.sees`) that the sockets
apply to each live frame, from a scope held in memory (no database read per frame).

A request's scope rides on its database session (:func:`bind`, done when the caller is
resolved, ``accounts/deps.py``), so every query helper the services use reads it without
each route passing it along; a session with no scope bound (jobs, channels, the widget's
visitor) is the system itself and sees everything its own queries select.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent, InboxMember, TeamMember
from otklik.core import config_cache
from otklik.core.events import Reach
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_SCOPES

SCOPE_KEY = "otklik.access.scope"


@dataclass(frozen=True, slots=True)
class Scope:
    """What one operator may see: their role and memberships, as of when it was read."""

    agent_id: int
    role: str
    inbox_ids: frozenset[int]
    team_ids: frozenset[int]

    @property
    def everything(self) -> bool:
        return self.role == "admin"

    def sees(self, reach: Reach) -> bool:
        """The rule of :func:`visible`, for one conversation's ``reach`` (a live frame)."""
        if self.everything or reach.assignee_id == self.agent_id:
            return True
        in_inbox = reach.inbox_id in self.inbox_ids
        in_team = reach.team_id is not None and reach.team_id in self.team_ids
        if self.role == "supervisor":
            return in_inbox or in_team
        return in_inbox and (reach.team_id is None or in_team)


#: The system's own view (jobs, channels, automation): no restriction.
SYSTEM = Scope(agent_id=0, role="admin", inbox_ids=frozenset(), team_ids=frozenset())


#: A column (or expression) holding an id: a mapped attribute or a Core column.
IdColumn = SQLColumnExpression[Any]


def _unset(column: IdColumn) -> ColumnElement[bool]:
    # Conversations store "no team" / "nobody" as NULL, the count table as 0 (ids start at
    # 1): the one condition serves both.
    return or_(column.is_(None), column == 0)


def visible(
    scope: Scope,
    *,
    inbox_id: IdColumn,
    team_id: IdColumn,
    assignee_id: IdColumn,
) -> ColumnElement[bool]:
    """The SQL condition "``scope`` may see this conversation", over the columns that hold
    a conversation's inbox, team and assignee (the conversations table, the count table, the
    event log)."""
    if scope.everything:
        return true()
    mine = assignee_id == scope.agent_id
    in_inbox = inbox_id.in_(sorted(scope.inbox_ids))
    in_team = team_id.in_(sorted(scope.team_ids))
    if scope.role == "supervisor":
        return or_(mine, in_inbox, in_team)
    return or_(mine, in_inbox & or_(_unset(team_id), in_team))


# --- memberships ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Memberships:
    """Every operator's inboxes and teams (a cached snapshot; a few ints per operator)."""

    inboxes: Mapping[int, frozenset[int]]
    teams: Mapping[int, frozenset[int]]


async def _load(session: AsyncSession) -> Memberships:
    inboxes: defaultdict[int, set[int]] = defaultdict(set)
    teams: defaultdict[int, set[int]] = defaultdict(set)
    for agent_id, inbox_id in await session.execute(
        select(InboxMember.agent_id, InboxMember.inbox_id)
    ):
        inboxes[agent_id].add(inbox_id)
    for agent_id, team_id in await session.execute(select(TeamMember.agent_id, TeamMember.team_id)):
        teams[agent_id].add(team_id)
    return Memberships(
        inboxes=MappingProxyType({a: frozenset(ids) for a, ids in inboxes.items()}),
        teams=MappingProxyType({a: frozenset(ids) for a, ids in teams.items()}),
    )


EMPTY = Memberships(inboxes=MappingProxyType({}), teams=MappingProxyType({}))

#: Inbox and team memberships of every operator (:func:`changed` marks it).
MEMBERSHIPS = config_cache.entry("access", _load)


def scope_from(agent_id: int, role: str, memberships: Memberships) -> Scope:
    if role == "admin":
        # Memberships do not matter to an admin's view: their scope changes with the role only
        # (so their sockets are not told to refetch when somebody else's memberships change).
        return Scope(agent_id, role, frozenset(), frozenset())
    return Scope(
        agent_id=agent_id,
        role=role,
        inbox_ids=memberships.inboxes.get(agent_id, frozenset()),
        team_ids=memberships.teams.get(agent_id, frozenset()),
    )


async def scope_of(session: AsyncSession, agent: Agent) -> Scope:
    """``agent``'s scope: the role from the row the caller read, memberships from the cache
    (an admin's are not read: they see everything)."""
    if agent.role == "admin":
        return scope_from(agent.id, agent.role, EMPTY)
    return scope_from(agent.id, agent.role, await config_cache.get(session, MEMBERSHIPS))


async def fresh_scopes(session: AsyncSession, agent_ids: Iterable[int]) -> dict[int, Scope]:
    """The scopes of these operators read from the database now (sockets, after a change
    they were told of: the cache may not have heard of it yet)."""
    wanted = sorted(set(agent_ids))
    if not wanted:
        return {}
    memberships = await _load(session)
    roles = await session.execute(select(Agent.id, Agent.role).where(Agent.id.in_(wanted)))
    return {ident: scope_from(ident, role, memberships) for ident, role in roles}


def bind(session: AsyncSession, scope: Scope) -> None:
    """Every query of conversations in ``session`` is limited to what ``scope`` may see."""
    session.info[SCOPE_KEY] = scope


def scope_in(session: AsyncSession) -> Scope:
    """The scope bound to ``session``; :data:`SYSTEM` when none is (not an operator's)."""
    scope: Scope | None = session.info.get(SCOPE_KEY)
    return scope if scope is not None else SYSTEM


async def changed(session: AsyncSession) -> None:
    """Memberships or roles change in this transaction: after it commits every process
    reloads them, and operators' sockets take their new scope (and resync)."""
    await config_cache.changed(session, MEMBERSHIPS)
    log.stage_transient(session, stream=STREAM_SCOPES, frame={"type": "scopes_changed"})
