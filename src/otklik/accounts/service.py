"""Everything that reads or changes agents, teams and sign-ins."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import (
    access,
    inbox_members,
    passwords,
    presence,
    sessions,
    throttle,
    twofactor,
    workspace_settings,
)
from otklik.accounts.models import Agent, Team, TeamMember
from otklik.accounts.schemas import (
    AgentCreate,
    AgentOut,
    AgentUpdate,
    TeamCreate,
    TeamOut,
    TeamUpdate,
)
from otklik.audit import service as audit
from otklik.channels import service as channels
from otklik.core import config_cache, security
from otklik.core.errors import conflict, invalid, not_found
from otklik.core.text import fold


async def team_ids_by_agent(
    session: AsyncSession, agent_ids: Sequence[int]
) -> dict[int, list[int]]:
    rows = await session.execute(
        select(TeamMember.agent_id, TeamMember.team_id)
        .where(TeamMember.agent_id.in_(agent_ids))
        .order_by(TeamMember.team_id)
    )
    result: dict[int, list[int]] = defaultdict(list)
    for agent_id, team_id in rows:
        result[agent_id].append(team_id)
    return result


def agent_out(agent: Agent, team_ids: list[int]) -> AgentOut:
    return AgentOut(
        id=agent.id,
        email=agent.email,
        name=agent.name,
        role=agent.role,
        languages=list(agent.languages),
        status=agent.status,
        status_reason=agent.status_reason,
        active=agent.active,
        team_ids=team_ids,
        max_concurrent=agent.max_concurrent,
        skills=list(agent.skills),
        two_factor_enabled=agent.totp_enabled_at is not None,
    )


async def describe_agent(session: AsyncSession, agent: Agent) -> AgentOut:
    teams = await team_ids_by_agent(session, [agent.id])
    return agent_out(agent, teams.get(agent.id, []))


async def list_agents(session: AsyncSession) -> list[AgentOut]:
    agents = (await session.execute(select(Agent).order_by(Agent.name, Agent.id))).scalars().all()
    teams = await team_ids_by_agent(session, [a.id for a in agents])
    return [agent_out(a, teams.get(a.id, [])) for a in agents]


async def get_agent(session: AsyncSession, agent_id: int) -> Agent:
    agent = await session.get(Agent, agent_id)
    if agent is None:
        raise not_found("Agent", agent_id)
    return agent


async def create_agent(
    session: AsyncSession,
    *,
    data: AgentCreate,
    actor_id: int | None,
    ip: str | None = None,
    min_password_length: int = passwords.DEFAULT_MIN_LENGTH,
) -> Agent:
    email = data.email.lower()
    taken = await session.scalar(select(func.count()).where(Agent.email == email))
    if taken:
        raise conflict(f"An agent with the email {email} exists already.")
    passwords.check_password(
        data.password, min_length=min_password_length, user_inputs=[email, data.name]
    )
    agent = Agent(
        email=email,
        name=data.name,
        password_hash=security.hash_password(data.password),
        role=data.role,
        languages=list(data.languages),
        max_concurrent=data.max_concurrent,
        skills=list(dict.fromkeys(data.skills)),
    )
    session.add(agent)
    await session.flush()
    await inbox_members.add_to_inboxes(
        session, agent_id=agent.id, inbox_ids=await channels.inbox_ids(session)
    )
    audit.record(
        session,
        actor_type="agent" if actor_id else "system",
        actor_id=actor_id,
        action="agent.created",
        target_type="agent",
        target_id=agent.id,
        data={"email": email, "role": data.role},
        ip=ip,
    )
    return agent


async def update_agent(
    session: AsyncSession,
    *,
    agent_id: int,
    data: AgentUpdate,
    actor_id: int,
    ip: str | None,
    actor_session_id: int | None = None,
    min_password_length: int = passwords.DEFAULT_MIN_LENGTH,
) -> Agent:
    agent = await get_agent(session, agent_id)
    changes = data.model_dump(exclude_unset=True, exclude={"password"})
    if agent_id == actor_id and (
        changes.get("role", "admin") != "admin" or changes.get("active") is False
    ):
        raise invalid("You cannot demote or deactivate yourself.")
    for field, value in changes.items():
        setattr(agent, field, value)
    if data.password is not None:
        # Every session of the agent ends but the one making the change (an admin setting
        # their own password here keeps the session they are using).
        await sessions.set_password(
            session,
            agent=agent,
            password=data.password,
            min_length=min_password_length,
            actor_id=actor_id,
            keep_session_id=actor_session_id if agent_id == actor_id else None,
            ip=ip,
        )
        changes["password"] = "changed"
    if data.active is False:
        agent.status = "offline"
        await sessions.revoke_all(session, agent_id=agent.id)
    if "role" in changes:
        await access.changed(session)
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="agent.updated",
        target_type="agent",
        target_id=agent.id,
        data=changes,
        ip=ip,
    )
    return agent


async def set_status(
    session: AsyncSession, *, agent: Agent, status: str, reason: str | None = None
) -> Agent:
    """The operator chooses their presence (``accounts/presence.py`` keeps it honest);
    a break carries its reason (lunch, training, technical).

    Stored and announced to operators as a transient frame (not replayed); routing reacts in
    the same transaction: coming online takes from the queues, going offline may return
    conversations to them; workforce records the interval."""
    await presence.change_status(session, agent=agent, status=status, reason=reason)
    return agent


async def set_status_of(session: AsyncSession, *, agent_id: int, status: str) -> None:
    """:func:`set_status` for a signed-in agent known by id (the operators' socket)."""
    agent = await session.get_one(Agent, agent_id)
    await set_status(session, agent=agent, status=status)


async def mark_seen(session: AsyncSession, *, agent_ids: Collection[int], now: datetime) -> None:
    """These operators hold a socket in this process (``realtime/presence.py``)."""
    await presence.mark_seen(session, agent_ids=agent_ids, now=now)


async def agent_returned(session: AsyncSession, *, agent_id: int, active: bool) -> None:
    """A socket of the operator opened, or they were active: see ``presence.returned``."""
    await presence.returned(session, agent_id=agent_id, active=active)


async def expire_presence(
    session: AsyncSession, *, grace: timedelta, idle: timedelta | None
) -> list[tuple[int, str]]:
    """Offline the operators whose sockets are gone, away the idle: ``presence.expire``."""
    return await presence.expire(session, grace=grace, idle=idle)


async def connected_presence(session: AsyncSession) -> list[presence.PresenceNow]:
    """Active operators who are not offline, with their status and since when."""
    return await presence.connected(session)


async def set_status_by_schedule(
    session: AsyncSession, *, seen: presence.PresenceNow, status: str, reason: str | None = None
) -> bool:
    """A shift schedule sets the status, unless it changed since ``seen``: see
    ``presence.set_by_schedule``."""
    return await presence.set_by_schedule(session, seen=seen, status=status, reason=reason)


async def workspace_setting(session: AsyncSession, key: str) -> object | None:
    """A workspace setting another domain keeps (``workspace_settings.py``)."""
    return await workspace_settings.read(session, key)


async def save_workspace_setting(
    session: AsyncSession, *, key: str, value: object, actor_id: int | None
) -> None:
    await workspace_settings.write(session, key=key, value=value, actor_id=actor_id)


# --- sign-in housekeeping ----------------------------------------------------------------


async def prune_login_attempts(session: AsyncSession) -> None:
    await throttle.prune(session)


async def reset_two_factor(
    session: AsyncSession, *, agent_id: int, actor_id: int, ip: str | None
) -> Agent:
    """An admin turns another agent's 2FA off (a lost phone); their sessions end, so the
    next sign-in is with the password alone and they can enrol again."""
    if agent_id == actor_id:
        raise invalid("Turn your own two-factor sign-in off in your security settings.")
    agent = await get_agent(session, agent_id)
    await twofactor.disable(session, agent=agent, actor_id=actor_id, required_roles=[], ip=ip)
    await sessions.revoke_all(session, agent_id=agent.id)
    return agent


async def sign_out_agent(
    session: AsyncSession,
    *,
    agent_id: int,
    actor_id: int,
    keep_session_id: int | None,
    ip: str | None,
) -> None:
    """End every session of an agent (an admin's "sign out everywhere" for someone else)."""
    await get_agent(session, agent_id)
    await sessions.sign_out_everywhere(
        session,
        agent_id=agent_id,
        actor_id=actor_id,
        keep_session_id=keep_session_id if agent_id == actor_id else None,
        ip=ip,
    )


async def active_agent_ids(session: AsyncSession, *, agent_ids: Iterable[int]) -> set[int]:
    """Which of ``agent_ids`` are agents that exist and are not deactivated."""
    return set(
        await session.scalars(
            select(Agent.id).where(Agent.id.in_(list(agent_ids)), Agent.active.is_(True))
        )
    )


# --- teams -------------------------------------------------------------------------------


async def existing_team_ids(session: AsyncSession, *, team_ids: Iterable[int]) -> set[int]:
    """Which of ``team_ids`` are teams that exist."""
    return set(await session.scalars(select(Team.id).where(Team.id.in_(list(team_ids)))))


@dataclass(frozen=True, slots=True)
class TeamInfo:
    """A team as permission checks read it (cached)."""

    id: int
    name: str
    line: int
    escalates_to_id: int | None
    agent_ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class TeamDirectory:
    by_id: Mapping[int, TeamInfo]

    def team_ids_of(self, agent_id: int) -> list[int]:
        return sorted(t.id for t in self.by_id.values() if agent_id in t.agent_ids)


async def _team_directory(session: AsyncSession) -> TeamDirectory:
    teams = (
        await session.execute(select(Team.id, Team.name, Team.line, Team.escalates_to_id))
    ).all()
    members = await _members(session, [t.id for t in teams])
    infos = {
        ident: TeamInfo(
            id=ident,
            name=name,
            line=line,
            escalates_to_id=escalates_to_id,
            agent_ids=frozenset(members.get(ident, [])),
        )
        for ident, name, line, escalates_to_id in teams
    }
    return TeamDirectory(by_id=MappingProxyType(infos))


#: Every team with its members (``create_team`` and ``update_team`` mark it).
TEAMS = config_cache.entry("teams", _team_directory)


async def team_directory(session: AsyncSession) -> TeamDirectory:
    return await config_cache.get(session, TEAMS)


async def _members(session: AsyncSession, team_ids: Sequence[int]) -> dict[int, list[int]]:
    rows = await session.execute(
        select(TeamMember.team_id, TeamMember.agent_id)
        .where(TeamMember.team_id.in_(team_ids))
        .order_by(TeamMember.agent_id)
    )
    result: dict[int, list[int]] = defaultdict(list)
    for team_id, agent_id in rows:
        result[team_id].append(agent_id)
    return result


async def list_teams(session: AsyncSession) -> list[TeamOut]:
    teams = (await session.execute(select(Team).order_by(Team.name))).scalars().all()
    members = await _members(session, [t.id for t in teams])
    return [team_out(t, members.get(t.id, [])) for t in teams]


async def describe_team(session: AsyncSession, team: Team) -> TeamOut:
    members = await _members(session, [team.id])
    return team_out(team, members.get(team.id, []))


def team_out(team: Team, agent_ids: list[int]) -> TeamOut:
    return TeamOut(
        id=team.id,
        name=team.name,
        agent_ids=agent_ids,
        line=team.line,
        escalates_to_id=team.escalates_to_id,
    )


async def _check_escalation_target(
    session: AsyncSession, team_id: int | None, target_id: int | None
) -> None:
    if target_id is None:
        return
    if target_id == team_id:
        raise invalid("A team cannot escalate to itself.")
    target = await session.get(Team, target_id)
    if target is None:
        raise invalid(f"Team {target_id} does not exist.")
    if team_id is None:
        return  # a new team: nobody escalates to it yet, so no loop can close
    # Follow the line upwards from the target: coming back to this team would make a loop
    # (line 1 → line 2 → line 1) where "escalate" never reaches anybody new.
    chain = [target.name]
    seen = {target_id}
    next_id = target.escalates_to_id
    while next_id is not None and next_id not in seen:
        if next_id == team_id:
            this = await session.get_one(Team, team_id)
            loop = " → ".join([this.name, *chain, this.name])
            raise invalid(f"This would make an escalation loop: {loop}.")
        seen.add(next_id)
        upper = await session.get(Team, next_id)
        if upper is None:
            break
        chain.append(upper.name)
        next_id = upper.escalates_to_id


async def get_team(session: AsyncSession, team_id: int) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise not_found("Team", team_id)
    return team


async def _set_members(session: AsyncSession, team: Team, agent_ids: list[int]) -> None:
    wanted = set(agent_ids)
    found = set(
        (await session.execute(select(Agent.id).where(Agent.id.in_(wanted)))).scalars().all()
    )
    missing = wanted - found
    if missing:
        raise invalid(f"Unknown agent ids: {sorted(missing)}.")
    await session.execute(
        delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.agent_id.not_in(wanted))
    )
    current = set(
        (await session.execute(select(TeamMember.agent_id).where(TeamMember.team_id == team.id)))
        .scalars()
        .all()
    )
    session.add_all(TeamMember(team_id=team.id, agent_id=a) for a in sorted(wanted - current))
    await session.flush()
    await access.changed(session)


