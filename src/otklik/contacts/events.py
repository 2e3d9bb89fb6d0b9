"""Live events about contacts, on the operators' stream."""

from __future__ import annotations

from typing import ClassVar

from otklik.contacts.schemas import ContactOut
from otklik.core.events import DomainEvent, FrameData, FrameKind

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
