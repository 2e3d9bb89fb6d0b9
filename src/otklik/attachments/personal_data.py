"""Files a contact sent or received, for a personal-data export (copied into the ZIP) or
erasure (rows deleted, files removed from the disk after commit)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.attachments.models import Attachment
from otklik.attachments.service import file_path, sanitise_filename
from otklik.config import Settings
from otklik.conversations.personal_data import conversation_ids_of
from otklik.privacy.personal_data import (
    Erasure,
    Exported,
    ExportedFile,
    PersonalDataPart,
)


def _about(contact_id: int | None, conversation_ids: Sequence[int]) -> ColumnElement[bool]:
    """The files of those conversations, and the contact's own uploads not sent yet."""
    conditions: list[ColumnElement[bool]] = []
    if conversation_ids:
        conditions.append(Attachment.conversation_id.in_(conversation_ids))
    if contact_id is not None:
        conditions.append(
            (Attachment.uploader_type == "contact") & (Attachment.uploader_id == contact_id)
        )
    return or_(*conditions) if conditions else false()


async def _export(session: AsyncSession, contact_id: int, settings: Settings) -> Exported:
    ids = await conversation_ids_of(session, contact_id)
    rows = (
        await session.scalars(
            select(Attachment).where(_about(contact_id, ids)).order_by(Attachment.id)
        )
    ).all()
    files = []
    listed = []
    for row in rows:
        name = f"attachments/{row.id}-{sanitise_filename(row.filename)}"
        path = file_path(settings, row)
        present = path.is_file()
        if present:
            files.append(ExportedFile(name, path))
        listed.append(
            {
                "id": row.id,
                "conversation_id": row.conversation_id,
                "message_id": row.message_id,
                "uploaded_by": row.uploader_type,
                "filename": row.filename,
                "content_type": row.content_type,
                "size": row.size,
                "sha256": row.sha256,
                "created_at": row.created_at.isoformat(),
                "file": name if present else None,
            }
        )
    return Exported(listed, files)


async def _prepare(session: AsyncSession, erasure: Erasure) -> None:
    names = await session.scalars(
        select(Attachment.filename).where(_about(erasure.contact_id, erasure.conversation_ids))
    )
    erasure.add_needles(names)


async def _erase(session: AsyncSession, erasure: Erasure) -> None:
    rows = (
        await session.scalars(
            select(Attachment).where(_about(erasure.contact_id, erasure.conversation_ids))
        )
    ).all()
    erasure.files.extend(file_path(erasure.settings, row) for row in rows)
    if rows:
        await session.execute(delete(Attachment).where(Attachment.id.in_([r.id for r in rows])))
    erasure.counts["attachments"] = len(rows)


#: After the conversations part found the conversations; before nothing else.
ATTACHMENTS = PersonalDataPart(
    "attachments", order=20, export=_export, prepare=_prepare, erase=_erase
)
