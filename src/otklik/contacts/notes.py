"""Operators' notes on a contact: who wrote what, when (never shown to the customer)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.contacts import events
from otklik.contacts.models import ContactNote
from otklik.contacts.schemas import NoteOut
from otklik.contacts.service import ADMINS_ONLY, contact_reaches
from otklik.core.clock import utcnow
from otklik.core.errors import forbidden, not_found
from otklik.realtime import log
from otklik.realtime.protocol import STREAM_AGENTS


def note_out(note: ContactNote) -> NoteOut:
    return NoteOut.model_validate(note, from_attributes=True)


async def list_notes(session: AsyncSession, contact_id: int) -> list[NoteOut]:
    rows = await session.scalars(
        select(ContactNote)
        .where(ContactNote.contact_id == contact_id)
        .order_by(ContactNote.id.desc())
        .limit(500)
    )
    return [note_out(n) for n in rows]


async def add_note(
    session: AsyncSession, *, contact_id: int, author_id: int, text: str
) -> ContactNote:
    note = ContactNote(contact_id=contact_id, author_id=author_id, text=text)
    session.add(note)
    await _announce(session, note)
    return note


async def _own_note(
    session: AsyncSession, *, contact_id: int, note_id: int, agent_id: int, role: str
) -> ContactNote:
    """A note of the contact; only its author (or an admin) changes it."""
    note = await session.get(ContactNote, note_id)
    if note is None or note.contact_id != contact_id:
        raise not_found("Note", note_id)
    if note.author_id != agent_id and role != "admin":
        raise forbidden("Only the note's author or an admin may change it.")
    return note


async def edit_note(
    session: AsyncSession, *, contact_id: int, note_id: int, agent_id: int, role: str, text: str
) -> ContactNote:
    note = await _own_note(
        session, contact_id=contact_id, note_id=note_id, agent_id=agent_id, role=role
    )
    note.text = text
    note.updated_at = utcnow()
    await _announce(session, note)
    return note


async def delete_note(
    session: AsyncSession, *, contact_id: int, note_id: int, agent_id: int, role: str
) -> None:
    note = await _own_note(
        session, contact_id=contact_id, note_id=note_id, agent_id=agent_id, role=role
    )
    await session.delete(note)
    await _announce(session, note, deleted=True)


async def _announce(session: AsyncSession, note: ContactNote, *, deleted: bool = False) -> None:
    await session.flush()
    data = events.ContactNoteChangedData(contact_id=note.contact_id, id=note.id, deleted=deleted)
    reaches = await contact_reaches(session, note.contact_id)
    await log.write_feed(
        session,
        [
            events.CONTACT_NOTE_CHANGED_FRAME.entry(STREAM_AGENTS, data, reach)
            for reach in reaches or [ADMINS_ONLY]
        ],
    )
