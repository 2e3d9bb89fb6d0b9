"""How a conversation's status, assignee and team looked before a change, for those who react
to its events (automation rules, outgoing webhooks).

Events carry only the new state of a conversation; "status changed" and "assigned" need the
old one too. SQLAlchemy still knows it while a flush runs, so one ``after_flush`` hook notes
the *first* old value per conversation and field — once per registered reader, in
``session.info`` under the reader's key — and each reader takes (and clears) its notes when
the conversation's next event arrives. The hook records; readers decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from otklik.conversations.models import Conversation
from otklik.core.events import bus

WATCHED = ("status", "assignee_id", "team_id")
#: The cause (``core.events.EventBus.caused_by``) automation acts under: readers registered
#: with ``skip_automation`` note nothing then (a rule's own actions must not look like triggers).
AUTOMATION = "automation"
#: The old value when SQLAlchemy no longer had it (the attribute was not loaded).
UNKNOWN = object()

STATUS = "status"
ASSIGNMENT = "assignment"


@dataclass(frozen=True, slots=True)
class _Reader:
    key: str
    skip_automation: bool


_readers: dict[str, _Reader] = {}


def register(key: str, *, skip_automation: bool) -> None:
    """Start noting old values for the reader that will :func:`take` them under ``key``."""
    _readers[key] = _Reader(key, skip_automation)
    if not event.contains(Session, "after_flush", _note):
        event.listen(Session, "after_flush", _note)


def _note(session: Session, _flush: UOWTransaction) -> None:
    automating = AUTOMATION in bus.causes()
    readers = [r for r in _readers.values() if not (automating and r.skip_automation)]
    if not readers:
        return
    for obj in session.dirty:
        if not isinstance(obj, Conversation):
            continue
        attrs = inspect(obj).attrs
        for name in WATCHED:
            history = attrs[name].history
            if not history.added:
                continue
            old = history.deleted[0] if history.deleted else UNKNOWN
            for reader in readers:
                notes: dict[int, dict[str, Any]] = session.info.setdefault(reader.key, {})
                notes.setdefault(obj.id, {}).setdefault(name, old)


def take(session_info: dict[str, Any], key: str, conversation_id: int) -> dict[str, Any]:
    """The old values noted for this reader and conversation since its last take."""
    notes: dict[int, dict[str, Any]] = session_info.get(key, {})
    return notes.pop(conversation_id, {})


def what_changed(before: dict[str, Any], conversation: dict[str, Any]) -> set[str]:
    """:data:`STATUS` and/or :data:`ASSIGNMENT` (to an operator or a team — not unassigning),
    comparing the noted old values with a conversation as an event shows it."""
    found = set()
    if STATUS in before and before[STATUS] != conversation.get(STATUS):
        found.add(STATUS)
    if any(
        before[name] != conversation.get(name) and conversation.get(name) is not None
        for name in ("assignee_id", "team_id")
        if name in before
    ):
        found.add(ASSIGNMENT)
    return found
