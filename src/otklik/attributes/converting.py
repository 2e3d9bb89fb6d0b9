"""A typed attribute's value read from text (an imported file's cell): ``"12,5"`` is the
number 12.5, ``"да"`` is true, ``"31.12.2026"`` is the date 2026-12-31, a list attribute's
value is one of its options. What is stored is what the API's own values are
(``service._coerce``): a number, a boolean, an ISO date, an option or a text."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from otklik.attributes.models import AttributeDefinition

_TRUE = frozenset({"true", "yes", "y", "1", "on", "да", "д", "истина"})
_FALSE = frozenset({"false", "no", "n", "0", "off", "нет", "н", "ложь"})
_INTEGER = re.compile(r"^[+-]?\d+$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True, slots=True)
class AttributeKind:
    """What an attribute's values are: its type and, for a list, the options."""

    type: str
    options: tuple[str, ...] = ()


async def kinds(session: AsyncSession, entity: str) -> dict[str, AttributeKind]:
    """The defined attributes of ``entity`` (``contact``, ``conversation``) by key."""
    rows = await session.execute(
        select(
            AttributeDefinition.key, AttributeDefinition.type, AttributeDefinition.options
        ).where(AttributeDefinition.entity == entity)
    )
    return {key: AttributeKind(type_, tuple(options or ())) for key, type_, options in rows}


def _number(text: str) -> int | float:
    plain = text.replace("\u00a0", "").replace(" ", "")
    if "," in plain:  # 1,234.5 (thousands) or 12,5 (a decimal comma)
        plain = plain.replace(",", "") if "." in plain else plain.replace(",", ".")
    if _INTEGER.match(plain):
        return int(plain)
    try:
        number = float(plain)
    except ValueError:
        raise ValueError("a number") from None
    if not math.isfinite(number):
        raise ValueError("a number")
    return number


def _date(text: str) -> str:
    dotted = _DOTTED_DATE.match(text)
    try:
        if dotted:
            day, month, year = (int(g) for g in dotted.groups())
            return date(year, month, day).isoformat()
        if len(text) > 10:  # a date with a time (a spreadsheet's date cell): the date
            return datetime.fromisoformat(text).date().isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValueError("a date like 2026-12-31 or 31.12.2026") from None


def from_text(kind: AttributeKind, text: str) -> str | int | float | bool:
    """The value ``text`` stands for, or ``ValueError`` saying what it must be."""
    value = text.strip()
    if kind.type == "number":
        return _number(value)
    if kind.type == "boolean":
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("yes or no (true/false, 1/0, да/нет)")
    if kind.type == "date":
        return _date(value)
    if kind.type == "list":
        for option in kind.options:
            if option == value or option.casefold() == value.casefold():
                return option
        raise ValueError(f"one of {', '.join(kind.options)}")
    if len(value) > 1000:
        raise ValueError("a text of at most 1000 characters")
    return value
