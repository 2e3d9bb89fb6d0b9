"""The registry of personal data: each domain declares how to export and erase its rows.

Privacy knows no table. A domain that keeps something about a contact (its row, its
conversations, files, the event log, webhook deliveries…) writes a :class:`PersonalDataPart`
in its own ``personal_data.py`` and ``otklik.wiring`` registers it — one line per domain:

.. code-block:: python

    # crm/personal_data.py
    async def _export(session: AsyncSession, contact_id: int, settings: Settings) -> Exported:
        rows = await session.scalars(select(Phone).where(Phone.contact_id == contact_id))
        return Exported({"phones": [row.number for row in rows]})

    async def _prepare(session: AsyncSession, erasure: Erasure) -> None:
        if erasure.contact_id is not None:  # what no row may keep afterwards
            erasure.needles.update(await session.scalars(select(Phone.number).where(...)))

    async def _erase(session: AsyncSession, erasure: Erasure) -> None:
        if erasure.contact_id is not None:
            await session.execute(delete(Phone).where(Phone.contact_id == erasure.contact_id))

    PHONES = PersonalDataPart("phones", order=50, export=_export, prepare=_prepare,
                              erase=_erase)

An erasure runs every part's ``prepare`` (in ``order``), then every part's ``erase`` (in
``order``), in one transaction: the conversations part adds the contact's conversations to
:attr:`Erasure.conversation_ids` and their texts to :attr:`Erasure.needles`; the parts that
keep copies of payloads (the event log, webhook deliveries) :func:`redact` every string
that carries a needle. Rows a table only holds by foreign key go with the ``CASCADE``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from otklik.config import Settings

#: Shorter needles are matched only as a whole value ("ok" must not redact every "ok…").
MIN_CONTAINED = 4
#: A value this long that starts a needle is a preview of it (a truncated message text).
MIN_PREVIEW = 12


@dataclass(frozen=True, slots=True)
class ExportedFile:
    """A file copied into the ZIP as ``name`` (a path inside the archive)."""

    name: str
    path: Path


@dataclass(slots=True)
class Exported:
    """One part's section of ``contact.json`` (under the part's name), and its files."""

    data: Any
    files: list[ExportedFile] = field(default_factory=list)


@dataclass(slots=True)
class Erasure:
    """What is being erased, filled in by the parts' ``prepare`` steps."""

    settings: Settings
    #: The contact erased as a whole; ``None`` when only conversations are (retention).
    contact_id: int | None
    #: Conversations whose content is anonymised (their messages stay, for statistics).
    conversation_ids: list[int] = field(default_factory=list)
    #: The anonymous contact that keeps an erased contact's conversations.
    placeholder_id: int | None = None
    #: Personal strings (name, email, phone, message texts, file names) no row may keep.
    needles: set[str] = field(default_factory=set)
    #: Files to delete from the disk once the transaction commits.
    files: list[Path] = field(default_factory=list)
    #: How many rows each part touched (for the audit entry: counts, never content).
    counts: dict[str, int] = field(default_factory=dict)

    def add_needles(self, values: Iterable[object]) -> None:
        for value in values:
            if isinstance(value, str) and value.strip():
                self.needles.add(value.strip())


ExportStep = Callable[[AsyncSession, int, Settings], Awaitable[Exported]]
ErasureStep = Callable[[AsyncSession, Erasure], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class PersonalDataPart:
    name: str
    #: Lower runs first, in ``prepare`` and in ``erase`` (files before their rows' owners).
    order: int
    export: ExportStep | None = None
    prepare: ErasureStep | None = None
    erase: ErasureStep | None = None


_parts: dict[str, PersonalDataPart] = {}


def register(part: PersonalDataPart) -> None:
    """Add a domain's part (``otklik.wiring``); registering the same name again replaces it."""
    _parts[part.name] = part


def parts() -> list[PersonalDataPart]:
    return sorted(_parts.values(), key=lambda part: (part.order, part.name))


# --- matching and redacting personal strings ---------------------------------------------

REDACTED = "[erased]"


#: A needle of digits only (a Telegram user id, a phone typed without signs) is found inside
#: a longer value only from this length and between non-digits: shorter runs of digits are
#: in every timestamp.
MIN_DIGITS_CONTAINED = 7
#: Keys whose values are structure, never personal text: a message that says "open" must not
#: turn a status into "[erased]", nor a timestamp that happens to hold an id's digits.
STRUCTURAL_KEYS = frozenset(
    {
        "id",
        "type",
        "status",
        "state",
        "channel",
        "priority",
        "author_type",
        "event",
        "kind",
        "language",
        "stream",
        "content_type",
        "sha256",
        "url",
    }
)
STRUCTURAL_SUFFIXES = ("_id", "_at", "_ids")


def _structural(key: object) -> bool:
    return isinstance(key, str) and (key in STRUCTURAL_KEYS or key.endswith(STRUCTURAL_SUFFIXES))


def _contains(value: str, needle: str) -> bool:
    if needle.isdigit():
        if len(needle) < MIN_DIGITS_CONTAINED:
            return False
        return re.search(rf"(?<!\d){re.escape(needle)}(?!\d)", value) is not None
    return len(needle) >= MIN_CONTAINED and needle in value


def is_personal(value: str, needles: Iterable[str]) -> bool:
    """Whether ``value`` is, contains or previews one of ``needles`` (case-insensitive)."""
    folded = value.strip().casefold()
    if not folded:
        return False
    preview = folded.rstrip("…").rstrip(". ")
    for needle in needles:
        candidate = needle.casefold()
        if candidate == folded or _contains(folded, candidate):
            return True
        if len(preview) >= MIN_PREVIEW and candidate.startswith(preview):
            return True
    return False


def redact(value: Any, needles: Iterable[str]) -> tuple[Any, bool]:
    """``value`` (JSON data) with every personal string replaced by ``REDACTED``; and
    whether anything was."""
    needles = list(needles)
    if isinstance(value, str):
        return (REDACTED, True) if is_personal(value, needles) else (value, False)
    if isinstance(value, dict):
        changed = False
        result: dict[Any, Any] = {}
        for key, item in value.items():
            if _structural(key):
                result[key] = item
                continue
            result[key], hit = redact(item, needles)
            changed = changed or hit
        return result, changed
    if isinstance(value, list):
        items = [redact(item, needles) for item in value]
        return [item for item, _ in items], any(hit for _, hit in items)
    return value, False
