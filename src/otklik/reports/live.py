"""The team lead's live board: operators and their open dialogs, the queue, the longest
wait, conversations whose SLA target is missed or due soon.

Read from the reports' own per-conversation state (kept by the event subscribers), the
operators' directory and the SLA's deadlines; the caller's scope limits each part (a
supervisor sees the operators of their teams and the conversations they may see). The
operator app refetches it when its socket hears a change.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.accounts import access
from otklik.accounts import service as accounts
from otklik.accounts.schemas import AgentOut
from otklik.reports.models import ReportConversation
from otklik.reports.schemas import LiveCsat, LiveOperator, LiveOut, LiveStatus, NearBreach
from otklik.sla import service as sla
from otklik.surveys import service as surveys

S = ReportConversation
#: A target due within this long counts as near breach.
NEAR = timedelta(minutes=15)


def _shown(agent: AgentOut, scope: access.Scope) -> bool:
    """Admins see every active operator; a supervisor those of their teams, and themselves."""
    if not agent.active:
        return False
    if scope.everything or agent.id == scope.agent_id:
        return True
    return bool(set(agent.team_ids) & scope.team_ids)


async def csat_today(session: AsyncSession, *, now: datetime, timezone: str) -> LiveCsat:
    """CSAT of the answers given since midnight in ``timezone`` (the lead's own)."""
    zone = ZoneInfo(timezone)
    midnight = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    since = midnight.astimezone(UTC)
    scores = await surveys.answered_since(session, kind="csat", since=since)
    answered = sum(scores.values())
    good = sum(n for score, n in scores.items() if score >= 4)
    return LiveCsat(
        since=since, answered=answered, score=good / answered * 100 if answered else None
    )


async def snapshot(session: AsyncSession, *, now: datetime, timezone: str = "UTC") -> LiveOut:
    scope = access.scope_in(session)
    seen = access.visible(scope, inbox_id=S.inbox_id, team_id=S.team_id, assignee_id=S.assignee_id)
    open_now = S.status != "resolved"
    per_agent = dict(
        (
            await session.execute(
                select(S.assignee_id, func.count())
                .where(open_now, seen, S.assignee_id.is_not(None))
                .group_by(S.assignee_id)
            )
        ).all()
    )
    queue = await session.scalar(
        select(func.count()).where(S.status == "open", S.assignee_id.is_(None), seen)
    )
    waiting = await session.scalar(
        select(func.min(S.waiting_since)).where(open_now, S.waiting_since.is_not(None), seen)
    )
    operators = []
    for agent in await accounts.list_agents(session):
        if not _shown(agent, scope):
            continue
        dialogs = int(per_agent.get(agent.id, 0))
        full = bool(agent.max_concurrent) and dialogs >= agent.max_concurrent
        status: LiveStatus = "busy" if agent.status == "online" and full else agent.status
        operators.append(
            LiveOperator(
                id=agent.id,
                name=agent.name,
                status=status,
                open=dialogs,
                max_concurrent=agent.max_concurrent,
            )
        )
    due = await sla.due_soonest(session, conversation_ids=None, limit=50)
    near = [
        NearBreach(
            conversation_id=d.conversation_id, target=d.target, state=d.state, due_at=d.due_at
        )
        for d in due
        if d.due_at <= now + NEAR
    ]
    return LiveOut(
        at=now,
        operators=operators,
        queue=int(queue or 0),
        waiting_since=waiting,
        near_breach=near,
        csat_today=await csat_today(session, now=now, timezone=timezone),
    )
