"""Checking an import's column mapping (file column → field or ``attribute:<key>``).

Contacts and companies map columns to different fields under the same rules; each import
module describes its fields with :class:`MappingRules` and checks with :func:`check`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from otklik.core.errors import invalid

ATTRIBUTE = "attribute:"


@dataclass(frozen=True, slots=True)
class MappingRules:
    #: The plain fields a column may map to.
    fields: tuple[str, ...]
    #: What an attribute key must look like.
    attribute_key: re.Pattern[str]
    #: An example key for the error message (``attribute:plan``).
    attribute_example: str
    #: How the error message names a field ("field", "company field").
    noun: str
    #: At least one of these must be mapped: without them a row identifies nothing.
    identifying: frozenset[str]
    #: The error when none of ``identifying`` is mapped.
    identifying_message: str


def check(header: Sequence[str], mapping: dict[str, str], rules: MappingRules) -> None:
    """422 unless every mapped column is in the header and maps to a known field, once."""
    if not mapping:
        raise invalid("Map at least one column to a field.")
    if len(set(header)) != len(header):
        raise invalid("Two columns of the file have the same name.")
    targets: list[str] = []
    for column, target in mapping.items():
        if column not in header:
            raise invalid(f"The file has no column {column!r}.")
        if target.startswith(ATTRIBUTE):
            if not rules.attribute_key.match(target[len(ATTRIBUTE) :]):
                raise invalid(
                    f"{target!r} is not an attribute key (e.g. {rules.attribute_example})."
                )
        elif target not in rules.fields:
            raise invalid(
                f"{target!r} is not a {rules.noun}; one of {', '.join(rules.fields)} "
                "or attribute:<key>."
            )
        elif target in targets:
            raise invalid(f"Two columns are mapped to {target!r}.")
        targets.append(target)
    if not rules.identifying & set(targets):
        raise invalid(rules.identifying_message)
