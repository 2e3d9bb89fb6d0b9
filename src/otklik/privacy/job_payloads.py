"""Queued and finished jobs keep their payloads (a Telegram update carries the sender's name
and text) until housekeeping drops them: an erasure redacts its personal strings there too."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.jobs.payloads import rewrite_payloads
from otklik.privacy.personal_data import Erasure, PersonalDataPart, redact


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    if not erasure.needles:
        return

    def rewrite(payload: dict[str, Any]) -> dict[str, Any] | None:
        redacted, changed = redact(payload, erasure.needles)
        return redacted if changed else None

    erasure.counts["jobs"] = await rewrite_payloads(session, rewrite)


JOB_PAYLOADS = PersonalDataPart("job_payloads", order=60, erase=_erase)
