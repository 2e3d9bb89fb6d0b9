"""Remember how a conversation's status, assignee and team looked before a change.

Events carry only the new state of a conversation; "status changed" and "assigned" triggers
need the old one too. SQLAlchemy still knows it while a flush runs, so an ``after_flush``
hook notes the *first* old value per conversation and field in ``session.info``; the
automation listener takes (and clears) those notes when the conversation's next operator
event arrives. The hook records, it decides nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from otklik.conversations.models import Conversation

WATCHED = ("status", "assignee_id", "team_id")
NOTES_KEY = "otklik.scripts.before"
#: While set (automation is acting), changes are not noted: a rule's own actions must not
#: look like triggers.
PAUSED_KEY = "otklik.scripts.acting"
UNKNOWN = object()


def _note(session: Session, _flush: UOWTransaction) -> None:
    if session.info.get(PAUSED_KEY):
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
            notes: dict[int, dict[str, Any]] = session.info.setdefault(NOTES_KEY, {})
            notes.setdefault(obj.id, {}).setdefault(name, old)


def take(session_info: dict[str, Any], conversation_id: int) -> dict[str, Any]:
    """The old values noted for this conversation since the last take."""
    notes: dict[int, dict[str, Any]] = session_info.get(NOTES_KEY, {})
    return notes.pop(conversation_id, {})


def install() -> None:
    if not event.contains(Session, "after_flush", _note):
        event.listen(Session, "after_flush", _note)
