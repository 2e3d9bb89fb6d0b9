"""Erasing a contact, and the retention that erases old resolved conversations.

Both run every registered part (``personal_data.py``) in the caller's transaction: the
``prepare`` steps gather what is erased (conversations, personal strings), the ``erase``
steps anonymise or delete. The audit entry says who, when and which contact, with counts —
never a name, an address or a text.
"""

from __future__ import annotations

import calendar
from datetime import datetime

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.audit import service as audit
from otklik.config import Settings
from otklik.conversations.personal_data import resolved_before
from otklik.core.clock import utcnow
from otklik.core.errors import AppError
from otklik.core.events import bus
from otklik.privacy.events import ContactErased, ConversationsErased
from otklik.privacy.models import PrivacySetting
from otklik.privacy.personal_data import Erasure, parts
from otklik.privacy.schemas import ErasureOut, RetentionOut

RETENTION_KEY = "retention_months"
#: Conversations the retention job erases per run (it runs hourly; a backlog drains).
RETENTION_BATCH = 200


async def _run(session: AsyncSession, erasure: Erasure) -> None:
    for part in parts():
        if part.prepare is not None:
            await part.prepare(session, erasure)
    for part in parts():
        if part.erase is not None:
            await part.erase(session, erasure)
    await session.flush()
    # Files go once every row is gone; a failed commit after this leaves rows without files
    # (shown as missing), never files without rows.
    for path in erasure.files:
        await anyio.Path(path).unlink(missing_ok=True)


async def erase_contact(
    session: AsyncSession,
    *,
    settings: Settings,
    contact_id: int,
    confirm_contact_id: int,
    actor_id: int,
    ip: str | None,
) -> ErasureOut:
    if confirm_contact_id != contact_id:
        raise AppError(422, "not_confirmed", "The confirmation does not name this contact.")
    erasure = Erasure(settings=settings, contact_id=contact_id)
    await _run(session, erasure)
    assert erasure.placeholder_id is not None  # the contacts part made one
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="privacy.contact_erased",
        target_type="contact",
        target_id=contact_id,
        data={"placeholder_id": erasure.placeholder_id, "counts": erasure.counts},
        ip=ip,
    )
    await bus.emit(
        session,
        ContactErased(
            contact_id=contact_id,
            placeholder_id=erasure.placeholder_id,
            conversation_ids=tuple(erasure.conversation_ids),
        ),
    )
    return ErasureOut(
        contact_id=contact_id, placeholder_id=erasure.placeholder_id, counts=erasure.counts
    )


# --- retention ---------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st → the month's last)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


async def retention_months(session: AsyncSession) -> int | None:
    return await session.scalar(
        select(PrivacySetting.value).where(PrivacySetting.key == RETENTION_KEY)
    )


async def retention(session: AsyncSession) -> RetentionOut:
    return RetentionOut(retention_months=await retention_months(session))


async def set_retention(
    session: AsyncSession, *, months: int | None, actor_id: int, ip: str | None
) -> RetentionOut:
    row = await session.get(PrivacySetting, RETENTION_KEY, with_for_update=True)
    before = row.value if row is not None else None
    if row is None:
        row = PrivacySetting(key=RETENTION_KEY)
        session.add(row)
    row.value = months
    row.updated_at = utcnow()
    row.updated_by_id = actor_id
    audit.record(
        session,
        actor_type="agent",
        actor_id=actor_id,
        action="settings.retention_changed",
        data={"before": before, "after": months},
        ip=ip,
    )
    return RetentionOut(retention_months=months)


async def apply_retention(session: AsyncSession, *, settings: Settings) -> int:
    """Erase up to :data:`RETENTION_BATCH` resolved conversations whose last activity is
    older than the period; returns how many. Nothing when retention is off."""
    months = await retention_months(session)
    if months is None:
        return 0
    ids = await resolved_before(session, months_before(utcnow(), months), RETENTION_BATCH)
    if not ids:
        return 0
    erasure = Erasure(settings=settings, contact_id=None, conversation_ids=list(ids))
    await _run(session, erasure)
    audit.record(
        session,
        actor_type="system",
        actor_id=None,
        action="privacy.retention_erased",
        target_type="conversation",
        data={"conversation_ids": ids, "months": months, "counts": erasure.counts},
    )
    await bus.emit(session, ConversationsErased(conversation_ids=tuple(ids)))
    return len(ids)
