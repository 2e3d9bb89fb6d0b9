"""Operator endpoints for contacts: the list, a contact's fields, notes and tags.

An operator reaches a contact through its conversations (``conversations.require_contact``:
404 otherwise); admins reach every contact, and only they create contacts by hand (a contact
with no conversation is seen by admins alone)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from otklik.accounts.deps import AdminAgent, CurrentAgent
from otklik.contacts import editing, merging, notes, segments, service
from otklik.contacts.listing import Filters, list_contacts
from otklik.contacts.schemas import (
    ContactIn,
    ContactListOut,
    ContactOut,
    ContactUpdate,
    Duplicate,
    MergeIn,
    NoteIn,
    NoteOut,
    SegmentIn,
    SegmentOut,
    TaggedOut,
    TagsIn,
)
from otklik.conversations import service as conversations
from otklik.conversations.schemas import ConversationOut
from otklik.core.deps import DbSession
from otklik.core.errors import invalid
from otklik.core.routing import TransactionalRoute
from otklik.core.schemas import Id, Items

router = APIRouter(prefix="/api/v1", route_class=TransactionalRoute, tags=["contacts"])


@router.get("/contacts", response_model=ContactListOut)
async def list_all(
    _: CurrentAgent,
    session: DbSession,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    company_id: Annotated[int | None, Query(ge=1)] = None,
    verified: bool | None = None,
    seen_after: datetime | None = None,
    seen_before: datetime | None = None,
    before: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ContactListOut:
    filters = Filters(
        q=q,
        tag=tag,
        company_id=company_id,
        verified=verified,
        seen_after=seen_after,
        seen_before=seen_before,
    )
    return await list_contacts(session, filters, before=before, limit=limit)


@router.post("/contacts", response_model=ContactOut, status_code=201)
async def create(body: ContactIn, _: AdminAgent, session: DbSession) -> ContactOut:
    return service.contact_out(await editing.create_contact(session, body))


@router.post("/contacts/tags", response_model=TaggedOut)
async def bulk_tag(body: TagsIn, _: CurrentAgent, session: DbSession) -> TaggedOut:
    return TaggedOut(updated=await editing.tag_contacts(session, body))


@router.get("/contacts/{contact_id}", response_model=ContactOut)
async def get_contact(contact_id: Id, _: CurrentAgent, session: DbSession) -> ContactOut:
    await conversations.require_contact(session, contact_id=contact_id)
    return service.contact_out(await service.get_contact(session, contact_id))


@router.patch("/contacts/{contact_id}", response_model=ContactOut)
async def update(
    contact_id: Id, body: ContactUpdate, _: CurrentAgent, session: DbSession
) -> ContactOut:
    await conversations.require_contact(session, contact_id=contact_id)
    return service.contact_out(await editing.update_contact(session, contact_id, body))


@router.get("/contacts/{contact_id}/conversations", response_model=Items[ConversationOut])
async def contact_conversations(
    contact_id: Id, _: CurrentAgent, session: DbSession
) -> Items[ConversationOut]:
    await service.get_contact(session, contact_id)
    await conversations.require_contact(session, contact_id=contact_id)
    return Items(items=await conversations.contact_conversations(session, contact_id=contact_id))


@router.get("/contacts/{contact_id}/notes", response_model=Items[NoteOut])
async def list_notes(contact_id: Id, _: CurrentAgent, session: DbSession) -> Items[NoteOut]:
    await conversations.require_contact(session, contact_id=contact_id)
    await service.get_contact(session, contact_id)
    return Items(items=await notes.list_notes(session, contact_id))


@router.post("/contacts/{contact_id}/notes", response_model=NoteOut, status_code=201)
async def add_note(
    contact_id: Id, body: NoteIn, agent: CurrentAgent, session: DbSession
) -> NoteOut:
    await conversations.require_contact(session, contact_id=contact_id)
    await service.get_contact(session, contact_id)
    note = await notes.add_note(session, contact_id=contact_id, author_id=agent.id, text=body.text)
    return notes.note_out(note)


@router.patch("/contacts/{contact_id}/notes/{note_id}", response_model=NoteOut)
async def edit_note(
    contact_id: Id, note_id: Id, body: NoteIn, agent: CurrentAgent, session: DbSession
) -> NoteOut:
    await conversations.require_contact(session, contact_id=contact_id)
    note = await notes.edit_note(
        session,
        contact_id=contact_id,
        note_id=note_id,
        agent_id=agent.id,
        role=agent.role,
        text=body.text,
    )
    return notes.note_out(note)


@router.delete("/contacts/{contact_id}/notes/{note_id}", status_code=204)
async def delete_note(
    contact_id: Id, note_id: Id, agent: CurrentAgent, session: DbSession
) -> Response:
    await conversations.require_contact(session, contact_id=contact_id)
    await notes.delete_note(
        session, contact_id=contact_id, note_id=note_id, agent_id=agent.id, role=agent.role
    )
    return Response(status_code=204)


@router.get("/contacts/{contact_id}/duplicates", response_model=Items[Duplicate])
async def duplicates(contact_id: Id, _: CurrentAgent, session: DbSession) -> Items[Duplicate]:
    await conversations.require_contact(session, contact_id=contact_id)
    return Items(items=await merging.duplicates(session, contact_id))


@router.post("/contacts/{contact_id}/merge", response_model=ContactOut)
async def merge(
    contact_id: Id, body: MergeIn, agent: CurrentAgent, session: DbSession
) -> ContactOut:
    """Both contacts must be the caller's to see; ``contact_id`` stays."""
    await conversations.require_contact(session, contact_id=contact_id)
    await service.get_contact(session, contact_id)
    await conversations.require_contact(session, contact_id=body.other_id)
    await service.get_contact(session, body.other_id)
    if body.other_id == contact_id:
        raise invalid("A contact cannot be merged into itself.")
    moved = await conversations.move_to_contact(
        session, from_contact_id=body.other_id, to_contact_id=contact_id
    )
    into = await merging.merge(
        session, into_id=contact_id, from_id=body.other_id, actor_id=agent.id, conversations=moved
    )
    return service.contact_out(into)


@router.get("/contact-segments", response_model=Items[SegmentOut])
async def list_segments(agent: CurrentAgent, session: DbSession) -> Items[SegmentOut]:
    return Items(items=await segments.list_segments(session, agent_id=agent.id))


@router.post("/contact-segments", response_model=SegmentOut, status_code=201)
async def create_segment(body: SegmentIn, agent: CurrentAgent, session: DbSession) -> SegmentOut:
    return await segments.create_segment(session, agent_id=agent.id, data=body)


@router.delete("/contact-segments/{segment_id}", status_code=204)
async def delete_segment(segment_id: Id, agent: CurrentAgent, session: DbSession) -> Response:
    await segments.delete_segment(
        session, segment_id=segment_id, agent_id=agent.id, role=agent.role
    )
    return Response(status_code=204)
