"""Who sees and who edits a scoped item (canned answers, macros), in one place.

* personal — its owner sees and edits it;
* team — the team's members see it; supervisors and admins see and edit every team's items;
* global — everyone sees it; admins edit it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts.models import Agent, Team, TeamMember
from otklik.accounts.service import team_directory
from otklik.core.errors import conflict, forbidden, invalid
from otklik.scripts.models import Scoped

Scope = Literal["personal", "team", "global"]
MANAGERS = ("supervisor", "admin")


@dataclass(frozen=True, slots=True)
class Placement:
    scope: str
    owner_id: int | None
    team_id: int | None

    @property
    def key(self) -> str:
        if self.scope == "global":
            return "global"
        if self.scope == "team":
            return f"team:{self.team_id}"
        return f"agent:{self.owner_id}"


def visible_to(model: type[Scoped], agent: Agent) -> ColumnElement[bool]:
    """A WHERE clause: the items ``agent`` may see (a subquery, so listing stays one query)."""
    if agent.role in MANAGERS:
        team_clause: ColumnElement[bool] = model.scope == "team"
    else:
        my_teams = select(TeamMember.team_id).where(TeamMember.agent_id == agent.id)
        team_clause = and_(model.scope == "team", model.team_id.in_(my_teams))
    return or_(
        model.scope == "global",
        team_clause,
        and_(model.scope == "personal", model.owner_id == agent.id),
    )


async def can_see(session: AsyncSession, agent: Agent, item: Scoped) -> bool:
    if item.scope == "global" or (item.scope == "team" and agent.role in MANAGERS):
        return True
    if item.scope == "personal":
        return item.owner_id == agent.id
    team = (await team_directory(session)).by_id.get(item.team_id or 0)
    return team is not None and agent.id in team.agent_ids


def check_can_edit(agent: Agent, placement: Placement) -> None:
    if placement.scope == "global" and agent.role != "admin":
        raise forbidden("Only admins may change global items.")
    if placement.scope == "team" and agent.role not in MANAGERS:
        raise forbidden("Only supervisors and admins may change team items.")
    if placement.scope == "personal" and placement.owner_id != agent.id:
        raise forbidden("Personal items belong to their owner.")


def placement_of(item: Scoped) -> Placement:
    return Placement(scope=item.scope, owner_id=item.owner_id, team_id=item.team_id)


async def place(
    session: AsyncSession, *, agent: Agent, scope: str, team_id: int | None
) -> Placement:
    """Where a new or moved item goes, checked: the team exists, the caller may write there."""
    if scope == "team":
        if team_id is None:
            raise invalid("team_id is required for scope 'team'.")
        if await session.get(Team, team_id) is None:
            raise invalid(f"Team {team_id} does not exist.")
        placement = Placement(scope="team", owner_id=None, team_id=team_id)
    elif team_id is not None:
        raise invalid("team_id is only allowed with scope 'team'.")
    elif scope == "global":
        placement = Placement(scope="global", owner_id=None, team_id=None)
    else:
        placement = Placement(scope="personal", owner_id=agent.id, team_id=None)
    check_can_edit(agent, placement)
    return placement


def apply(item: Scoped, placement: Placement) -> None:
    item.scope = placement.scope
    item.scope_key = placement.key
    item.owner_id = placement.owner_id
    item.team_id = placement.team_id


async def flush_unique(session: AsyncSession, message: str) -> None:
    """Flush; a name taken meanwhile by a concurrent request (the unique key) is a 409."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise conflict(message) from exc
