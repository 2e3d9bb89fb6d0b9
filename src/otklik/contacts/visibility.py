"""Which contacts an operator may see: those with a conversation they may see (admins:
every contact). The conversations domain answers it; ``wiring.py`` plugs that in through
:func:`visible_contacts_with` (contacts do not read conversations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, false, literal, select

from otklik.accounts import access

#: The ids of the contacts a scope may see, as a subquery.
VisibleContacts = Callable[[access.Scope], Select[Any]]
_visible: VisibleContacts | None = None


def visible_contacts_with(resolver: VisibleContacts) -> None:
    global _visible
    _visible = resolver


def visible_ids(scope: access.Scope) -> Select[Any] | None:
    """The subquery of the contacts ``scope`` may see; ``None``: every contact (admins).
    Before wiring (no resolver) an operator sees none."""
    if scope.everything:
        return None
    if _visible is None:
        return select(literal(0)).where(false())
    return _visible(scope)
