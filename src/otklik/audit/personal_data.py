"""The audit log keeps what was done, never whom it was about beyond an id: an erasure
redacts the erased contact's strings from every entry's details (a merge records the values
it overrode, for one) and leaves the entry itself — who, what, when — in place."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.audit.models import AuditEntry
from otklik.privacy.personal_data import Erasure, PersonalDataPart, redact

BATCH = 1000


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    redacted = 0
    last = 0
    while erasure.needles:
        rows = (
            await session.execute(
                select(AuditEntry.id, AuditEntry.data)
                .where(AuditEntry.id > last)
                .order_by(AuditEntry.id)
                .limit(BATCH)
            )
        ).all()
        if not rows:
            break
        last = rows[-1].id
        for row in rows:
            data, changed = redact(row.data, erasure.needles)
            if changed:
                await session.execute(
                    update(AuditEntry).where(AuditEntry.id == row.id).values(data=data)
                )
                redacted += 1
    erasure.counts["audit"] = redacted


#: Before the erasure's own audit entry is written (that one holds no personal data).
AUDIT = PersonalDataPart("audit", order=70, erase=_erase)
