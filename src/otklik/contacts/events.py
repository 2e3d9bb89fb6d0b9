"""Live events about contacts, on the operators' stream."""

from __future__ import annotations

from otklik.contacts.schemas import ContactOut
from otklik.core.events import FrameData, FrameKind

#: ``{"contact": Contact}`` — a contact's name, email or attributes changed.
CONTACT_UPDATED = "contact.updated"


class ContactUpdatedData(FrameData):
    contact: ContactOut


CONTACT_UPDATED_FRAME = FrameKind("agents", CONTACT_UPDATED, ContactUpdatedData)
