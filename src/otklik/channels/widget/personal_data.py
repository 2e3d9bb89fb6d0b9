"""Email proofs a visitor asked for (the address they typed): gone with the contact."""

from __future__ import annotations

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.channels.widget.models import VisitorEmailProof
from otklik.privacy.personal_data import Erasure, PersonalDataPart


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    if erasure.contact_id is None:
        return
    contact_id = erasure.contact_id
    emails = [n.lower() for n in erasure.needles if "@" in n]
    result = await session.execute(
        delete(VisitorEmailProof).where(
            or_(
                VisitorEmailProof.visitor_id == contact_id,
                VisitorEmailProof.merged_into_id == contact_id,
                VisitorEmailProof.email.in_(emails),
            )
        )
    )
    erasure.counts["email_proofs"] = int(getattr(result, "rowcount", 0) or 0)


EMAIL_PROOFS = PersonalDataPart("email_proofs", order=50, erase=_erase)
