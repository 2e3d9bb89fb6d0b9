"""The SLA configuration as one cached, immutable snapshot, and choosing what applies.

Policies, calendars and their links to inboxes and teams are read together into
:data:`CONFIG` (``core/config_cache``), dropped by :func:`otklik.sla.service` on any change to
them; the subscribers that keep clocks (``sla/clocks.py``) never query policies per event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import service as accounts
from otklik.accounts.service import TeamDirectory
from otklik.conversations.schemas import ConversationOut
from otklik.core import config_cache
from otklik.core.clock import utcnow
from otklik.sla.business_time import BusinessCalendar, Interval, always
from otklik.sla.models import SlaCalendar, SlaCalendarLink, SlaPolicy
from otklik.sla.official import official_year, supported
from otklik.workforce import service as workforce

#: What pauses a policy's clocks unless it says otherwise.
PAUSES = ("pending", "snoozed")


@dataclass(frozen=True, slots=True)
class Policy:
    id: int
    name: str
    kind: str
    calendar_id: int | None
    inbox_ids: frozenset[int]
    team_ids: frozenset[int]
    tags: frozenset[str]
    attribute: tuple[str, Any] | None
    #: priority → target → business minutes.
    targets: Mapping[str, Mapping[str, int]]
    contact_attribute: tuple[str, Any] | None = None
    pause_on: frozenset[str] = frozenset(PAUSES)

    def matches(
        self,
        conversation: ConversationOut,
        *,
        team_id: int | None = None,
        contact_attributes: Mapping[str, Any] | None = None,
    ) -> bool:
        """Whether every condition holds; ``contact_attributes`` are needed only by a policy
        with a contact condition (``SlaConfig.needs_contact``), missing: it does not match."""
        team = conversation.team_id if team_id is None else team_id
        if self.inbox_ids and conversation.inbox_id not in self.inbox_ids:
            return False
        if self.team_ids and team not in self.team_ids:
            return False
        if self.tags and not self.tags & set(conversation.tags):
            return False
        if self.attribute is not None:
            key, value = self.attribute
            if conversation.attributes.get(key) != value:
                return False
        if self.contact_attribute is not None:
            key, value = self.contact_attribute
            if (contact_attributes or {}).get(key) != value:
                return False
        return True

    def minutes(self, priority: str, target: str) -> int | None:
        value = self.targets.get(priority, {}).get(target)
        return int(value) if value else None


@dataclass(frozen=True, slots=True)
class SlaConfig:
    policies: tuple[Policy, ...] = ()
    calendars: Mapping[int, BusinessCalendar] = field(default_factory=dict)
    #: ``("inbox"|"team", id)`` → calendar id.
    links: Mapping[tuple[str, int], int] = field(default_factory=dict)
    #: A snapshot with shift-fed calendars holds their hours for a horizon from its load:
    #: after this day it is reloaded (``sla/subscribers.py``). ``None``: never stale.
    fresh_until: date | None = None
    #: The members of the teams whose shifts feed a calendar, as loaded: another membership
    #: (``accounts``' cached team directory) makes the snapshot stale.
    shift_members: Mapping[int, frozenset[int]] = field(default_factory=dict)

    def stale(self, today: date, teams: TeamDirectory | None) -> bool:
        """Whether a shift-fed calendar needs reloading: its horizon runs short, or its team's
        members changed (``teams``: the directory, ``None`` when not loaded — then assume so)."""
        if self.fresh_until is None:
            return False
        if today > self.fresh_until or teams is None:
            return True
        for team_id, members in self.shift_members.items():
            team = teams.by_id.get(team_id)
            if (team.agent_ids if team is not None else frozenset()) != members:
                return True
        return False

    @property
    def needs_contact(self) -> bool:
        """Whether choosing a policy needs the contact's attributes (one read per change)."""
        return any(p.contact_attribute is not None for p in self.policies)

    def choose(
        self,
        kind: str,
        conversation: ConversationOut,
        *,
        team_id: int | None = None,
        contact_attributes: Mapping[str, Any] | None = None,
    ) -> Policy | None:
        for policy in self.policies:
            if policy.kind == kind and policy.matches(
                conversation, team_id=team_id, contact_attributes=contact_attributes
            ):
                return policy
        return None

    def calendar_for(
        self, policy: Policy, conversation: ConversationOut, *, team_id: int | None = None
    ) -> BusinessCalendar:
        """The policy's own calendar, else the team's, else the inbox's, else 24/7."""
        team = conversation.team_id if team_id is None else team_id
        for key in (
            policy.calendar_id,
            self.links.get(("team", team)) if team is not None else None,
            self.links.get(("inbox", conversation.inbox_id)),
        ):
            if key is not None and key in self.calendars:
                return self.calendars[key]
        return always()


def _intervals(raw: Any) -> tuple[Interval, ...]:
    return tuple((int(a), int(b)) for a, b in raw or ())


