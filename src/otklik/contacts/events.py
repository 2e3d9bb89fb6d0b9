"""Live events about contacts, on the operators' stream."""

from __future__ import annotations

from typing import ClassVar

from otklik.contacts.schemas import ContactOut
from otklik.core.events import DomainEvent, FeedEntry, FrameData, FrameKind, Reach
from otklik.realtime.protocol import STREAM_AGENTS

#: ``{"contact": Contact}`` — a contact's name, email or attributes changed.
CONTACT_UPDATED = "contact.updated"


class ContactUpdatedData(FrameData):
    contact: ContactOut


CONTACT_UPDATED_FRAME = FrameKind("agents", CONTACT_UPDATED, ContactUpdatedData)


class ContactVerified(DomainEvent):
    """The customer's site vouched for a contact for the first time: a widget session carried
    a valid signature of the site's user id (``contacts/verified.py``). Its card follows live
    through ``contact.updated``; webhooks and reports may subscribe."""

    name: ClassVar[str] = "contact.verified"

    contact_id: int
    inbox_id: int
    #: ``True``: the contact was made for this user id now (their first session anywhere).
    created: bool


#: ``{"id", "deleted"}`` — a company was created, changed or deleted (every operator hears
#: it: open company lists and contact pages refetch it).
COMPANY_CHANGED = "company.changed"


class CompanyChangedData(FrameData):
    id: int
    deleted: bool


COMPANY_CHANGED_FRAME = FrameKind("agents", COMPANY_CHANGED, CompanyChangedData)

#: ``{"contact_id", "id", "deleted"}`` — a note on a contact was added, edited or deleted;
#: heard as the contact is (by those who may see one of its conversations).
CONTACT_NOTE_CHANGED = "contact_note.changed"


class ContactNoteChangedData(FrameData):
    contact_id: int
    id: int
    deleted: bool


CONTACT_NOTE_CHANGED_FRAME = FrameKind("agents", CONTACT_NOTE_CHANGED, ContactNoteChangedData)

#: ``{"from_id", "into_id"}`` — contact ``from_id`` was merged into ``into_id`` (and is gone):
#: an open card of it follows to ``into_id``.
CONTACT_MERGED = "contact.merged"


class ContactMergedData(FrameData):
    from_id: int
    into_id: int


CONTACT_MERGED_FRAME = FrameKind("agents", CONTACT_MERGED, ContactMergedData)


class ContactsMerged(DomainEvent):
    """An operator merged two contacts: ``from_id``'s conversations, identities, addresses,
    notes, tags and attributes moved to ``into_id``, and ``from_id`` was deleted. The audit
    log has the merge record (``contact.merged``: what moved, what the target kept)."""

    name: ClassVar[str] = CONTACT_MERGED
    frames = (CONTACT_MERGED_FRAME,)
    from_id: int
    into_id: int
    actor_id: int
    #: The ways the merged contact's conversations reach operators (none: admins only).
    reaches: tuple[Reach, ...]

    def feed(self) -> list[FeedEntry]:
        data = ContactMergedData(from_id=self.from_id, into_id=self.into_id)
        reaches = self.reaches or (Reach(inbox_id=0, team_id=None, assignee_id=None),)
        return [CONTACT_MERGED_FRAME.entry(STREAM_AGENTS, data, reach) for reach in reaches]
