"""Escalations carry the operator's reason, free text about the customer: blanked when
their conversation is erased (the escalation itself stays for reports)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.privacy.personal_data import Erasure, PersonalDataPart
from otklik.routing.models import Escalation


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    if not erasure.conversation_ids:
        return
    await session.execute(
        update(Escalation)
        .where(Escalation.conversation_id.in_(erasure.conversation_ids))
        .values(reason="")
    )


ESCALATIONS = PersonalDataPart("escalations", order=50, erase=_erase)