async def _name_taken(session: AsyncSession, name: str, except_id: int | None) -> bool:
    query = select(func.count()).select_from(Team).where(Team.name_key == fold(name))
    if except_id is not None:
        query = query.where(Team.id != except_id)
    return bool(await session.scalar(query))


async def create_team(session: AsyncSession, *, data: TeamCreate, actor_id: int | None) -> Team:
    if await _name_taken(session, data.name, None):
        raise conflict(f"A team named {data.name!r} exists already.")
    await _check_escalation_target(session, None, data.escalates_to_id)
    team = Team(name=data.name, line=data.line, escalates_to_id=data.escalates_to_id)
    session.add(team)
    await session.flush()
    await _set_members(session, team, data.agent_ids)
    await config_cache.changed(session, TEAMS)
    audit.record(
        session,
        actor_type="agent" if actor_id else "system",
        actor_id=actor_id,
        action="team.created",
        target_type="team",
        target_id=team.id,
        data={"name": data.name},
    )
    return team


async def update_team(
    session: AsyncSession, *, team_id: int, data: TeamUpdate, actor_id: int
) -> Team:
    team = await get_team(session, team_id)
    if data.name is not None and data.name != team.name:
        if await _name_taken(session, data.name, team.id):
            raise conflict(f"A team named {data.name!r} exists already.")
        team.name = data.name
    if data.agent_ids is not None:
        await _set_members(session, team, data.agent_ids)
    if data.line is not None:
        team.line = data.line
    if "escalates_to_id" in data.model_fields_set:
        await _check_escalation_target(session, team.id, data.escalates_to_id)
        team.escalates_to_id = data.escalates_to_id
    await config_cache.changed(session, TEAMS)
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="team.updated",
        target_type="team",
        target_id=team.id,
        data=data.model_dump(exclude_unset=True),
    )
    return team
