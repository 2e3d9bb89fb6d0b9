"""Saved segments of the contacts list: an operator's own, or shared with every operator."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.contacts.models import ContactSegment
from otklik.contacts.schemas import SegmentIn, SegmentOut
from otklik.core.errors import forbidden, not_found


def segment_out(segment: ContactSegment) -> SegmentOut:
    return SegmentOut.model_validate(segment, from_attributes=True)


async def list_segments(session: AsyncSession, *, agent_id: int) -> list[SegmentOut]:
    """The caller's own segments and the shared ones, by name."""
    rows = await session.scalars(
        select(ContactSegment)
        .where(or_(ContactSegment.owner_id == agent_id, ContactSegment.shared.is_(True)))
        .order_by(ContactSegment.name, ContactSegment.id)
        .limit(500)
    )
    return [segment_out(s) for s in rows]


async def create_segment(session: AsyncSession, *, agent_id: int, data: SegmentIn) -> SegmentOut:
    segment = ContactSegment(
        owner_id=agent_id,
        name=data.name,
        filters=data.filters.model_dump(exclude_none=True),
        shared=data.shared,
    )
    session.add(segment)
    await session.flush()
    return segment_out(segment)


async def delete_segment(
    session: AsyncSession, *, segment_id: int, agent_id: int, role: str
) -> None:
    """Its owner or an admin deletes it; another's private segment does not exist for them."""
    segment = await session.get(ContactSegment, segment_id)
    if segment is None or (not segment.shared and segment.owner_id != agent_id and role != "admin"):
        raise not_found("Segment", segment_id)
    if segment.owner_id != agent_id and role != "admin":
        raise forbidden("Only the segment's owner or an admin may delete it.")
    await session.delete(segment)