def build_calendar(
    row: SlaCalendar,
    years: range,
    staffed: Mapping[date, tuple[Interval, ...]] | None = None,
) -> BusinessCalendar:
    """The calendar ``row`` describes, with its country's official dates for ``years``.
    A calendar fed by shifts (``row.source == "shifts"``) works the ``staffed`` hours of its
    team instead of weekly hours; its closed dates (official or its own) still close."""
    if row.source == "shifts":
        return _shift_calendar(row, years, staffed or {})
    weekly = {int(day): _intervals(spans) for day, spans in (row.weekly or {}).items()}
    workday = next((weekly[d] for d in range(7) if weekly.get(d)), ())
    closed: set[date] = set()
    extra: dict[date, tuple[Interval, ...]] = {}
    shortened: dict[date, int] = {}
    if row.country and supported(row.country):
        for year in years:
            official = official_year(row.country, year)
            closed.update(official.holidays)
            extra.update((day, workday) for day in official.working)
            shortened.update(official.shortened)
    for item in row.custom_dates or ():
        day = date.fromisoformat(str(item["date"]))
        if item.get("kind") == "working":
            closed.discard(day)
            extra[day] = _intervals(item.get("hours")) or workday
        else:
            extra.pop(day, None)
            closed.add(day)
    return BusinessCalendar(
        timezone=row.timezone,
        weekly=weekly,
        closed=frozenset(closed),
        extra=extra,
        shortened=shortened,
    )


def _shift_calendar(
    row: SlaCalendar, years: range, staffed: Mapping[date, tuple[Interval, ...]]
) -> BusinessCalendar:
    closed: set[date] = set()
    if row.country and supported(row.country):
        for year in years:
            closed.update(official_year(row.country, year).holidays)
    own: dict[date, tuple[Interval, ...]] = {}
    for item in row.custom_dates or ():
        day = date.fromisoformat(str(item["date"]))
        if item.get("kind") == "working":
            closed.discard(day)
            if item.get("hours"):
                own[day] = _intervals(item.get("hours"))
        else:
            closed.add(day)
    extra = {day: hours for day, hours in staffed.items() if day not in closed}
    extra.update(own)
    return BusinessCalendar(timezone=row.timezone, weekly={}, closed=frozenset(closed), extra=extra)


#: How many days of a team's shifts a shift-fed calendar holds from the day it is loaded
#: (beyond: no working time). The snapshot reloads on any schedule change and, at the latest,
#: :data:`SHIFT_REFRESH_DAYS` after it was loaded, so it always holds a month ahead.
SHIFT_HORIZON_DAYS = 62
SHIFT_REFRESH_DAYS = 31


async def _staffed(
    session: AsyncSession, row: SlaCalendar, today: date
) -> dict[date, tuple[Interval, ...]]:
    if row.team_id is None:
        return {}
    return await workforce.staffed_hours(
        session,
        team_id=row.team_id,
        date_from=today - timedelta(days=1),
        date_to=today + timedelta(days=SHIFT_HORIZON_DAYS),
        tz=row.timezone,
    )


def _policy(row: SlaPolicy) -> Policy:
    conditions = row.conditions or {}
    attribute = conditions.get("attribute")
    contact = conditions.get("contact_attribute")
    return Policy(
        id=row.id,
        name=row.name,
        kind=row.kind,
        calendar_id=row.calendar_id,
        inbox_ids=frozenset(int(i) for i in conditions.get("inbox_ids") or ()),
        team_ids=frozenset(int(i) for i in conditions.get("team_ids") or ()),
        tags=frozenset(str(t) for t in conditions.get("tags") or ()),
        attribute=(str(attribute["key"]), attribute.get("value")) if attribute else None,
        targets={p: dict(t) for p, t in (row.targets or {}).items()},
        contact_attribute=(str(contact["key"]), contact.get("value")) if contact else None,
        pause_on=frozenset(row.pause_on if row.pause_on is not None else PAUSES),
    )


async def _load(session: AsyncSession) -> SlaConfig:
    now = utcnow()
    year = now.year
    years = range(year - 1, year + 3)
    rows = (await session.scalars(select(SlaCalendar))).all()
    calendars: dict[int, BusinessCalendar] = {}
    by_shifts = False
    members: dict[int, frozenset[int]] = {}
    for row in rows:
        staffed = None
        if row.source == "shifts":
            by_shifts = True
            if row.team_id is not None and row.team_id not in members:
                team = (await accounts.team_directory(session)).by_id.get(row.team_id)
                members[row.team_id] = team.agent_ids if team is not None else frozenset()
            staffed = await _staffed(session, row, now.date())
        calendars[row.id] = build_calendar(row, years, staffed)
    policies = (
        await session.scalars(
            select(SlaPolicy)
            .where(SlaPolicy.active.is_(True))
            .order_by(SlaPolicy.position, SlaPolicy.id)
        )
    ).all()
    links = {
        (link.scope, link.scope_id): link.calendar_id
        for link in (await session.scalars(select(SlaCalendarLink))).all()
    }
    fresh_until = now.date() + timedelta(days=SHIFT_REFRESH_DAYS) if by_shifts else None
    return SlaConfig(tuple(_policy(p) for p in policies), calendars, links, fresh_until, members)


CONFIG = config_cache.entry("sla.config", _load)
