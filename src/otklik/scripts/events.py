"""Live updates about scripts: operators' clients refetch what changed.

Payloads carry ids and scope, not content: the operators' stream reaches every agent, and a
personal canned answer is nobody else's business. A client refetches
``GET /canned-answers/{id}`` (404 once deleted or when it is not theirs to see).
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.core.events import FrameData, FrameKind
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_AGENTS
from otklik.scripts.scopes import Placement

CANNED_ANSWER_CHANGED = "canned_answer.changed"
MACRO_CHANGED = "macro.changed"
AUTOMATION_RULE_CHANGED = "automation_rule.changed"
#: After a CSV import: refetch the list.
CANNED_ANSWERS_IMPORTED = "canned_answers.imported"


class ScriptChangedData(FrameData):
    """Ids and scope only: the client refetches the item (404 once deleted or not theirs)."""

    id: int
    scope: Literal["personal", "team", "global"]
    owner_id: int | None
    team_id: int | None
    deleted: bool


class ImportedData(FrameData):
    created: int
    updated: int


CHANGED_FRAMES = {
    kind: FrameKind("agents", kind, ScriptChangedData)
    for kind in (CANNED_ANSWER_CHANGED, MACRO_CHANGED, AUTOMATION_RULE_CHANGED)
}
IMPORTED_FRAME = FrameKind("agents", CANNED_ANSWERS_IMPORTED, ImportedData)


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
        payload=CHANGED_FRAMES[event_type].payload(
            ScriptChangedData.model_validate(
                {
                    "id": item_id,
                    "scope": placement.scope,
                    "owner_id": placement.owner_id,
                    "team_id": placement.team_id,
                    "deleted": deleted,
                }
            )
        ),
    )


async def imported(session: AsyncSession, *, created: int, updated: int) -> None:
    await log.append(
        session,
        stream=STREAM_AGENTS,
        type=CANNED_ANSWERS_IMPORTED,
        payload=IMPORTED_FRAME.payload(ImportedData(created=created, updated=updated)),
    )
