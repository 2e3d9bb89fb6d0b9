"""Live events about contacts, on the operators' stream."""

from __future__ import annotations

#: ``{"contact": Contact}`` — a contact's name, email or attributes changed.
CONTACT_UPDATED = "contact.updated"
