"""Scheduled email reports: their settings, and which of them are due.

Who may do what: admins manage every schedule; a supervisor creates schedules of their own
and sees, changes and deletes only those (another's is a 404), filtering only by the teams
and inboxes they belong to. The figures mailed are always the owner's view at sending time
(``reports/mailing.py``), as the Reports page would show the owner.

Each period goes out once: :func:`enqueue_due` moves a schedule's ``last_until`` forward
with a conditional ``UPDATE`` and enqueues the mail job in the same transaction, under a
``dedupe_key`` naming the schedule and period — two workers, or a restart, that find the
same schedule due enqueue one job between them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.accounts import service as accounts
from otklik.channels import service as channels
from otklik.core.clock import utcnow
from otklik.core.errors import invalid, not_found
from otklik.jobs.registry import enqueue
from otklik.reports import periods
from otklik.reports.models import ReportSchedule
from otklik.reports.schemas import ScheduleFilters, ScheduleIn, ScheduleOut

#: The job that mails one schedule's period (``reports/jobs.py``).
SEND_JOB = "reports.send_schedule"
#: A mail the SMTP server could not take is tried this many times.
SEND_ATTEMPTS = 5
R = ReportSchedule


def _out(row: ReportSchedule, now: datetime) -> ScheduleOut:
    next_send = (
        periods.following(
            frequency="weekly" if row.frequency == "weekly" else "daily",
            weekday=row.weekday,
            send_time=row.send_time,
            timezone=row.timezone,
            now=now,
        ).due_at
        if row.active
        else None
    )
    return ScheduleOut(
        id=row.id,
        owner_id=row.owner_id,
        name=row.name,
        frequency="weekly" if row.frequency == "weekly" else "daily",
        weekday=row.weekday,
        time=row.send_time,
        timezone=row.timezone,
        filters=ScheduleFilters.model_validate(row.filters),
        recipient_agent_ids=list(row.recipient_agent_ids),
        recipient_emails=list(row.recipient_emails),
        language="ru" if row.language == "ru" else "en",
        format="csv" if row.format == "csv" else "xlsx",
        active=row.active,
        next_send_at=next_send,
        last_since=row.last_since,
        last_until=row.last_until,
        last_sent_at=row.last_sent_at,
        last_error=row.last_error,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _check(session: AsyncSession, data: ScheduleIn) -> None:
    """Recipients that are active operators; filters by teams and inboxes that exist and,
    for a supervisor, that are theirs (422 with the first id that is not)."""
    wanted = set(data.recipient_agent_ids)
    unknown = wanted - await accounts.active_agent_ids(session, agent_ids=wanted)
    if unknown:
        raise invalid(f"recipient_agent_ids: no active operator {min(unknown)}")
    scope = access.scope_in(session)
    teams, inboxes = set(data.filters.team_ids), set(data.filters.inbox_ids)
    if scope.everything:
        missing_teams = teams - await accounts.existing_team_ids(session, team_ids=teams)
        missing_inboxes = inboxes - set(await channels.inbox_ids(session))
    else:
        missing_teams, missing_inboxes = teams - scope.team_ids, inboxes - scope.inbox_ids
    if missing_teams:
        raise invalid(f"filters.team_ids: team {min(missing_teams)} is not one you may report on")
    if missing_inboxes:
        raise invalid(
            f"filters.inbox_ids: inbox {min(missing_inboxes)} is not one you may report on"
        )


def _timing(row: ReportSchedule) -> tuple[str, int | None, str, str]:
    return (row.frequency, row.weekday, row.send_time, row.timezone)


def _apply(row: ReportSchedule, data: ScheduleIn) -> None:
    row.name = data.name
    row.frequency = data.frequency
    row.weekday = data.weekday
    row.send_time = data.time
    row.timezone = data.timezone
    row.filters = data.filters.model_dump(mode="json")
    row.recipient_agent_ids = sorted(set(data.recipient_agent_ids))
    row.recipient_emails = sorted({str(e).lower() for e in data.recipient_emails})
    row.language = data.language
    row.format = data.format
    row.active = data.active


async def _own(session: AsyncSession, schedule_id: int) -> ReportSchedule:
    """The schedule if the caller may manage it (an admin any, a supervisor their own)."""
    row = await session.get(ReportSchedule, schedule_id)
    scope = access.scope_in(session)
    if row is None or not (scope.everything or row.owner_id == scope.agent_id):
        raise not_found("Report schedule", schedule_id)
    return row


async def list_schedules(session: AsyncSession) -> list[ScheduleOut]:
    scope = access.scope_in(session)
    query = select(ReportSchedule).order_by(R.id)
    if not scope.everything:
        query = query.where(R.owner_id == scope.agent_id)
    now = utcnow()
    return [_out(row, now) for row in (await session.execute(query)).scalars()]


async def get_schedule(session: AsyncSession, *, schedule_id: int) -> ScheduleOut:
    return _out(await _own(session, schedule_id), utcnow())


async def create_schedule(session: AsyncSession, *, data: ScheduleIn, owner_id: int) -> ScheduleOut:
    await _check(session, data)
    now = utcnow()
    row = ReportSchedule(owner_id=owner_id, starts_at=now, created_at=now, updated_at=now)
    _apply(row, data)
    session.add(row)
    await session.flush()
    return _out(row, now)


async def update_schedule(
    session: AsyncSession, *, schedule_id: int, data: ScheduleIn
) -> ScheduleOut:
    row = await _own(session, schedule_id)
    await _check(session, data)
    before, was_active = _timing(row), row.active
    _apply(row, data)
    now = utcnow()
    if _timing(row) != before or (row.active and not was_active):
        row.starts_at = now  # a send whose moment has passed already is not made up for
    row.updated_at = now
    await session.flush()
    return _out(row, now)


async def delete_schedule(session: AsyncSession, *, schedule_id: int) -> None:
    await session.delete(await _own(session, schedule_id))
    await session.flush()


async def enqueue_due(session: AsyncSession, *, now: datetime) -> int:
    """Enqueue the mail of every active schedule whose latest send is due and not yet
    handed over; how many were enqueued (the ``reports.schedules`` job, every minute)."""
    rows = (await session.execute(select(ReportSchedule).where(R.active.is_(True)))).scalars()
    enqueued = 0
    for row in list(rows):
        slot = periods.latest(
            frequency="weekly" if row.frequency == "weekly" else "daily",
            weekday=row.weekday,
            send_time=row.send_time,
            timezone=row.timezone,
            now=now,
        )
        if slot.due_at < row.starts_at:
            continue
        if row.last_until is not None and row.last_until >= slot.until:
            continue
        claimed = await session.execute(
            update(ReportSchedule)
            .where(R.id == row.id, or_(R.last_until.is_(None), R.last_until < slot.until))
            .values(last_since=slot.since, last_until=slot.until)
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            continue  # another worker took it in the meantime
        await enqueue(
            session,
            name=SEND_JOB,
            payload={
                "schedule_id": row.id,
                "since": slot.since.isoformat(),
                "until": slot.until.isoformat(),
            },
            dedupe_key=f"report-schedule:{row.id}:{slot.since.isoformat()}",
            max_attempts=SEND_ATTEMPTS,
        )
        enqueued += 1
    return enqueued


async def record_result(
    session: AsyncSession,
    *,
    schedule_id: int,
    until: datetime,
    sent_at: datetime | None,
    error: str | None,
) -> None:
    """What became of the mail of the period ending ``until`` (shown in the list)."""
    values: dict[str, object] = {"last_error": error[:2000] if error else None}
    if sent_at is not None:
        values["last_sent_at"] = sent_at
        values["sent_until"] = until
    await session.execute(
        update(ReportSchedule)
        .where(R.id == schedule_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
