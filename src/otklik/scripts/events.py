"""Live updates about scripts: operators' clients refetch what changed.

Payloads carry ids and scope, not content: the operators' stream reaches every agent, and a
personal canned answer is nobody else's business. A client refetches
``GET /canned-answers/{id}`` (404 once deleted or when it is not theirs to see).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.realtime import log
from otklik.realtime.protocol import STREAM_AGENTS
from otklik.scripts.scopes import Placement

CANNED_ANSWER_CHANGED = "canned_answer.changed"
MACRO_CHANGED = "macro.changed"
AUTOMATION_RULE_CHANGED = "automation_rule.changed"
#: After a CSV import: refetch the list.
CANNED_ANSWERS_IMPORTED = "canned_answers.imported"


async def changed(
    session: AsyncSession,
    event_type: str,
    *,
    item_id: int,
    placement: Placement,
    deleted: bool = False,
) -> None:
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=event_type,
        payload={
            "id": item_id,
            "scope": placement.scope,
            "owner_id": placement.owner_id,
            "team_id": placement.team_id,
            "deleted": deleted,
        },
    )


async def imported(session: AsyncSession, *, created: int, updated: int) -> None:
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=CANNED_ANSWERS_IMPORTED,
        payload={"created": created, "updated": updated},
    )
